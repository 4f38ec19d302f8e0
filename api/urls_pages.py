from django.urls import path

from api import views_pages

app_name = "api_pages"

urlpatterns = [
    path("", views_pages.index, name="index"),
    path("tokens/add/", views_pages.token_add, name="token_add"),
    path("tokens/<int:pk>/revoke/", views_pages.token_revoke_view, name="token_revoke"),
    path("webhooks/add/", views_pages.webhook_add, name="webhook_add"),
    path("webhooks/<int:pk>/", views_pages.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/toggle/", views_pages.webhook_toggle, name="webhook_toggle"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/", views_pages.delivery_resend, name="delivery_resend"),
]
