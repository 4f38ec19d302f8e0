"""Organizer pages for an event's registrations and questions, mounted under ``manage/``."""

from django.urls import path

from events.views import registration_admin as views

app_name = "registration_admin"

urlpatterns = [
    path("events/<int:pk>/registrations/", views.registration_list, name="registrations"),
    path("events/<int:pk>/registrations/add/", views.registration_add, name="registration_add"),
    path(
        "events/<int:pk>/registrations/export.csv",
        views.registration_export,
        {"fmt": "csv"},
        name="registration_export_csv",
    ),
    path(
        "events/<int:pk>/registrations/export.xlsx",
        views.registration_export,
        {"fmt": "xlsx"},
        name="registration_export_xlsx",
    ),
    path(
        "events/<int:pk>/registrations/approve/",
        views.registration_approve_many,
        name="registration_approve_many",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/approve/",
        views.registration_approve,
        name="registration_approve",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/reject/",
        views.registration_reject,
        name="registration_reject",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/promote/",
        views.registration_promote,
        name="registration_promote",
    ),
    path("events/<int:pk>/emails/<int:email_pk>/retry/", views.failed_email_retry, name="email_retry"),
    path("events/<int:pk>/questions/", views.question_list, name="questions"),
    path("events/<int:pk>/questions/add/", views.question_add, name="question_add"),
    path("events/<int:pk>/questions/<int:question_pk>/edit/", views.question_edit, name="question_edit"),
    path("events/<int:pk>/questions/<int:question_pk>/delete/", views.question_delete_view, name="question_delete"),
    path("events/<int:pk>/questions/<int:question_pk>/move/", views.question_move_view, name="question_move"),
]
