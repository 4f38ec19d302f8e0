"""How a piece of work runs after a change: decided here, and nowhere else.

Services call ``dispatch("<app>.tasks.<name>", *ids)`` with the name of a Celery task and
plain values (primary keys, short strings); they never import a tasks module. The work then
runs after the current transaction commits (at once outside one):

- **with a broker** (``REDIS_URL``; ``CELERY_TASK_ALWAYS_EAGER`` off) the task goes to the
  Celery workers. When the broker cannot be reached the work runs in this process instead,
  as below, so a committed change never loses its side effect to a broker outage — unless
  the caller says ``fallback=False``: then the work is recorded already (an email row, a
  webhook delivery) and a periodic job picks it up, and nothing runs in the request;
- **without a broker** (the embedded default) on this process's background threads
  (``outbox.background``) after the response, when ``EMAILS_IN_BACKGROUND_THREAD`` is on
  (the default without a broker) — or right here when it is off (the tests) or when this
  already runs on a background thread. ``long=True`` jobs (a certificate batch) leave the
  request whatever ``EMAILS_IN_BACKGROUND_THREAD`` says, on threads of their own, unless
  ``BACKGROUND_LONG_JOBS`` is off (tests run them in place). ``background=False`` work runs
  right here in any case: it must see the rows as they are now (an event change's notice goes
  to those registered when the change was made, not to whoever registers meanwhile).

In this process the task runs through Celery's eager ``apply`` (the task sees
``request.is_eager``), or ``in_process`` when the caller has a cheaper way to do the same
work with objects it already holds (the email row it has just written).

Scheduling is ``robust``: the change is committed, and a failure to hand over its work must
not turn it into an error page; the failure is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction

from outbox.background import on_background_thread, run_in_background

logger = logging.getLogger(__name__)


def _task(name: str):
    tasks = current_app.tasks
    if name not in tasks:
        # A web process never runs Celery's (lazy) autodiscovery, a worker does at start:
        # import every app's tasks module once, as the worker would.
        current_app.autodiscover_tasks(force=True)
    return tasks[name]


def _in_process(task_name: str, args: tuple, kwargs: dict, in_process: Callable[[], Any] | None) -> Callable[[], Any]:
    if in_process is not None:
        return in_process
    return lambda: _task(task_name).apply(args=args, kwargs=kwargs)


def _leaves_request(long: bool, background: bool) -> bool:
    if not background or on_background_thread():
        return False  # already off the request: no need to hand over again
    if long:
        return bool(getattr(settings, "BACKGROUND_LONG_JOBS", True))
    return bool(getattr(settings, "EMAILS_IN_BACKGROUND_THREAD", False))


def run_now(
    task_name: str,
    *args: Any,
    in_process: Callable[[], Any] | None = None,
    fallback: bool = True,
    long: bool = False,
    background: bool = True,
    **kwargs: Any,
) -> None:
    """``dispatch`` without waiting for a commit: hand the work over (or do it) now."""
    local = _in_process(task_name, args, kwargs, in_process)
    label = task_name.rpartition(".")[2]
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            _task(task_name).delay(*args, **kwargs)
            return
        except Exception:
            if not fallback:
                logger.warning("Broker unavailable; %s left for the periodic job", label, exc_info=True)
                return
            logger.warning("Broker unavailable; running %s in process", label, exc_info=True)
    if _leaves_request(long, background):
        run_in_background(local, label=label, long=long)
    else:
        local()


def dispatch(
    task_name: str,
    *args: Any,
    in_process: Callable[[], Any] | None = None,
    fallback: bool = True,
    long: bool = False,
    background: bool = True,
    **kwargs: Any,
) -> None:
    """Run the Celery task ``task_name`` with ``args`` / ``kwargs`` once the current transaction
    commits, in a worker or in this process (see the module's docstring)."""
    job = partial(
        run_now, task_name, *args, in_process=in_process, fallback=fallback, long=long, background=background, **kwargs
    )
    transaction.on_commit(job, robust=True)
