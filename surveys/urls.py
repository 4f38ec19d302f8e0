from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", views.respond, name="respond"),
    path("events/<int:pk>/survey/", views.manage, name="manage"),
    path("events/<int:pk>/survey/questions/add/", views.question_add_view, name="question_add"),
    path("events/<int:pk>/survey/open/", views.open_now, name="open"),
    path("events/<int:pk>/survey/results/", views.results, name="results"),
    path("events/<int:pk>/survey/results.<str:fmt>", views.results_export, name="results_export"),
    path("events/<int:pk>/survey/charts/<int:question_pk>.svg", views.results_chart, name="results_chart"),
    path("sessions/<int:session_pk>/walk-in/", views.walk_in, name="walk_in"),
]
