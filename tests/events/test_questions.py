import pytest
from django.urls import reverse

from events.models import Answer, Question, Registration
from events.services import registrations as reg_services
from events.services.questions import (
    QuestionError,
    question_create,
    question_delete,
    question_move,
    question_update,
)
from tests.factories import EventFactory, OrganizerFactory, UserFactory

CHOICES = [{"value": "veg", "label": "Vegetarian"}, {"value": "vegan", "label": "Vegan"}]


def questions_url(event):
    return reverse("registration_admin:questions", kwargs={"pk": event.pk})


def add_url(event):
    return reverse("registration_admin:question_add", kwargs={"pk": event.pk})


def q_url(name, question):
    return reverse(f"registration_admin:question_{name}", kwargs={"pk": question.event_id, "question_pk": question.pk})


def labels(event):
    return list(Question.objects.filter(event=event).order_by("position", "id").values_list("label", flat=True))


def answer(question, value):
    registration = reg_services.registration_create(
        event=question.event, user=UserFactory(), consent_version="v1", answers={question.pk: value}
    )
    return registration


def form_data(**overrides):
    data = {
        "kind": "short_text", "label": "Where do you live?", "label_en": "", "label_es": "", "label_sv": "",
        "help_text": "", "choices_text": "",
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- permissions matrix


ROLES = ["anonymous", "participant", "trainer", "organizer_of_riga", "organizer_of_ravenna", "staff"]
PAGES = ["list", "add_get", "add_post", "edit_get", "edit_post", "delete_get", "delete_post", "move"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_city_organizers_and_staff_edit_questions(client, city, other_city, role, page):
    event = EventFactory(city=other_city)
    first = question_create(event=event, label="First", kind="short_text")
    question_create(event=event, label="Second", kind="short_text")
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
    requests = {
        "list": ("get", questions_url(event), {}),
        "add_get": ("get", add_url(event), {}),
        "add_post": ("post", add_url(event), form_data(label="Injected")),
        "edit_get": ("get", q_url("edit", first), {}),
        "edit_post": ("post", q_url("edit", first), form_data(label="Changed")),
        "delete_get": ("get", q_url("delete", first), {}),
        "delete_post": ("post", q_url("delete", first), {}),
        "move": ("post", q_url("move", first), {"direction": "down"}),
    }
    if users[role]:
        client.force_login(users[role])
    method, url, data = requests[page]

    response = getattr(client, method)(url, data)

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif role in ("organizer_of_ravenna", "staff"):
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403
        assert labels(event) == ["First", "Second"]


def test_questions_of_another_event_are_404(client, organizer, city, event):
    foreign = question_create(event=EventFactory(city=city), label="Elsewhere", kind="short_text")
    client.force_login(organizer)
    for name in ("edit", "delete", "move"):
        url = reverse(f"registration_admin:question_{name}", kwargs={"pk": event.pk, "question_pk": foreign.pk})
        assert client.post(url, form_data() | {"direction": "up"}).status_code == 404
        missing = reverse(f"registration_admin:question_{name}", kwargs={"pk": event.pk, "question_pk": 99999})
        assert client.post(missing, {"direction": "up"}).status_code == 404
    assert Question.objects.get(pk=foreign.pk).label == "Elsewhere"


# --------------------------------------------------------------------------- the editor pages


def test_add_a_choice_question_with_translations(client, organizer, event):
    client.force_login(organizer)
    response = client.post(
        add_url(event),
        form_data(
            kind="single_choice",
            label="Which meal?",
            label_es="¿Qué comida?",
            label_sv="Vilken måltid?",
            label_en="Which meal would you like?",
            required="on",
            choices_text="veg | Vegetarian | es=Vegetariana | sv=Vegetarisk\n\nmeat|Meat\nfish",
        ),
    )
    assert response.status_code == 302
    question = Question.objects.get(event=event)
    assert question.kind == "single_choice"
    assert question.required is True
    assert question.label == "Which meal?"
    assert question.label_translations == {
        "en": "Which meal would you like?", "es": "¿Qué comida?", "sv": "Vilken måltid?",
    }
    assert question.label_for("sv") == "Vilken måltid?"
    assert question.choices == [
        {"value": "veg", "label": "Vegetarian", "translations": {"es": "Vegetariana", "sv": "Vegetarisk"}},
        {"value": "meat", "label": "Meat", "translations": {}},
        {"value": "fish", "label": "fish", "translations": {}},
    ]
    html = client.get(questions_url(event)).content.decode()
    assert "Which meal?" in html and "Vegetarian" in html and "Required" in html


@pytest.mark.parametrize(
    ("kind", "choices_text", "message"),
    [
        ("single_choice", "", "A single or multiple choice question needs at least two choices."),
        ("multiple_choice", "only|Only one", "A single or multiple choice question needs at least two choices."),
        ("single_choice", "a|Apple\nb|Banana\nA|Apricot", "Line 3: the value “A” is already used on line 1."),
        ("single_choice", "a|Apple\n|Nothing", "Line 2: the value before | is empty."),
        ("single_choice", "a|Apple|fr=Pomme\nb|Banana", "Line 1: “fr=Pomme” should look like es=translation"),
    ],
)
def test_choice_errors_are_explained_and_the_input_kept(client, organizer, event, kind, choices_text, message):
    client.force_login(organizer)
    response = client.post(add_url(event), form_data(kind=kind, label="Pick one", choices_text=choices_text))
    assert response.status_code == 400
    html = response.content.decode()
    assert message.replace("“", "&ldquo;") in html or message in html
    assert 'value="Pick one"' in html
    assert not Question.objects.filter(event=event).exists()


def test_a_text_question_ignores_leftover_choices(client, organizer, event):
    client.force_login(organizer)
    client.post(add_url(event), form_data(kind="long_text", label="Tell us", choices_text="a|A\nb|B"))
    assert Question.objects.get(event=event).choices == []


def test_a_question_needs_a_label_and_a_known_kind(client, organizer, event):
    client.force_login(organizer)
    response = client.post(add_url(event), form_data(kind="essay", label=""))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"kind", "label"}


def test_edit_shows_the_current_values_and_saves(client, organizer, event):
    question = question_create(
        event=event, label="Diet", kind="multiple_choice", choices=CHOICES, label_translations={"es": "Dieta"}
    )
    client.force_login(organizer)
    html = client.get(q_url("edit", question)).content.decode()
    assert 'value="Dieta"' in html
    assert "veg|Vegetarian\nvegan|Vegan" in html

    response = client.post(
        q_url("edit", question),
        form_data(kind="multiple_choice", label="Food", label_es="Comida", choices_text="veg|Veggie\nvegan|Vegan\nhalal|Halal"),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.label == "Food"
    assert question.label_translations == {"es": "Comida"}
    assert [c["label"] for c in question.choices] == ["Veggie", "Vegan", "Halal"]


def test_an_answered_question_keeps_its_kind_and_its_picked_choices(client, organizer, event):
    question = question_create(event=event, label="Diet", kind="multiple_choice", choices=CHOICES)
    answer(question, ["vegan"])
    client.force_login(organizer)

    response = client.post(q_url("edit", question), form_data(kind="short_text", label="Diet"))
    assert response.status_code == 400
    assert "its kind can no longer change" in response.content.decode()

    response = client.post(
        q_url("edit", question), form_data(kind="multiple_choice", label="Diet", choices_text="veg|Veg\nhalal|Halal")
    )
    assert response.status_code == 400
    assert "cannot be removed: vegan" in response.content.decode()

    # Unpicked choices can go, labels can change.
    response = client.post(
        q_url("edit", question), form_data(kind="multiple_choice", label="Diet", choices_text="vegan|Plant-based\nhalal|Halal")
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert [c["value"] for c in question.choices] == ["vegan", "halal"]


def test_delete_asks_first_then_deletes_an_unanswered_question(client, organizer, event):
    question = question_create(event=event, label="Shoe size", kind="short_text")
    client.force_login(organizer)
    html = client.get(q_url("delete", question)).content.decode()
    assert "Shoe size" in html and "Delete it?" in html
    assert Question.objects.filter(pk=question.pk).exists()

    response = client.post(q_url("delete", question))
    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_a_question_with_answers_is_not_deleted(client, organizer, event):
    """Decision: answers may hold promises (diet, access needs), so deleting is refused, not cascaded."""
    question = question_create(event=event, label="Access needs", kind="short_text")
    answer(question, "Step-free entrance")
    client.force_login(organizer)

    page = client.get(q_url("delete", question)).content.decode()
    assert "1 participant has already answered this question" in page
    assert "Delete the question" not in page

    response = client.post(q_url("delete", question))
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert messages == [
        "1 participant has already answered this question, so it cannot be deleted. You can make it optional instead."
    ]
    assert Answer.objects.filter(question=question, value="Step-free entrance").exists()


def test_reorder_with_up_and_down_buttons(client, organizer, event):
    a, b, c = (question_create(event=event, label=label, kind="short_text") for label in "ABC")
    client.force_login(organizer)
    html = client.get(questions_url(event)).content.decode()
    # First has no "up", last has no "down": every button on the page does something.
    assert html.count('value="up"') == 2 and html.count('value="down"') == 2

    response = client.post(q_url("move", c), {"direction": "up"})
    assert response.status_code == 302 and response["Location"].endswith(f"#question-{c.pk}")
    assert labels(event) == ["A", "C", "B"]
    client.post(q_url("move", a), {"direction": "down"})
    assert labels(event) == ["C", "A", "B"]
    response = client.post(q_url("move", a), {"direction": "sideways"})
    assert [str(m) for m in client.get(response["Location"]).context["messages"]] == [
        "A question can only move up or down."
    ]
    assert labels(event) == ["C", "A", "B"]


# --------------------------------------------------------------------------- the services


def test_new_questions_go_last(event):
    first = question_create(event=event, label="One", kind="short_text")
    second = question_create(event=event, label="Two", kind="yes_no")
    assert (first.position, second.position) == (0, 1)


@pytest.mark.parametrize(
    "choices",
    [
        [],
        [{"value": "a", "label": "A"}],
        [{"value": "a", "label": "A"}, {"value": "a", "label": "Again"}],
        [{"value": "a", "label": "A"}, {"value": " ", "label": "Blank"}],
    ],
)
def test_choice_questions_need_two_distinct_choices(event, choices):
    with pytest.raises(QuestionError):
        question_create(event=event, label="Pick", kind="single_choice", choices=choices)
    assert not Question.objects.exists()


def test_translations_only_in_site_languages(event):
    with pytest.raises(QuestionError):
        question_create(event=event, label="Q", kind="short_text", label_translations={"xx": "?"})


def test_moving_past_the_ends_does_nothing_and_repairs_equal_positions(event):
    a = question_create(event=event, label="A", kind="short_text")
    b = question_create(event=event, label="B", kind="short_text")
    Question.objects.filter(event=event).update(position=5)  # as older data might have it
    question_move(question=a, direction="up")
    assert labels(event) == ["A", "B"]
    assert list(Question.objects.filter(event=event).order_by("position").values_list("position", flat=True)) == [0, 1]
    question_move(question=b, direction="down")
    assert labels(event) == ["A", "B"]


def test_update_keeps_what_the_answers_need(event):
    question = question_create(event=event, label="Diet", kind="single_choice", choices=CHOICES)
    answer(question, "veg")
    with pytest.raises(QuestionError):
        question_update(question=question, label="Diet", kind="single_choice", choices=[
            {"value": "vegan", "label": "Vegan"}, {"value": "halal", "label": "Halal"},
        ])
    question.refresh_from_db()
    assert [c["value"] for c in question.choices] == ["veg", "vegan"]


def test_delete_refuses_when_answered_and_deletes_otherwise(event):
    kept = question_create(event=event, label="Kept", kind="short_text")
    answer(kept, "hello")
    with pytest.raises(QuestionError):
        question_delete(question=kept)
    gone = question_create(event=event, label="Gone", kind="short_text")
    question_delete(question=gone)
    assert labels(event) == ["Kept"]
    assert Registration.objects.filter(event=event).count() == 1
