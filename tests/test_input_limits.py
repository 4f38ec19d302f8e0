"""Every free-text input has a maximum, in its form and in its model."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.validators import MaxLengthValidator
from django.db import models
from django.forms.widgets import DateTimeBaseInput, Input
from django.test import RequestFactory
from django.urls import reverse

from events.models import Question
from events.services.questions import CHOICES_TEXT_MAX_LENGTH
from tests.factories import CityFactory

OUR_APPS = ("accounts", "events", "certificates")
FORM_MODULES = [
    "accounts.forms", "events.forms", "events.forms_attendance", "events.forms_registration",
    "events.forms_registration_admin", "events.filters", "certificates.forms", "events.admin", "certificates.admin",
]
# Written by the application, never typed by anyone: rendered emails, error reports, rendered Markdown.
SYSTEM_WRITTEN = {
    "outbox.OutgoingEmail.body_text", "outbox.OutgoingEmail.body_html", "outbox.OutgoingEmail.calendar_body",
    "outbox.OutgoingEmail.last_error", "certificates.CertificateBatch.error",
    "events.City.narrative_html", "events.Event.description_html",
    # Derived by the event services from texts that are bounded themselves.
    "events.Event.search_text",
    # The real body of a secret email until it is sent; written by the email services only.
    "outbox.OutgoingEmail.secret_text", "outbox.OutgoingEmail.secret_html",
    # The signed credential, built and signed by certificates.credentials.
    "certificates.Certificate.credential_jwt",
}


def site_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined by the project (not imported from Django or allauth)."""
    found = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == name:
                found.append(value)
    return found


def _instances() -> list[forms.BaseForm]:
    city = CityFactory.build(slug="riga", timezone="Europe/Riga")
    questions = [
        Question(pk=1, label="Short", kind=Question.Kind.SHORT_TEXT),
        Question(pk=2, label="Long", kind=Question.Kind.LONG_TEXT),
    ]
    special = {
        "EventForm": {"city": city},
        "RegistrationForm": {"questions": questions, "language": "en"},
    }
    made = []
    for cls in site_form_classes():
        if cls.__name__ == "RevokeActionForm":
            made.append(cls(auto_id=None))
            continue
        made.append(cls(**special.get(cls.__name__, {})))
    return made


def _admin_forms() -> list[forms.BaseForm]:
    from accounts.models import User

    request = RequestFactory().get("/admin/")
    request.user = User.objects.filter(is_superuser=True).first()
    made = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        # A read-only admin shows no input at all (its form has no fields when changing).
        change = not model_admin.has_add_permission(request)
        made.append(model_admin.get_form(request, change=change)())
        for inline in model_admin.get_inline_instances(request):
            made.append(inline.get_formset(request)().empty_form)
    return made


def _is_free_text(field: forms.Field) -> bool:
    widget = field.widget
    if isinstance(widget, DateTimeBaseInput):
        return False
    if isinstance(widget, forms.Textarea):
        return True
    # Passwords are not kept as typed (only their fixed-size hash is), so they are not listed here.
    return isinstance(widget, Input) and widget.input_type in {"text", "email", "url", "search"}


@pytest.mark.django_db
def test_every_text_field_of_every_form_has_a_maximum(admin_user):
    unbounded = []
    for form in _instances() + _admin_forms():
        for name, field in form.fields.items():
            if _is_free_text(field) and getattr(field, "max_length", None) is None:
                unbounded.append(f"{type(form).__name__}.{name}")
            elif isinstance(field.widget, forms.Textarea) and "maxlength" not in field.widget.attrs:
                unbounded.append(f"{type(form).__name__}.{name} (no maxlength on the textarea)")
    assert unbounded == [], unbounded


def test_every_text_column_has_a_maximum_that_the_model_enforces():
    unbounded = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.CharField | models.TextField):
                continue
            label = f"{model._meta.label}.{field.name}"
            if label in SYSTEM_WRITTEN:
                continue
            if field.max_length is None:
                unbounded.append(label)
            elif not any(isinstance(v, MaxLengthValidator) for v in field.validators):
                unbounded.append(f"{label} (max_length not enforced by the model)")
    assert unbounded == [], unbounded


@pytest.mark.django_db
def test_a_megabyte_of_question_choices_is_refused_with_a_message(client, organizer, event):
    client.force_login(organizer)
    event.city.memberships.get_or_create(user=organizer)

    response = client.post(
        reverse("registration_admin:question_add", kwargs={"pk": event.pk}),
        {"kind": "single_choice", "label": "Diet", "choices_text": "veg|Vegetarian\n" * (2**20 // 15)},
    )

    assert response.status_code == 400  # the page again, with the form's errors
    page = response.content.decode()
    assert f"Ensure this value has at most {CHOICES_TEXT_MAX_LENGTH} characters" in page
    assert not event.questions.exists()


@pytest.mark.django_db
def test_more_than_fifty_choices_are_refused(client, organizer, event):
    client.force_login(organizer)
    choices = "\n".join(f"c{n}|Choice {n}" for n in range(51))

    response = client.post(
        reverse("registration_admin:question_add", kwargs={"pk": event.pk}),
        {"kind": "single_choice", "label": "Diet", "choices_text": choices},
    )

    assert "A question can offer at most 50 choices." in response.content.decode()
    assert not event.questions.exists()


@pytest.mark.django_db
def test_a_too_long_description_is_refused_by_the_service(city, organizer):
    from django.core.exceptions import ValidationError

    from events.services import events as event_services

    with pytest.raises(ValidationError):
        event_services.event_create(
            city=city, created_by=organizer, kind="launch", area="governance", title="T", language="en",
            description="x" * 5001,
        )
