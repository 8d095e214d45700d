"""What there is to remind people of, read from the marts (docs/reminders.md): every
due_soon and overdue row of rpt_reporting_status, every row of rpt_contract_renewals and
every row of rpt_inventory_alerts, each an `Event` with a stable key.

The key names what happened, not when it was seen, so that the outbox sends it once: a
report's key holds its status (due soon, then overdue, are two reminders), a renewal's its
bucket (one reminder at 90, 60 and 30 days and at expiry), an alert's its month and level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from pipelines.core.errors import UserError

REPORTING_STATUSES = ("overdue", "due_soon")  # the rows that ask someone to act


@dataclass(frozen=True)
class Event:
    key: str
    kind: str  # reporting / renewal / alert
    group: str  # what the digest groups by: the status, bucket or alert level
    dealer_id: str
    dealer_name: str
    contact_email: str | None
    manager_email: str | None
    facts: dict = field(default_factory=dict, compare=False, hash=False)


def read_events(con: duckdb.DuckDBPyConnection) -> list[Event]:
    """Every event the marts hold now, reporting first, in a stable order."""
    try:
        return [*_reporting(con), *_renewals(con), *_alerts(con)]
    except duckdb.CatalogException as exc:
        raise UserError(f"the reminders' marts are not built ({str(exc).splitlines()[0]}); "
                        "run 'dcw run' first") from None


def marts_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The business date the marts were built as of (messages are dated by it)."""
    try:
        return con.execute("select max(as_of_date) from (select as_of_date from marts.rpt_reporting_status "
                           "union all select as_of_date from marts.rpt_contract_renewals)").fetchone()[0]
    except duckdb.Error:
        return None


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _reporting(con) -> list[Event]:
    rows = _rows(con, f"""
        select dealer_id, dealer_name, month, kind, due_date, status, days_overdue,
               contact_email, manager_email
        from marts.rpt_reporting_status
        where status in {REPORTING_STATUSES}
        order by dealer_id, month, kind desc""")
    return [Event(key=f"report/{r['dealer_id']}/{r['kind']}/{r['month']:%Y-%m}/{r['status']}",
                  kind="reporting", group=r["status"], dealer_id=r["dealer_id"],
                  dealer_name=r["dealer_name"] or r["dealer_id"],
                  contact_email=_email(r["contact_email"]), manager_email=_email(r["manager_email"]),
                  facts={"month": r["month"], "report": r["kind"], "due_date": r["due_date"],
                         "days_overdue": r["days_overdue"]})
            for r in rows]


def _renewals(con) -> list[Event]:
    rows = _rows(con, """
        select dealer_id, dealer_name, contract_end, days_left, bucket, contact_email, manager_email
        from marts.rpt_contract_renewals
        order by days_left, dealer_id""")
    return [Event(key=f"renewal/{r['dealer_id']}/{r['contract_end']}/{r['bucket']}",
                  kind="renewal", group=r["bucket"], dealer_id=r["dealer_id"],
                  dealer_name=r["dealer_name"] or r["dealer_id"],
                  contact_email=_email(r["contact_email"]), manager_email=_email(r["manager_email"]),
                  facts={"contract_end": r["contract_end"], "days_left": r["days_left"]})
            for r in rows]


def _alerts(con) -> list[Event]:
    # only the alert's key columns (and its advice where the mart has one): the mart grows
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'rpt_inventory_alerts'").fetchall()}
    if not columns:
        raise duckdb.CatalogException("Table with name rpt_inventory_alerts does not exist")
    advice = "a.advice" if "advice" in columns else "cast(null as varchar)"
    rows = _rows(con, f"""
        select a.dealer_id, a.sku, a.month, a.alert_level, {advice} as advice,
               d.dealer_name, d.contact_email, d.manager_email
        from marts.rpt_inventory_alerts as a
        left join marts.dim_dealer as d on d.dealer_id = a.dealer_id
        order by a.dealer_id, a.sku""")
    return [Event(key=f"alert/{r['dealer_id']}/{r['sku']}/{r['month']:%Y-%m}/{r['alert_level']}",
                  kind="alert", group=r["alert_level"], dealer_id=r["dealer_id"],
                  dealer_name=r["dealer_name"] or r["dealer_id"],
                  contact_email=_email(r["contact_email"]), manager_email=_email(r["manager_email"]),
                  facts={"sku": r["sku"], "month": r["month"], "advice": r["advice"]})
            for r in rows]


def _email(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if "@" in value else None


@dataclass(frozen=True)
class Delivery:
    """One event for one recipient on one channel: the outbox's row."""

    event: Event
    channel: str  # email / webhook
    recipient: str
    audience: str  # dealer (its contact) / manager (the digest) / group (the robot)

    @property
    def outbox_key(self) -> tuple[str, str, str]:
        return (self.event.key, self.channel, self.recipient)


def route(events: list[Event], channels: tuple[str, ...], group_name: str = "group") -> list[Delivery]:
    """Who hears of each event: by e-mail, the dealer's contact of its own reports and
    renewal, the channel manager of everything about their dealers (the daily digest); the
    group robot of everything."""
    out: list[Delivery] = []
    seen: set[tuple[str, str, str]] = set()

    def add(d: Delivery) -> None:
        if d.outbox_key not in seen:  # a manager who is also the contact hears it once
            seen.add(d.outbox_key)
            out.append(d)

    for e in events:
        if "email" in channels:
            if e.contact_email and e.kind in ("reporting", "renewal"):
                add(Delivery(e, "email", e.contact_email, "dealer"))
            if e.manager_email:
                add(Delivery(e, "email", e.manager_email, "manager"))
        if "webhook" in channels:
            add(Delivery(e, "webhook", group_name, "group"))
    return out


def month_text(d: date) -> tuple[str, str]:
    return f"{d.year}年{d.month}月", f"{d:%Y-%m}"
