"""fct_dealer_scorecard on the hand-made channel of scorecard_scenario (built as of
2025-04-05): the rows, reporting timeliness at the due-date boundary, growth, and composite
scores worked out by hand from the weights in the model's description."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from decimal import Decimal

import pytest

from pipelines.core.settings import raw_dir
from pipelines.core.settings import Settings
from pipelines.dbt import build_warehouse, dbt_env
from tests.warehouse.scorecard_scenario import AS_OF
from tests.warehouse.warehouse_helpers import approx, make_query

WEIGHTS = {"timeliness": 0.30, "data_quality": 0.25, "diversion": 0.25,
           "inventory_accuracy": 0.20}


@pytest.fixture(scope="module")
def q(scorecard_warehouse):
    return scorecard_warehouse[1]


def m(year: int, month: int) -> date:
    return date(year, month, 1)


def score(**components: float) -> float:
    """The composite score of the known components (the weights rescaled over them)."""
    weight = sum(WEIGHTS[name] for name in components)
    return round(100 * sum(WEIGHTS[name] * c for name, c in components.items()) / weight, 2)


E1_MONTHS = [m(2024, mo) for mo in range(1, 13)] + [m(2025, mo) for mo in (1, 2, 3)]


def test_one_row_per_dealer_month_from_its_first_activity_to_the_last_month(q):
    rows = q("select dealer_id, month from marts.fct_dealer_scorecard")
    expected = ([("E1", mo) for mo in E1_MONTHS]  # opening inventory in January 2024
                + [("E2", m(2025, mo)) for mo in (1, 2, 3)]  # first shipment and sales
                + [("E3", m(2024, 12))] + [("E3", m(2025, mo)) for mo in (1, 2, 3)])
    assert sorted(rows) == sorted(expected)


# (dealer, month): timeliness, first_sales_submitted_at, days_late
TIMELINESS = {
    # the 5th of the next month until 23:59:59 is on time; 00:00:00 on the 6th is late
    ("E1", m(2024, 1)): ("on_time", datetime(2024, 2, 5, 23, 59, 59), None),
    ("E1", m(2024, 2)): ("late", datetime(2024, 3, 6), 1),
    **{("E1", m(2024, mo)): ("missing", None, None) for mo in range(3, 13)},
    ("E1", m(2025, 1)): ("on_time", datetime(2025, 2, 3, 10), None),
    # the first version counts, though a corrected version came after the due date
    ("E1", m(2025, 2)): ("on_time", datetime(2025, 3, 5, 12), None),
    ("E1", m(2025, 3)): ("on_time", datetime(2025, 4, 2, 9), None),
    ("E2", m(2025, 1)): ("late", datetime(2025, 2, 10, 12), 5),
    # the only file for February was rejected: nothing was reported
    ("E2", m(2025, 2)): ("missing", None, None),
    # due on 2025-04-05, the as-of date itself: not yet missing
    ("E2", m(2025, 3)): ("not_due", None, None),
    # active in December 2024 by a shipment only, no sales file
    ("E3", m(2024, 12)): ("missing", None, None),
    # the byte-identical copy sent later does not matter
    ("E3", m(2025, 1)): ("on_time", datetime(2025, 2, 4, 9), None),
    ("E3", m(2025, 2)): ("on_time", datetime(2025, 3, 3, 9), None),
    ("E3", m(2025, 3)): ("on_time", datetime(2025, 4, 1, 9), None),
}


def test_timeliness(q):
    rows = q("""select dealer_id, month, timeliness, first_sales_submitted_at, days_late,
                       sales_due_date, as_of_date
                from marts.fct_dealer_scorecard""")
    got = {(d, mo): (t, first, late) for d, mo, t, first, late, _, _ in rows}
    assert got == TIMELINESS
    for _, mo, *_, due, as_of in rows:
        assert due == date(mo.year + mo.month // 12, mo.month % 12 + 1, 5)
        assert as_of == AS_OF


def test_a_month_is_missing_the_day_after_its_due_date(scorecard_warehouse, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(scorecard_warehouse[0], warehouse)
    shutil.copytree(raw_dir(scorecard_warehouse[0]), raw_dir(warehouse))  # dbt reads the raw layer
    build_warehouse(warehouse, date(2025, 4, 6))
    assert make_query(warehouse)(
        """select timeliness, composite_score, suggested_tier from marts.fct_dealer_scorecard
           where dealer_id = 'E2' and month = ?""", m(2025, 3)) == [("missing", 0.0, "C")]


def test_the_business_date_reaches_dbt_in_its_environment(tmp_path):
    # dbt runs as a subprocess with dbt_env as its own environment: the date must be in it.
    env = dbt_env(Settings.for_warehouse(tmp_path / "w.duckdb", as_of=date(2025, 4, 5)))
    assert env["DCW_AS_OF"] == "2025-04-05"
    assert env["DCW_WAREHOUSE"] == str(tmp_path / "w.duckdb")
    assert "DCW_AS_OF" not in os.environ


# (dealer, month): sell_out_value, previous month's, last year's, growth m/m, growth y/y
GROWTH = {
    ("E1", m(2024, 1)): (100, None, None, None, None),  # no base before the first month
    ("E1", m(2024, 2)): (60, 100, None, (60 - 100) / 100, None),
    ("E1", m(2024, 3)): (0, 60, None, -1.0, None),
    ("E1", m(2024, 4)): (0, 0, None, None, None),  # a base of 0 gives no growth
    # 15 x 10; December 2024 sold nothing; January 2024 sold 100
    ("E1", m(2025, 1)): (150, 0, 100, None, 0.5),
    # the current version: 4 x 10 + 2 x 7 + 1 x 10 (the out-of-territory line is sell-out too)
    ("E1", m(2025, 2)): (64, 150, 60, (64 - 150) / 150, (64 - 60) / 60),
    ("E1", m(2025, 3)): (30, 64, 0, (30 - 64) / 64, None),
    ("E2", m(2025, 1)): (69, None, None, None, None),  # 6 x 10 + 1 x 9
}


@pytest.mark.parametrize("key", sorted(GROWTH))
def test_sell_out_value_and_growth(q, key):
    (row,) = q("""select sell_out_value, prev_month_sell_out_value, last_year_sell_out_value,
                         sell_out_growth_mom, sell_out_growth_yoy
                  from marts.fct_dealer_scorecard where dealer_id = ? and month = ?""", *key)
    value, prev, last_year, mom, yoy = GROWTH[key]
    assert row[:3] == tuple(None if v is None else Decimal(v) for v in (value, prev, last_year))
    assert approx(row[3], mom) and approx(row[4], yoy), row


def test_composite_score_of_one_dealer_month_worked_by_hand(q):
    """E1, February 2025, every component known.
    timeliness: first version on time -> 1.
    data quality: rows read 2 (first version) + 4 (current) + 2 (Feb 28 report) = 8, of which
      1 sales row ('abc') and 1 stock row (-1) quarantined -> 1 - 2/8 = 0.75.
    diversion: 3 accepted lines, 1 out of territory -> 1 - 1/3.
    inventory accuracy: books P1 100 - 10 - 5 - 15 - 7 = 63 vs reported 60 (variance -3);
      P2 10 shipped, not in the report -> reported 0 (variance -10): 1 - 13/60.
    score: 100 x (0.30 x 1 + 0.25 x 0.75 + 0.25 x 2/3 + 0.20 x 47/60) = 81.08 -> A.
    price compliance: 2 of 3 lines at or above the floor of 8 - shown, no weight."""
    (row,) = q("""select rows_read, rows_quarantined, quarantined_row_share, sales_files,
                         sales_lines, flagged_lines, out_of_territory_lines, flagged_line_share,
                         floor_priced_lines, at_or_above_floor_lines, at_or_above_floor_share,
                         reported_skus, reported_qty, abs_variance_qty, inventory_accuracy,
                         timeliness_component, data_quality_component, diversion_component,
                         inventory_accuracy_component, score_components, composite_score,
                         suggested_tier, current_tier
                  from marts.fct_dealer_scorecard where dealer_id = 'E1' and month = ?""",
               m(2025, 2))
    assert row[:2] == (8, 2) and approx(row[2], 0.25)
    assert row[3:7] == (2, 3, 1, 1) and approx(row[7], 1 / 3)
    assert row[8:10] == (3, 2) and approx(row[10], 2 / 3)
    assert row[11:14] == (2, Decimal(60), Decimal(13)) and approx(row[14], 47 / 60)
    components = dict(timeliness=1.0, data_quality=0.75, diversion=2 / 3,
                      inventory_accuracy=47 / 60)
    assert all(approx(got, c) for got, c in zip(row[15:19], components.values())), row[15:19]
    assert score(**components) == 81.08
    assert row[19:] == (4, 81.08, "A", "A")


# (dealer, month): known components -> score, suggested tier (current tier in brackets)
SCORES = {
    # everything known but inventory: the weights are rescaled over the other three
    ("E1", m(2024, 1)): (dict(timeliness=1.0, data_quality=1.0, diversion=1.0), "A"),
    ("E1", m(2024, 2)): (dict(timeliness=0.5, data_quality=1.0, diversion=1.0), "A"),
    # late; 1 of 3 rows quarantined (qty 0); no line flagged -> 70.83 (B, as now)
    ("E2", m(2025, 1)): (dict(timeliness=0.5, data_quality=2 / 3, diversion=1.0), "B"),
    # nothing sent, nothing sold: missing is a known 0, the rest unknown
    ("E1", m(2024, 3)): (dict(timeliness=0.0), "C"),
    ("E2", m(2025, 2)): (dict(timeliness=0.0), "C"),
    ("E3", m(2024, 12)): (dict(timeliness=0.0), "C"),
    # the Jan 31 report lists P1 at 0 and nothing else while the books hold 14 + 5 + 4 + 14:
    # accuracy 0; rows read 3 + 1 (the duplicate not counted), 1 quarantined (P9)
    ("E3", m(2025, 1)): (dict(timeliness=1.0, data_quality=0.75, diversion=1.0,
                              inventory_accuracy=0.0), "B"),
}


@pytest.mark.parametrize("key", sorted(SCORES))
def test_composite_score_with_missing_components(q, key):
    (row,) = q("""select score_components, composite_score, suggested_tier,
                         timeliness_component, data_quality_component, diversion_component,
                         inventory_accuracy_component
                  from marts.fct_dealer_scorecard where dealer_id = ? and month = ?""", *key)
    components, tier = SCORES[key]
    assert row[:3] == (len(components), score(**components), tier)
    for name, got in zip(WEIGHTS, row[3:]):
        assert approx(got, components.get(name)), (name, got)


def test_a_month_not_yet_due_without_anything_else_has_no_score(q):
    assert q("""select score_components, composite_score, suggested_tier, current_tier
                from marts.fct_dealer_scorecard where dealer_id = 'E2' and month = ?""",
             m(2025, 3)) == [(0, None, None, "B")]


def test_rejected_files_are_counted_but_read_no_rows(q):
    assert q("""select rejected_files, sales_files, rows_read from marts.fct_dealer_scorecard
                where dealer_id = 'E2' and month = ?""", m(2025, 2)) == [(1, 0, 0)]


def test_price_compliance_ignores_lines_without_a_known_floor_and_carries_no_weight(q):
    # E3 March: P1 at 10 (floor 8) and P2, which has no price at all
    (row,) = q("""select floor_priced_lines, at_or_above_floor_lines, at_or_above_floor_share,
                         composite_score
                  from marts.fct_dealer_scorecard where dealer_id = 'E3' and month = ?""",
               m(2025, 3))
    assert row == (1, 1, 1.0, 100.0)
    # the worked score of E1 February (a line under the floor) has no price term either;
    # and no column labels a dealer by the floor price
    columns = [c for (c,) in q("""select column_name from information_schema.columns
                                  where table_schema = 'marts'
                                    and table_name = 'fct_dealer_scorecard'""")]
    assert not [c for c in columns if "breach" in c or ("floor" in c and "component" in c)]
