from django.urls import path

from events.views import attendance

app_name = "attendance"

urlpatterns = [
    path("my-sessions/", attendance.my_sessions, name="my_sessions"),
    path("events/<int:event_pk>/", attendance.overview, name="overview"),
    path("sessions/<int:session_pk>/", attendance.sheet, name="sheet"),
    path("sessions/<int:session_pk>/mark/", attendance.mark, name="mark"),
    path("sessions/<int:session_pk>/mark-all/", attendance.mark_all, name="mark_all"),
    path("sessions/<int:session_pk>/walk-in/", attendance.walk_in, name="walk_in"),
    path("sessions/<int:session_pk>/check-in/", attendance.checkin, name="checkin"),
    path("sessions/<int:session_pk>/room/", attendance.room, name="room"),
    path("sessions/<int:session_pk>/sign-in-sheet.pdf", attendance.signin_sheet, name="signin_sheet"),
    path("check-in/", attendance.self_checkin_entry, name="self_checkin_entry"),
    path("check-in/<str:code>/", attendance.self_checkin, name="self_checkin"),
]
