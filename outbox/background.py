"""Work that must not hold up the response in an installation without a broker.

Without Celery workers (no ``REDIS_URL``) the after-commit side effects of a request
(rendering, storing and sending a registration email) would otherwise run inside the
request that someone is waiting for. This runs them on a small thread pool of the
same process instead, after the response has gone out.

Whether a job comes here is decided by ``outbox.dispatch``; this module only runs them.
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

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

# Two threads: enough to keep up with a burst of emails, few enough that they never
# crowd out the request threads on a small machine or hold many database connections.
MAX_THREADS = 2
# Long jobs (a certificate batch: seconds to minutes of PDF layout) get threads of their own,
# so a batch never holds up the emails queued behind it.
MAX_LONG_THREADS = 2
_THREAD_PREFIX = "epi-background"

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


# Python runs one thread at a time: a background job rendering an email while a request is being
# answered takes turns with it, which made registrations' p95 three times their p50 when sent back
# to back (bench/scale.py: "register" against "register idle"). So a short job waits until no
# request of this process is in flight — the lull a worker would use — but never longer than this.
YIELD_TO_REQUESTS_SECONDS = 1.0


class _RequestsInFlight:
    """How many requests this process is answering, from Django's request signals."""

    def __init__(self):
        self.count = 0
        self.idle = threading.Condition()

    def started(self, **kwargs) -> None:
        with self.idle:
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self.idle:
            self.count = max(self.count - 1, 0)
            if not self.count:
                self.idle.notify_all()

    def wait_for_lull(self, timeout: float) -> None:
        with self.idle:
            self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


in_flight = _RequestsInFlight()
request_started.connect(in_flight.started, dispatch_uid="outbox-requests-started")
request_finished.connect(in_flight.finished, dispatch_uid="outbox-requests-finished")


class _Pool:
    """One thread pool of this process, created lazily (a pool inherited through fork() has no threads)."""

    def __init__(self, name: str, max_workers: int, *, yields: bool = False):
        self.name, self.max_workers, self.yields = name, max_workers, yields
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.pid: int | None = None
        self.pending: set[Future] = set()
        self.queued = 0  # handed over and not started yet

    def get(self) -> ThreadPoolExecutor:
        pid = os.getpid()
        with self.lock:
            if self.executor is None or self.pid != pid:
                self.executor = ThreadPoolExecutor(
                    max_workers=self.max_workers,
                    thread_name_prefix=f"{_THREAD_PREFIX}-{self.name}",
                    initializer=_lower_priority,
                )
                self.pid = pid
                self.pending, self.queued = set(), 0
            return self.executor

    def run(self, job: Callable[[], object], label: str) -> None:
        if self.yields:
            in_flight.wait_for_lull(YIELD_TO_REQUESTS_SECONDS)
        with self.lock:
            self.queued -= 1
        try:
            # Between jobs of a burst the thread keeps its database connection, dropped by
            # the same rules as a request thread's (CONN_MAX_AGE, broken connections).
            close_old_connections()
            job()
        except Exception:
            # The request's change is committed already; nobody is left to show this to.
            logger.exception("Background job %s failed", label)
        finally:
            with self.lock:
                idle = self.queued == 0
            try:
                if idle:
                    # Nothing left to do: an idle thread holds no database connection.
                    connections.close_all()
                else:
                    close_old_connections()
            except Exception:
                logger.exception("Closing the database connection after background job %s failed", label)

    def submit(self, job: Callable[[], object], label: str) -> None:
        executor = self.get()
        with self.lock:
            self.queued += 1
        try:
            future = executor.submit(self.run, job, label)
        except RuntimeError:
            # The pool refuses new work once the interpreter is exiting: do it now rather than lose it.
            # (run counts it as started.)
            self.run(job, label)
            return
        with self.lock:
            self.pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self.lock:
            self.pending.discard(future)

    def snapshot(self) -> set[Future]:
        with self.lock:
            return set(self.pending)


# Long jobs do not yield: a certificate batch would wait behind every request of a busy site.
_pools = {"short": _Pool("short", MAX_THREADS, yields=True), "long": _Pool("long", MAX_LONG_THREADS)}


def on_background_thread() -> bool:
    """Whether this code already runs on one of the background threads (no need to hand over again)."""
    return threading.current_thread().name.startswith(_THREAD_PREFIX)


def run_in_background(job: Callable[[], object], *, label: str = "", long: bool = False) -> None:
    """Run ``job`` soon on this process's background threads; runs it here when shutting down.

    ``long`` jobs (minutes, not milliseconds) go to threads of their own.
    """
    label = label or getattr(job, "__name__", "job")
    _pools["long" if long else "short"].submit(job, label)


def background_wait(*, timeout: float | None = None) -> bool:
    """Wait until every job handed over so far has run; False when ``timeout`` ran out first."""
    pending = set().union(*(pool.snapshot() for pool in _pools.values()))
    _done, not_done = wait(pending, timeout=timeout)
    return not not_done
