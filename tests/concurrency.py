"""Run jobs at the same moment on their own threads and database connections (PostgreSQL races)."""

import threading

from django.db import connection

BARRIER_TIMEOUT = 30


def run_together(jobs) -> tuple[list, list[BaseException]]:
    """Start every job on its own thread and connection, release them at once; (results, errors)."""
    barrier = threading.Barrier(len(jobs))
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job):
        try:
            barrier.wait(BARRIER_TIMEOUT)
            outcome = job()
            with lock:
                results.append(outcome)
        except BaseException as exc:  # noqa: BLE001 - every failure is reported by the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
