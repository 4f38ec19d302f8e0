"""OutgoingEmail moved from ``events`` to ``outbox`` without touching its table or its rows."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from outbox.models import OutgoingEmail
from tests.factories import EventFactory, UserFactory

BEFORE_THE_MOVE = [("events", "0010_listing_indexes"), ("outbox", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    # The models as these migrations leave them ("app, None" is an app with none applied).
    return executor.loader.project_state([target for target in targets if target[1] is not None]).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_emails_stored_before_the_move_are_still_there_and_sendable_after_it(city):
    event, user = EventFactory(city=city), UserFactory()
    try:
        old_apps = _migrate(BEFORE_THE_MOVE)
        # The state main had: the model in events, its content type (admin history, permissions) too.
        ContentType.objects.filter(app_label="outbox").delete()
        old_type = ContentType.objects.get_or_create(app_label="events", model="outgoingemail")[0]
        old_email = old_apps.get_model("events", "OutgoingEmail").objects.create(
            user_id=user.pk, event_id=event.pk, to_email=user.email, template="registration_confirmed",
            language="lv", subject="Jūs esat reģistrēts", body_text="Sveiki", dedupe_key="before-the-move",
        )
    finally:
        _migrate(_latest())
    ContentType.objects.clear_cache()

    moved = OutgoingEmail.objects.select_related("user", "event").get(pk=old_email.pk)
    assert (moved.subject, moved.user, moved.event, moved.status) == ("Jūs esat reģistrēts", user, event, "queued")
    assert ContentType.objects.get_for_model(OutgoingEmail).pk == old_type.pk
    assert not ContentType.objects.filter(app_label="events", model="outgoingemail").exists()
    # The table, its unique key and its sequence carry on: a new row gets the next id.
    newer = OutgoingEmail.objects.create(to_email="a@example.org", template="t", language="en", subject="s", body_text="b")
    assert newer.pk > moved.pk
    assert OutgoingEmail._meta.db_table == "events_outgoingemail"


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone_and_redone():
    try:
        old_apps = _migrate(BEFORE_THE_MOVE)
        assert old_apps.get_model("events", "OutgoingEmail")._meta.db_table == "events_outgoingemail"
        with connection.cursor() as cursor:
            assert "events_outgoingemail" in connection.introspection.table_names(cursor)
    finally:
        new_apps = _migrate(_latest())
    assert new_apps.get_model("outbox", "OutgoingEmail")._meta.db_table == "events_outgoingemail"
