"""A warehouse holding just the marts the reminders read, written by hand (the marts
themselves are tested on a built landing in test_marts.py): two dealers with contacts and a
shared manager, one dealer without any, as of AS_OF."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

AS_OF = date(2025, 4, 3)
MANAGER = "wang@brand.example.cn"
CONTACT = {"D0001": "d0001@dealer.example.cn", "D0002": "d0002@dealer.example.cn"}

REPORTING = [  # dealer_id, dealer_name, month, kind, due_date, received_at, status, days_overdue
    ("D0001", "海口椰风商贸", date(2025, 1, 1), "sales", date(2025, 2, 5), datetime(2025, 2, 5, 9), "received_on_time", 0),
    ("D0001", "海口椰风商贸", date(2025, 2, 1), "sales", date(2025, 3, 5), None, "overdue", 29),
    ("D0001", "海口椰风商贸", date(2025, 3, 1), "inventory", date(2025, 4, 5), None, "due_soon", 0),
    ("D0002", "三亚南海贸易", date(2025, 3, 1), "sales", date(2025, 4, 5), None, "due_soon", 0),
    ("D0003", "儋州无名", date(2025, 2, 1), "sales", date(2025, 3, 5), None, "overdue", 29),
]


def write_marts(path: Path, alerts: list[tuple] | None = None) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("""create or replace table marts.dim_dealer (dealer_id varchar, dealer_name varchar,
                   contact_email varchar, manager_email varchar)""")
    con.executemany("insert into marts.dim_dealer values (?, ?, ?, ?)", [
        ("D0001", "海口椰风商贸", CONTACT["D0001"], MANAGER),
        ("D0002", "三亚南海贸易", CONTACT["D0002"], MANAGER),
        ("D0003", "儋州无名", None, None)])
    con.execute("""create or replace table marts.rpt_reporting_status as
                   select r.*, d.contact_email, d.manager_email from (values
                   """ + ", ".join("(?, ?, ?, ?, ?, cast(? as timestamp), ?, ?)" for _ in REPORTING) + """)
                   as r(dealer_id, dealer_name, month, kind, due_date, received_at, status, days_overdue)
                   join marts.dim_dealer d using (dealer_id)""", [v for row in REPORTING for v in row])
    con.execute("""create or replace table marts.rpt_contract_renewals as
                   select 'D0002' as dealer_id, '三亚南海贸易' as dealer_name, date '2025-04-20' as contract_end,
                          17 as days_left, '30' as bucket, ? as contact_email, ? as manager_email""",
                [CONTACT["D0002"], MANAGER])
    set_alerts(con, alerts if alerts is not None else [("D0001", "SKU001", date(2025, 3, 1), "low")])
    con.close()


def set_alerts(con, alerts: list[tuple]) -> None:
    con.execute("""create or replace table marts.rpt_inventory_alerts (dealer_id varchar, sku varchar,
                   month date, alert_level varchar, reason varchar, advice varchar)""")
    con.executemany("insert into marts.rpt_inventory_alerts values (?, ?, ?, ?, 'low_cover', '请及时补货')", alerts)
