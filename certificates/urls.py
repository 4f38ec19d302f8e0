from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.my_certificates, name="mine"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("events/<int:event_id>/", views.event_certificates, name="event"),
    path("events/<int:event_id>/issue-all/", views.batch_start, name="batch_start"),
    path("events/<int:event_id>/registrations/<int:registration_id>/issue/", views.issue_one, name="issue_one"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/progress.json", views.batch_progress, name="batch_progress"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
