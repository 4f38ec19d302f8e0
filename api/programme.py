"""The public programme's version: what the ETags of the API's event reads stand on.

Whatever changes what an event read shows — an event or a session written, a seat taken or
freed (the seat bucket), a city renamed — calls ``programme_changed()`` inside its transaction;
once that commits, the version becomes a new random value in the shared cache. A ``304`` then
costs one cache read: no query, nothing built, whatever the programme's size.

After commit, not before: a reader who saw the new version while the change was not yet visible
would tag the old data with it and go on answering 304 for it. A reader between the commit and
the new version tags the new data with the old version, which costs one more 200 later, nothing
else. Random, not a counter: a key that is lost or evicted comes back as a value never used
before, so no old ETag can match again, and there is no increment to race.

Every process answering the API must share the cache (``REDIS_URL``), as the rate limits do;
the minute in each ETag bounds what a process-local cache can answer stale to the ``max-age``
of 60 seconds the public answers carry anyway.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

CACHE_KEY = "api:programme-version"


def programme_version() -> str:
    """The current version (one cache read); read it before the data it will tag."""
    version = cache.get(CACHE_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(CACHE_KEY, version, timeout=None):
            version = cache.get(CACHE_KEY) or version
    return version


class _Bump:
    """The on-commit callback; one per transaction however many changes it makes."""

    def __call__(self) -> None:
        cache.set(CACHE_KEY, uuid.uuid4().hex, timeout=None)


def programme_changed() -> None:
    """Give the programme a new version when the current transaction commits (at once outside one).

    A rolled-back transaction or savepoint takes its callback with it, so a refused change
    leaves the version alone.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        enclosing = set(connection.savepoint_ids)
        for sids, func, _robust in connection.run_on_commit:
            # One registered at this level or outside it goes (or is dropped) with this change.
            if isinstance(func, _Bump) and set(sids) <= enclosing:
                return
    transaction.on_commit(_Bump())
