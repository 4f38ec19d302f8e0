from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("me/", views.my_data, name="my_data"),
    path("me/consents/give/", views.consent_give_view, name="consent_give"),
    path("me/consents/<int:pk>/withdraw/", views.consent_withdraw_view, name="consent_withdraw"),
    path("me/demographics/", views.demographics_view, name="demographics"),
    path("me/export/", views.export_request_view, name="export_request"),
    path("me/delete/", views.delete_request_view, name="delete_request"),
    path("me/delete/cancel/", views.delete_cancel_view, name="delete_cancel"),
    path("export/<str:token>/", views.export_download, name="export_download"),
    path("undo-deletion/<str:token>/", views.delete_undo, name="delete_undo"),
    path("cities/<slug:slug>/", views.city_privacy, name="city"),
    path("cities/<slug:slug>/texts/<str:kind>/", views.city_wording, name="city_wording"),
]
