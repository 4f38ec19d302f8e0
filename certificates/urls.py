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
    path("<int:pk>/credential.jwt", views.credential_download, {"kind": "jwt"}, name="credential_jwt"),
    path("<int:pk>/credential.json", views.credential_download, {"kind": "json"}, name="credential_json"),
    path("<int:pk>/badge.png", views.credential_download, {"kind": "png"}, name="badge"),
    path("status/<int:list_id>.json", views.status_list, {"signed": False}, name="status_list_json"),
    path("status/<int:list_id>", views.status_list, {"signed": True}, name="status_list"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/file/", views.verify_file, name="verify_file"),
    path("verify/<str:code>/credential.json", views.verify_credential_json, name="verify_credential_json"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
