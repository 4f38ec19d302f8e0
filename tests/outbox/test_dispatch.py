"""``outbox.dispatch``: the one place that decides where a task runs."""

import logging
import threading

import pytest
from celery import shared_task
from django.db import transaction

from outbox.background import background_wait
from outbox.dispatch import dispatch

done: list[tuple[str, object]] = []


@shared_task(name="tests.outbox.record")
def record(value):
    done.append((threading.current_thread().name, value))


@pytest.fixture(autouse=True)
def _fresh(settings):
    done.clear()
    settings.EMAILS_IN_BACKGROUND_THREAD = False
    settings.BACKGROUND_LONG_JOBS = False


@pytest.mark.django_db
def test_without_a_broker_the_work_runs_here_once_the_change_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            dispatch("tests.outbox.record", 1)
            assert done == []  # not before the commit
    assert done == [(threading.current_thread().name, 1)]


@pytest.mark.django_db
def test_nothing_runs_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            dispatch("tests.outbox.record", 1)
            raise RuntimeError
    assert done == []


@pytest.mark.django_db(transaction=True)
def test_in_process_work_replaces_the_task_here_but_only_ids_go_to_a_worker(settings, monkeypatch):
    dispatch("tests.outbox.record", 1, in_process=lambda: done.append(("here", "shortcut")))
    assert done == [("here", "shortcut")]

    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(record, "delay", lambda *args, **kwargs: sent.append((args, kwargs)))
    dispatch("tests.outbox.record", 2, in_process=lambda: done.append(("here", "no")))
    assert sent == [((2,), {})]
    assert done == [("here", "shortcut")]


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_runs_the_work_here_unless_it_waits_for_a_periodic_job(settings, monkeypatch, caplog):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(record, "delay", broker_down)
    caplog.set_level(logging.WARNING, logger="outbox.dispatch")
    dispatch("tests.outbox.record", 1)
    assert [value for _thread, value in done] == [1]
    dispatch("tests.outbox.record", 2, fallback=False)
    assert [value for _thread, value in done] == [1]
    assert "left for the periodic job" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_work_leaves_the_request_for_the_background_threads(settings):
    settings.EMAILS_IN_BACKGROUND_THREAD = True
    dispatch("tests.outbox.record", "email")
    assert background_wait(timeout=30)
    [(thread, value)] = done
    assert value == "email" and thread.startswith("epi-background-short")


@pytest.mark.django_db(transaction=True)
def test_long_jobs_get_threads_of_their_own_even_when_emails_stay_in_the_request(settings):
    settings.BACKGROUND_LONG_JOBS = True
    dispatch("tests.outbox.record", "batch", long=True)
    dispatch("tests.outbox.record", "email")
    assert background_wait(timeout=30)
    threads = dict((value, thread) for thread, value in done)
    assert threads["batch"].startswith("epi-background-long")
    assert threads["email"] == threading.current_thread().name


@pytest.mark.django_db(transaction=True)
def test_a_certificate_batch_runs_on_the_background_executor_which_a_stop_waits_for(settings, monkeypatch, city):
    """It used to run on a bare daemon thread, which a graceful stop does not wait for."""
    from certificates.services import certificates
    from certificates.services.certificates import certificate_batch_start
    from tests.factories import EventFactory, RegistrationFactory, UserFactory

    settings.BACKGROUND_LONG_JOBS = True
    ran = []
    monkeypatch.setattr(certificates, "issuable_registrations", lambda **kwargs: certificates.Registration.objects.all())
    monkeypatch.setattr(
        certificates, "certificate_batch_run",
        lambda **kwargs: ran.append((threading.current_thread().name, kwargs)),
    )
    event = EventFactory(city=city)
    RegistrationFactory(event=event)
    certificate_batch_start(event=event, actor=UserFactory(is_staff=True))

    assert background_wait(timeout=30)
    [(thread, kwargs)] = ran
    assert thread.startswith("epi-background-long")
    assert (kwargs["part"], kwargs["parts"]) == (0, 1)


def test_every_task_the_code_dispatches_is_a_registered_celery_task():
    """Services name their tasks by string (they never import a tasks module): a typo or a
    renamed task would only show when the work is due, so every name is checked here."""
    import re
    from pathlib import Path

    from outbox.dispatch import _task

    root = Path(__file__).resolve().parents[2]
    names = {
        name
        for package in ("api", "certificates", "events", "outbox", "privacy", "surveys")
        for path in (root / package).rglob("*.py")
        for name in re.findall(r'^[A-Z_]+_TASK = "([\w.]+)"', path.read_text(), re.M)
    }
    assert len(names) == 7
    for name in sorted(names):
        assert _task(name).name == name


@pytest.mark.django_db(transaction=True)
def test_work_that_must_see_the_rows_as_they_are_now_stays_here(settings):
    settings.EMAILS_IN_BACKGROUND_THREAD = True
    dispatch("tests.outbox.record", "now", background=False)
    assert done == [(threading.current_thread().name, "now")]
