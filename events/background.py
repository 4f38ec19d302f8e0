"""Work that must not hold up the response in an installation without a broker.

Without Celery workers (no ``REDIS_URL``) the after-commit side effects of a request
(rendering, storing and sending a registration email) would otherwise run inside the
request that someone is waiting for. This runs them on a small thread pool of the
same process instead, after the response has gone out.

Only jobs whose loss is recoverable belong here: a process killed outright loses its
queue, as an in-memory broker would. Interpreter shutdown (gunicorn's graceful stop,
``sys.exit``) waits for queued jobs: ``concurrent.futures`` joins its threads at exit.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

# Two threads: enough to keep up with a burst of emails, few enough that they never
# crowd out the request threads on a small machine or hold many database connections.
MAX_THREADS = 2
_THREAD_PREFIX = "epi-background"

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_pending: set[Future] = set()
_queued = 0  # handed over and not started yet


# How much lower than the request threads the background threads run (Linux nice
# steps). Under a burst the CPU goes to people waiting for a page; the emails catch
# up in the lull after it, as a worker would.
NICENESS = 10


def _lower_priority() -> None:
    try:
        # On Linux a thread has a nice value of its own, addressed by its native id.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


def _pool() -> ThreadPoolExecutor:
    global _executor, _executor_pid, _pending, _queued
    # Created lazily and per process: a pool inherited through fork() has no threads.
    pid = os.getpid()
    with _lock:
        if _executor is None or _executor_pid != pid:
            _executor = ThreadPoolExecutor(
                max_workers=MAX_THREADS, thread_name_prefix=_THREAD_PREFIX, initializer=_lower_priority
            )
            _executor_pid = pid
            _pending, _queued = set(), 0
        return _executor


def _run(job: Callable[[], object], label: str) -> None:
    global _queued
    with _lock:
        _queued -= 1
    try:
        # Between jobs of a burst the thread keeps its database connection, dropped by
        # the same rules as a request thread's (CONN_MAX_AGE, broken connections).
        close_old_connections()
        job()
    except Exception:
        # The request's change is committed already; nobody is left to show this to.
        logger.exception("Background job %s failed", label)
    finally:
        with _lock:
            idle = _queued == 0
        try:
            if idle:
                # Nothing left to do: an idle thread holds no database connection.
                connections.close_all()
            else:
                close_old_connections()
        except Exception:
            logger.exception("Closing the database connection after background job %s failed", label)


def in_background() -> bool:
    """Whether after-commit work should leave the request (setting EMAILS_IN_BACKGROUND_THREAD)."""
    return bool(getattr(settings, "EMAILS_IN_BACKGROUND_THREAD", False))


def on_background_thread() -> bool:
    """Whether this code already runs on one of the background threads (no need to hand over again)."""
    return threading.current_thread().name.startswith(_THREAD_PREFIX)


def run_in_background(job: Callable[[], object], *, label: str = "") -> None:
    """Run ``job`` soon on this process's background threads; runs it here when shutting down."""
    global _queued
    label = label or getattr(job, "__name__", "job")
    pool = _pool()
    with _lock:
        _queued += 1
    try:
        future = pool.submit(_run, job, label)
    except RuntimeError:
        # The pool refuses new work once the interpreter is exiting: do it now rather than lose it.
        # (_run counts it as started.)
        _run(job, label)
        return
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def background_wait(*, timeout: float | None = None) -> bool:
    """Wait until every job handed over so far has run; False when ``timeout`` ran out first."""
    with _lock:
        pending = set(_pending)
    _done, not_done = wait(pending, timeout=timeout)
    return not not_done
