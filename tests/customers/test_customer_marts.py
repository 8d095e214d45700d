"""The customer marts on the hand-written customer base of customer_scenario.py, every figure
worked out by hand below; and customer_key stable from one night to the next (and through a
full re-resolution)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.customers.customer_scenario import AS_OF, BEIJING, HAIKOU, X1, X2, Y1, Y2, Z1, night_one, night_two
from tests.landing_builder import Landing
from tests.warehouse.warehouse_helpers import make_query

from pipelines.customers.resolve import read_state, resolve
from pipelines.dbt import build_warehouse
from pipelines.ingest import run_ingestion

pytestmark = pytest.mark.slow  # two nights ingested and built with dbt


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("customers")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    night_one(landing)
    run_ingestion(root / "landing", warehouse, root / "feedback")
    build_warehouse(warehouse, AS_OF)
    q = make_query(warehouse)
    first = dict(q("select customer_name, customer_key from marts.dim_customer"))
    night_two(landing)
    run_ingestion(root / "landing", warehouse, root / "feedback")
    build_warehouse(warehouse, AS_OF)
    return root, first, q


def keys(q) -> dict[str, str]:
    """The key of each spelling, from the line-grain mart."""
    return dict(q("select distinct c.customer_name, p.customer_key from marts.fct_price_deviation as p "
                  "join intermediate.int_sales_lines as c using (source_file, source_row)"))


def test_spellings_of_one_business_in_one_city_are_one_customer(nights):
    _, _, q = nights
    k = keys(q)
    assert k[X1] == k[X2]  # legal form and city prefix vs branch in brackets
    assert k[Y1] == k[Y2]  # legal form added on the second night
    assert k[Z1] != k[X1]  # same core name, other city
    assert len(set(k.values())) == 3


def test_customer_key_is_stable_across_nights(nights):
    root, first, q = nights
    second = dict(q("select customer_name, customer_key from marts.dim_customer"))
    # night one knew X, Y, Z; night two added a spelling of Y: no key changed
    assert first == {X1: second[X1], Y1: second[Y1], Z1: second[Z1]}
    # a full re-resolution gives every spelling the key it had
    before = dict(read_state(root / "warehouse_raw").select("record_id", "customer_key").iter_rows())
    summary = resolve(root / "warehouse_raw", full=True)
    after = dict(read_state(root / "warehouse_raw").select("record_id", "customer_key").iter_rows())
    assert summary.full and summary.records == 5 and after == before


def test_dim_customer(nights):
    _, _, q = nights
    rows = {r[1]: r[2:] for r in q(
        """select customer_key, customer_name, city_code, first_purchase_date, last_purchase_date,
                  dealer_count, dealer_ids, line_count, name_variants
           from marts.dim_customer""")}
    assert set(rows) == {X1, Y1, Z1}
    # X: 5 lines, 3 spelled X1 and 2 spelled X2, so the name is X1
    assert rows[X1] == (HAIKOU, AS_OF.replace(month=1, day=5), AS_OF.replace(month=3, day=1), 2, "D0001,D0002", 5, 2)
    # Y: one line each spelling (a tie: the first in sort order, 椰风超市 < 椰风超市有限公司)
    assert rows[Y1] == (HAIKOU, AS_OF.replace(year=2023, month=12, day=20), AS_OF.replace(month=4, day=2), 2,
                        "D0001,D0002", 3, 2)
    assert rows[Z1] == (BEIJING, AS_OF.replace(month=2, day=15), AS_OF.replace(month=3, day=30), 1, "D0002", 3, 1)


def test_double_reported(nights):
    _, _, q = nights
    k = keys(q)
    rows = q("""select dealer_id, sale_date, qty, source_dealer_ids, customer_key, evidence
                from marts.fct_diversion_flags where rule = 'DOUBLE_REPORTED' order by dealer_id""")
    # X's 2025-02-10 sale of 3 x SKU001, in both dealers' February files; nothing else
    assert [r[:5] for r in rows] == [
        ("D0001", AS_OF.replace(month=2, day=10), Decimal(3), "D0002", k[X1]),
        ("D0002", AS_OF.replace(month=2, day=10), Decimal(3), "D0001", k[X1]),
    ]
    assert rows[0][5].startswith("重复报备：D0001") and "Double reporting: D0001" in rows[0][5]


def test_the_double_report_in_the_dealers_monthly_diversion(nights):
    _, _, q = nights
    got = {(d, mo.month): (n, qty, flags) for d, mo, n, qty, flags in q(
        """select dealer_id, month, double_reported_lines, double_reported_qty, flags
           from marts.agg_dealer_diversion_monthly where double_reported_lines > 0 or double_reported_qty <> 0""")}
    # the 2025-02-10 sale of 3 x SKU001 to X, in D0001's and D0002's February: one line of 3 each
    assert {k: v[:2] for k, v in got.items()} == {("D0001", 2): (1, Decimal(3)), ("D0002", 2): (1, Decimal(3))}
    assert all(flags >= 1 for _, _, flags in got.values())


def test_rfm(nights):
    _, _, q = nights
    k = {v: n for n, v in keys(q).items() if n in (X1, Y1, Z1)}
    got = {(k[c], m.isoformat()[:7]): (r, f, mo, s) for c, m, r, f, mo, s in q(
        "select customer_key, month, recency_days, frequency, monetary, segment from marts.fct_customer_rfm")}
    # Y: 2023-12 .. 2025-03 (16 months; April is after the last complete month), X: 2025-01 .. 03,
    # Z: 2025-02 .. 03
    assert len(got) == 16 + 3 + 2
    # 2023-12: Y alone, 100 -> A; recency 31 - 20 = 11
    assert got[(Y1, "2023-12")] == (11, 1, Decimal(100), "A")
    assert got[(Y1, "2024-11")][2:] == (Decimal(100), "A")  # 2023-12 still within the 12 months
    # 2024-12: the window 2024-01..12 holds nothing -> lapsed; recency 2023-12-20 .. 2024-12-31 = 366 + 11
    assert got[(Y1, "2024-12")] == (377, 0, Decimal(0), "lapsed")
    # 2025-01: X 200 + 100 = 300, Y 100; total 400. X: 0 before -> A; Y: 300 before < 0.8 x 400 = 320 -> A
    assert got[(X1, "2025-01")] == (11, 2, Decimal(300), "A")
    assert got[(Y1, "2025-01")] == (11, 1, Decimal(100), "A")
    # 2025-02: X 300 + 300 + 300 = 900 (dates 01-05, 01-20, 02-10: 3), Y 100, Z 100; total 1100.
    # Y and Z tie at 100: by key, Z's (C110100-...) before Y's (C460100-...).
    # Z: 900 before >= 880, < 0.95 x 1100 = 1045 -> B; Y: 1000 before < 1045 -> B
    assert got[(X1, "2025-02")] == (18, 3, Decimal(900), "A")
    assert got[(Z1, "2025-02")] == (13, 1, Decimal(100), "B")
    assert got[(Y1, "2025-02")] == (39, 1, Decimal(100), "B")
    # 2025-03: X 900 + 1000 = 1900, Z 100 + 100 + 100 = 300, Y 100; total 2300.
    # X -> A; Z: 1900 before >= 1840, < 2185 -> B; Y: 2200 before >= 2185 -> C
    assert got[(X1, "2025-03")] == (30, 4, Decimal(1900), "A")
    assert got[(Z1, "2025-03")] == (1, 3, Decimal(300), "B")
    assert got[(Y1, "2025-03")] == (70, 1, Decimal(100), "C")  # 11 + 28 + 31 days since 01-20


def test_repurchase_due(nights):
    _, _, q = nights
    k = {v: n for n, v in keys(q).items() if n in (X1, Y1, Z1)}
    got = {k[c]: r for c, *r in q(
        """select customer_key, category, purchase_dates, median_interval_days, last_purchase_date, due_date,
                  status, days_until_due
           from marts.rpt_customer_repurchase_due""")}
    # X: 01-05, 01-20, 02-10, 03-01: gaps 15, 21, 19 -> median 19; due 03-20, before 04-10 -> overdue by 21
    assert got[X1] == ["Cat", 4, 19.0, AS_OF.replace(month=3, day=1), AS_OF.replace(month=3, day=20), "overdue", -21]
    # Z: 02-15, 03-05, 03-30: gaps 18, 25 -> median 21.5 -> 22 days; due 04-21, within 30 days -> due in 11
    assert got[Z1] == ["Cat", 3, 21.5, AS_OF.replace(month=3, day=30), AS_OF.replace(month=4, day=21), "due", 11]
    # Y: 2023-12-20, 2025-01-20, 2025-04-02: gaps 397, 72 -> median 234.5 -> 235; due 2025-11-23: not listed
    assert set(got) == {X1, Z1}


def test_dealer_coverage(nights):
    _, _, q = nights
    got = {(d, m.isoformat()[:7]): r for d, m, *r in q(
        "select dealer_id, month, active_customers, new_customers, cities_covered from marts.agg_dealer_coverage_monthly")}
    assert got == {
        ("D0001", "2023-12"): [1, 1, 1],  # Y, new
        ("D0001", "2025-01"): [2, 1, 1],  # X (new) and Y (first bought from D0001 in 2023-12)
        ("D0001", "2025-02"): [1, 0, 1],  # X
        ("D0001", "2025-03"): [1, 0, 1],  # X
        ("D0002", "2025-01"): [1, 1, 1],  # X, new
        ("D0002", "2025-02"): [2, 1, 2],  # X, and Z new; cities 460100 and 110100
        ("D0002", "2025-03"): [1, 0, 1],  # Z
        ("D0002", "2025-04"): [1, 1, 1],  # Y, new to D0002
    }


def test_the_scorecard_shows_the_coverage_without_weighting_it(nights):
    _, _, q = nights
    got = {(d, m.isoformat()[:7]): (a, n, c, score) for d, m, a, n, c, score in q(
        """select dealer_id, month, active_customers, new_customers, cities_covered, composite_score
           from marts.fct_dealer_scorecard""")}
    # the figures of test_dealer_coverage; a month without accepted lines covers nobody
    assert got[("D0001", "2025-01")][:3] == (2, 1, 1)  # X (new) and Y
    assert got[("D0002", "2025-02")][:3] == (2, 1, 2)  # X, and Z new; two cities
    assert got[("D0002", "2025-04")][:3] == (1, 1, 1)  # Y, new to D0002
    assert got[("D0001", "2024-06")][:3] == (0, 0, 0)  # between Y's 2023-12 purchase and 2025-01
    assert got[("D0001", "2025-04")][:3] == (0, 0, 0)
    # weight 0: the composite is the weighted sum of its four components alone
    (mismatch,) = q("""select count(*) from marts.fct_dealer_scorecard
                       where score_components = 4 and abs(composite_score - round(100 * (0.30 * timeliness_component
                             + 0.25 * data_quality_component + 0.25 * diversion_component
                             + 0.20 * inventory_accuracy_component), 2)) > 0.005""")[0]
    assert mismatch == 0


def test_no_phone_in_clear(nights):
    root, _, q = nights
    for table, in q("select table_name from information_schema.tables where table_schema = 'marts'"):
        for row in q(f"select * from marts.{table}"):
            assert not any("13800000001" in str(v) or "13900000002" in str(v) for v in row), table
    # the resolution keeps only the salted hash
    state = read_state(root / "warehouse_raw")
    assert "13800000001" not in str(state.rows()) and state["phone_hash"].drop_nulls().len() == 2


RFM_BY_NAME = """
    select c.name, r.month, r.last_purchase_date, r.recency_days, r.frequency, r.monetary, r.segment, r.share_before
    from marts.fct_customer_rfm as r
    inner join (select customer_key, min(customer_name) as name from intermediate.int_sales_lines group by 1) as c
        using (customer_key)
    order by all"""


def test_rfm_rebuilt_from_the_month_a_night_changed_equals_a_whole_build(tmp_path):
    """fct_customer_rfm is incremental by month (dbt_project/README.md, Incremental models): a
    night rebuilds from the first month its sales files touched or its business date added, and
    drops the months a date moved back takes away; the months before stay as they were."""
    landing = Landing(tmp_path / "landing")
    nightly = tmp_path / "nightly" / "warehouse.duckdb"
    night_one(landing)
    run_ingestion(landing.root, nightly, tmp_path / "feedback")
    build_warehouse(nightly, AS_OF)
    at_as_of = make_query(nightly)(RFM_BY_NAME)
    # a month later: 2025-04 is complete, and Y bought in it (night_two's file)
    later = AS_OF.replace(month=5)
    night_two(landing)
    run_ingestion(landing.root, nightly, tmp_path / "feedback")
    build_warehouse(nightly, later, changed_only=True)
    q = make_query(nightly)
    assert q("select month_from from meta.dcw_scope_months where model = 'fct_customer_rfm'") == [(later.replace(month=4, day=1),)]
    once = tmp_path / "once" / "warehouse.duckdb"
    run_ingestion(landing.root, once, tmp_path / "feedback_once")
    build_warehouse(once, later)
    got, whole = q(RFM_BY_NAME), make_query(once)(RFM_BY_NAME)
    assert got == whole
    assert [r[2:5] for r in got if r[:2] == (Y1, date(2025, 4, 1))] == [(date(2025, 4, 2), 28, 2)]
    # the date moved back: 2025-04 is gone, the rest is as it was
    build_warehouse(nightly, AS_OF, changed_only=True)
    assert make_query(nightly)(RFM_BY_NAME) == at_as_of
