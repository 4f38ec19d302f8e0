"""The one-trip registration: PostgreSQL decides an ordinary online registration in one round trip.

The deliberate twin of the ORM path in ``events.services.registrations`` (``_register_locked``):
the same lock, the same counts, the same decision, written as SQL so that no Python runs while
the event row is locked. ``tests/events/test_registration_properties.py`` holds the two to the
same answers, and ``tests/events/test_registration_race.py`` proves each path's lock is needed.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import sql
from django.utils import timezone

from events.models import Answer, Event, Question, Registration

Status = Registration.Status
Source = Registration.Source


def event_lock_sql() -> str:
    """``registrations._lock_event`` as SQL, for the one-trip registration: the same lock on the same row.

    A function of its own for the same reason: the race tests take it away.
    """
    quote = connection.ops.quote_name
    return f"SELECT 1 FROM {quote(Event._meta.db_table)} WHERE {quote(Event._meta.pk.column)} = %(event)s FOR UPDATE"


class OneTripRegistration:
    """PostgreSQL: an online registration's whole seat decision in one round trip.

    Two statements travel in one message, which the server runs as one transaction: the
    row lock on the event that every seat change takes, then one statement that reads
    the event, counts, decides confirmed / waiting / pending and inserts the
    registration with its answers. No Python runs between taking the lock and the
    commit, so the lock is held for the database's fraction of a millisecond instead of
    for as long as a busy web thread takes to send its next statement; under a rush
    that wait, not the work, is what makes everyone queue.

    It only takes the ordinary case. When the event is not open, the person is
    registered already or was declined, nothing is inserted and ``run`` answers False:
    the caller then takes the ORM path, which finds the same facts under the same lock
    and says which one it is.
    """

    # Built once per process: the text depends only on the models and the column names.
    _sql: str | None = None
    _fields: list = []

    @classmethod
    def _build_sql(cls) -> str:
        quote = connection.ops.quote_name
        reg, ev, ans = Registration._meta, Event._meta, Answer._meta

        def column(meta, name):
            return quote(meta.get_field(name).column)

        cls._fields = [f for f in reg.local_concrete_fields if f is not reg.auto_field and not f.generated]
        decided = {
            "status": "d.status",
            # A rank only for those who wait; over all rows, so it is never handed out twice.
            "waiting_rank": "CASE WHEN d.status = %(waiting)s THEN d.next_rank END",
            # Taken after the lock, so creation times follow commit order like ids and ranks.
            "created_at": "d.at",
            "updated_at": "d.at",
        }
        values = [decided.get(f.attname, "%(" + f.attname + ")s") for f in cls._fields]
        r_status, r_user, r_event = column(reg, "status"), column(reg, "user"), column(reg, "event")
        closes = f"coalesce(e.{column(ev, 'registration_closes_at')}, e.{column(ev, 'starts_at')})"
        return f"""WITH tally AS (
    SELECT count(*) FILTER (WHERE {r_status} = %(confirmed)s) AS confirmed,
           count(*) FILTER (WHERE {r_status} = %(waiting)s) AS waiting,
           coalesce(max({column(reg, 'waiting_rank')}), 0) AS top_rank,
           count(*) FILTER (WHERE {r_user} = %(user)s AND {r_status} = ANY(%(active)s)) AS mine_active,
           count(*) FILTER (WHERE {r_user} = %(user)s AND {r_status} = %(rejected)s) AS mine_rejected
    FROM {quote(reg.db_table)} WHERE {r_event} = %(event)s
), d AS (
    SELECT CASE WHEN e.{column(ev, 'requires_approval')} THEN %(pending)s
                WHEN e.{column(ev, 'capacity')} IS NULL OR t.confirmed < e.{column(ev, 'capacity')}
                THEN %(confirmed)s ELSE %(waiting)s END AS status,
           t.top_rank + 1 AS next_rank, t.waiting + 1 AS position, clock_timestamp() AS at
    FROM {quote(ev.db_table)} e CROSS JOIN tally t
    WHERE e.{quote(ev.pk.column)} = %(event)s AND e.{column(ev, 'status')} = %(published)s
      AND t.mine_active = 0 AND t.mine_rejected = 0
      AND (e.{column(ev, 'registration_opens_at')} IS NULL OR e.{column(ev, 'registration_opens_at')} <= %(now)s)
      AND ({closes} IS NULL OR %(now)s < {closes})
), new AS (
    INSERT INTO {quote(reg.db_table)} ({", ".join(quote(f.column) for f in cls._fields)})
    SELECT {", ".join(values)} FROM d
    RETURNING {quote(reg.pk.column)}, {r_status}, {column(reg, 'waiting_rank')}, {column(reg, 'created_at')}
), answered AS (
    INSERT INTO {quote(ans.db_table)} ({column(ans, 'registration')}, {column(ans, 'question')}, {column(ans, 'value')})
    SELECT n.{quote(reg.pk.column)}, a.question_id, a.value::jsonb
    FROM new n CROSS JOIN unnest(%(questions)s::bigint[], %(answers)s::text[]) AS a(question_id, value)
)
SELECT n.*, d.position FROM new n CROSS JOIN d"""

    def __init__(self, registration: Registration, cleaned: list[tuple[Question, object]]):
        if OneTripRegistration._sql is None:
            OneTripRegistration._sql = self._build_sql()
        query = sql.InsertQuery(Registration)
        query.insert_values(self._fields, [registration])
        compiler = query.get_compiler(connection=connection)
        self.params: dict[str, Any] = {
            f.attname: compiler.prepare_value(f, compiler.pre_save_val(f, registration)) for f in self._fields
        }
        self.params.update(
            event=registration.event_id,
            user=registration.user_id,
            confirmed=Status.CONFIRMED,
            waiting=Status.WAITING,
            pending=Status.PENDING,
            rejected=Status.REJECTED,
            active=list(Registration.ACTIVE_STATUSES),
            published=Event.Status.PUBLISHED,
            questions=[question.pk for question, _value in cleaned],
            answers=[json.dumps(value) for _question, value in cleaned],
        )

    @classmethod
    def build(cls, registration: Registration, cleaned) -> OneTripRegistration | None:
        if connection.vendor != "postgresql" or registration.source != Source.ONLINE:
            return None
        return cls(registration, cleaned)

    def run(self, registration: Registration) -> bool:
        """Lock, decide and insert; False when this is not the ordinary case."""
        with connection.cursor() as cursor:
            cursor.execute(f"{event_lock_sql()};\n{self._sql}", {**self.params, "now": timezone.now()})
            cursor.nextset()  # past the lock's own row
            row = cursor.fetchone()
        if row is None:
            return False
        registration.pk, registration.status, registration.waiting_rank, created_at, position = row
        registration.created_at = registration.updated_at = created_at
        if registration.status == Status.WAITING:
            # Everyone already waiting is ahead: known without another query.
            registration.position_when_registered = position
        registration._state.adding = False
        registration._state.db = connection.alias
        return True
