"""The outbox: table `reminders.outbox` in the warehouse, one row per event, channel and
recipient (docs/reminders.md). It is what makes a reminder go out once however many runs
there are, and what retries a failed delivery on a later run.

A row is `pending` until delivered, then `sent`. Before a message goes out its rows are
marked `sending` and committed; a run that dies before recording the outcome leaves them
`sending`, and the next run marks them `unknown` rather than send twice (at most once). A
failed delivery goes back to `pending` with the reason, the attempt counted and the next
attempt delayed (doubling from the first delay up to the maximum); after the last attempt
the row is `failed`. A pending row whose event the marts no longer hold (the report came
in, the contract was renewed) becomes `obsolete` and is not sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import duckdb

from pipelines.reminders.config import RetryPolicy
from pipelines.reminders.events import Delivery

TABLE = "reminders.outbox"

DDL = f"""
create schema if not exists reminders;
create table if not exists {TABLE} (
    event_key varchar not null,
    channel varchar not null,
    recipient varchar not null,
    audience varchar not null,
    event_kind varchar not null,
    dealer_id varchar,
    status varchar not null,
    attempts integer not null default 0,
    last_error varchar,
    queued_at timestamp not null,
    last_attempt_at timestamp,
    next_attempt_at timestamp,
    sent_at timestamp,
    subject varchar,
    primary key (event_key, channel, recipient)
);
"""


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def table_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables "
                            "where table_schema = 'reminders' and table_name = 'outbox'").fetchone()[0])


def known_keys(con: duckdb.DuckDBPyConnection, statuses: tuple[str, ...] | None = None) -> set[tuple[str, str, str]]:
    if not table_exists(con):
        return set()
    where = f" where status in {statuses!r}".replace(",)", ")") if statuses else ""
    return {tuple(r) for r in con.execute(f"select event_key, channel, recipient from {TABLE}{where}").fetchall()}


def recover_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Rows a dead run left `sending`: perhaps delivered, so never sent again."""
    n = con.execute(f"select count(*) from {TABLE} where status = 'sending'").fetchone()[0]
    con.execute(f"update {TABLE} set status = 'unknown', "
                "last_error = 'the run sending it stopped before recording the outcome' where status = 'sending'")
    return n


def enqueue(con: duckdb.DuckDBPyConnection, deliveries: list[Delivery], now: datetime) -> int:
    """Add the deliveries the outbox does not hold yet; mark pending rows whose event is
    gone obsolete. Returns the number added."""
    known = known_keys(con)
    new = [d for d in deliveries if d.outbox_key not in known]
    _many(con, 
        f"insert into {TABLE} (event_key, channel, recipient, audience, event_kind, dealer_id, status, "
        "attempts, queued_at, next_attempt_at) values (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
        [(d.event.key, d.channel, d.recipient, d.audience, d.event.kind, d.event.dealer_id, now, now) for d in new])
    current = {d.outbox_key for d in deliveries}
    gone = [k for k in known_keys(con, ("pending",)) if k not in current]
    _many(con, f"update {TABLE} set status = 'obsolete', next_attempt_at = null "
                    "where event_key = ? and channel = ? and recipient = ?", gone)
    return len(new)


def due(con: duckdb.DuckDBPyConnection, deliveries: list[Delivery], now: datetime) -> list[Delivery]:
    """The deliveries whose row is pending and whose next attempt is not later than now."""
    ready = {tuple(r) for r in con.execute(
        f"select event_key, channel, recipient from {TABLE} where status = 'pending' and next_attempt_at <= ?",
        [now]).fetchall()}
    return [d for d in deliveries if d.outbox_key in ready]


def mark_sending(con: duckdb.DuckDBPyConnection, deliveries: Iterable[Delivery], subject: str, now: datetime) -> None:
    _many(con, 
        f"update {TABLE} set status = 'sending', attempts = attempts + 1, last_attempt_at = ?, subject = ? "
        "where event_key = ? and channel = ? and recipient = ?",
        [(now, subject, *d.outbox_key) for d in deliveries])


def mark_outcome(con: duckdb.DuckDBPyConnection, deliveries: Iterable[Delivery], error: str | None,
                 now: datetime, retry: RetryPolicy) -> str:
    """Record a message's outcome on its rows; the rows' new status."""
    keys = [d.outbox_key for d in deliveries]
    if error is None:
        _many(con, f"update {TABLE} set status = 'sent', sent_at = ?, last_error = null, next_attempt_at = null "
                        "where event_key = ? and channel = ? and recipient = ?", [(now, *k) for k in keys])
        return "sent"
    rows = []
    for k in keys:
        attempts = con.execute(f"select attempts from {TABLE} where event_key = ? and channel = ? and recipient = ?",
                               list(k)).fetchone()[0]
        given_up = attempts >= retry.max_attempts
        rows.append(("failed" if given_up else "pending", error,
                     None if given_up else now + backoff(attempts, retry), *k))
    _many(con, f"update {TABLE} set status = ?, last_error = ?, next_attempt_at = ? "
                    "where event_key = ? and channel = ? and recipient = ?", rows)
    return "failed" if all(r[0] == "failed" for r in rows) else "pending"


def mark_unknown(con: duckdb.DuckDBPyConnection, deliveries: Iterable[Delivery], error: str) -> None:
    """The outcome is not known (the sender failed part-way): never sent again."""
    _many(con, f"update {TABLE} set status = 'unknown', last_error = ?, next_attempt_at = null "
               "where event_key = ? and channel = ? and recipient = ?",
          [(error, *d.outbox_key) for d in deliveries])


def backoff(attempts: int, retry: RetryPolicy) -> timedelta:
    """The wait after the `attempts`-th failure: the first delay, doubled each time, capped."""
    minutes = retry.first_delay_minutes * 2 ** max(attempts - 1, 0)
    return min(timedelta(minutes=minutes), timedelta(hours=retry.max_delay_hours))


def _many(con: duckdb.DuckDBPyConnection, sql: str, rows: list) -> None:
    if rows:  # DuckDB refuses an empty parameter list
        con.executemany(sql, rows)
