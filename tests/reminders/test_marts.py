"""rpt_reporting_status and rpt_contract_renewals on the hand-made landing of scenario.py,
built as of 2025-04-02, against figures worked out by hand (docs/marts.md, Reminders)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.reminders.scenario import AS_OF, reporting_landing
from tests.warehouse.warehouse_helpers import build_from_landing

pytestmark = pytest.mark.slow  # a landing ingested and built with dbt


@pytest.fixture(scope="module")
def q(tmp_path_factory):
    return build_from_landing(reporting_landing, tmp_path_factory.mktemp("reminders"), AS_OF)


def test_reporting_status_rows(q):
    rows = q("select dealer_id, month, kind, due_date, received_at, status, days_overdue "
             "from marts.rpt_reporting_status order by dealer_id, month, kind desc")
    d = date
    assert rows == [
        # due 2025-02-05, end of day: 23:59:59 is on time, 00:00:00 of the 6th is 1 day late
        ("D0001", d(2025, 1, 1), "sales", d(2025, 2, 5), datetime(2025, 2, 5, 23, 59, 59), "received_on_time", 0),
        ("D0001", d(2025, 1, 1), "inventory", d(2025, 2, 5), datetime(2025, 2, 6), "received_late", 1),
        # the rejected file does not count: overdue since 2025-03-05, 26 days of March + 2 = 28
        ("D0001", d(2025, 2, 1), "sales", d(2025, 3, 5), None, "overdue", 28),
        # the month-end report (not the mid-month one submitted earlier) on 03-04
        ("D0001", d(2025, 2, 1), "inventory", d(2025, 3, 5), datetime(2025, 3, 4, 9), "received_on_time", 0),
        # the sales file of 04-04 is after the as-of date: due 04-05 = 04-02 + 3, due soon (the edge)
        ("D0001", d(2025, 3, 1), "sales", d(2025, 4, 5), None, "due_soon", 0),
        ("D0001", d(2025, 3, 1), "inventory", d(2025, 4, 5), datetime(2025, 4, 1, 8), "received_on_time", 0),
        # D0002's first report is February's (no January rows): 03-10 is 5 days after 03-05
        ("D0002", d(2025, 2, 1), "sales", d(2025, 3, 5), datetime(2025, 3, 10, 10), "received_late", 5),
        # its stock report was a duplicate: overdue
        ("D0002", d(2025, 2, 1), "inventory", d(2025, 3, 5), None, "overdue", 28),
        ("D0002", d(2025, 3, 1), "sales", d(2025, 4, 5), None, "due_soon", 0),
        ("D0002", d(2025, 3, 1), "inventory", d(2025, 4, 5), None, "due_soon", 0),
        # D0003-D0005 never reported (no rows); D0006 is terminated; April is still open
    ]


def test_reporting_status_carries_the_recipients(q):
    assert q("select distinct dealer_id, contact_email, manager_email, as_of_date "
             "from marts.rpt_reporting_status order by 1") == [
        ("D0001", "d0001@dealer.example.cn", "wang@brand.example.cn", AS_OF),
        ("D0002", "d0002@dealer.example.cn", "wang@brand.example.cn", AS_OF),
    ]


def test_contract_renewals(q):
    assert q("select dealer_id, contract_end, days_left, bucket, contact_email, manager_email "
             "from marts.rpt_contract_renewals order by dealer_id") == [
        # 04-02 -> 04-19: 17 days
        ("D0001", date(2025, 4, 19), 17, "30", "d0001@dealer.example.cn", "wang@brand.example.cn"),
        # 04-02 -> 06-01: 28 (rest of April) + 31 (May) + 1 = 60, the last day of bucket 60
        ("D0002", date(2025, 6, 1), 60, "60", "d0002@dealer.example.cn", "wang@brand.example.cn"),
        # 03-01 -> 04-02: 30 + 2 = 32 days past
        ("D0003", date(2025, 3, 1), -32, "expired", None, "li@brand.example.cn"),
        # 28 + 31 + 30 + 1 = 90, the last day listed; D0005 (91 days) is not; D0006 is terminated
        ("D0004", date(2025, 7, 1), 90, "90", "d0004@dealer.example.cn", None),
    ]
