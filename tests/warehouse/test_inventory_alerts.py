"""rpt_inventory_alerts on the hand-made channel of scorecard_scenario: every alert level
and reason in the newest month (March 2025), the pairs that get none, and the sentence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.warehouse.warehouse_helpers import approx

MARCH = date(2025, 3, 1)

# (dealer, sku): alert_level, reason, closing_qty, weeks_of_cover, sell_out_qty_3m, cover_months
# Cover window January - March 2025: 31 + 28 + 31 = 90 days; woc = closing x 90 / (7 x S).
EXPECTED = {
    # opening 100, sold 10 + 5 in 2024 and 15 + 7 + 3 in 2025 -> 60; S = 25
    ("E1", "P1"): ("overstock", "high_cover", 60, 60 * 90 / (7 * 25), 25, 3),
    # 20 shipped in December 2024, 6 sold each month -> 2; S = 18
    ("E3", "P1"): ("low", "low_cover", 2, 2 * 90 / (7 * 18), 18, 3),
    # 5 shipped, 7 sold in March -> -2 after recent sales
    ("E3", "P2"): ("low", "out_of_stock", -2, -2 * 90 / (7 * 7), 7, 3),
    # 4 shipped in December 2024, none sold since: stock not moving
    ("E3", "P3"): ("overstock", "no_sell_out", 4, None, 0, 3),
}
# No alert: E1/P2 (10 shipped in February, no sale yet - only 2 months in the window),
# E2/P1 (10 - 7 = 3, 3 x 90 / 49 = 5.5 weeks), E3/P4 (29 - 15 = 14, 14 x 90 / 105 = exactly 12).


@pytest.fixture(scope="module")
def q(scorecard_warehouse):
    return scorecard_warehouse[1]


def test_alerts_are_exactly_the_pairs_outside_2_to_12_weeks_in_the_newest_month(q):
    rows = q("select dealer_id, sku, month from marts.rpt_inventory_alerts")
    assert sorted(rows) == sorted((d, s, MARCH) for d, s in EXPECTED)


def test_the_pairs_without_alert_are_where_the_rule_says(q):
    rows = dict(((d, s), (cover, months)) for d, s, cover, months in q(
        """select dealer_id, sku, weeks_of_cover, cover_months from marts.fct_sell_through_monthly
           where month = ? and (dealer_id, sku) in (('E1', 'P2'), ('E2', 'P1'), ('E3', 'P4'))""",
        MARCH))
    assert rows[("E1", "P2")] == (None, 2)
    assert approx(rows[("E2", "P1")][0], 3 * 90 / 49)
    assert rows[("E3", "P4")][0] == 12.0


@pytest.mark.parametrize("pair", sorted(EXPECTED))
def test_alert_figures(q, pair):
    (row,) = q("""select alert_level, reason, closing_qty, weeks_of_cover, sell_out_qty_3m,
                         cover_months, weekly_sell_out_qty
                  from marts.rpt_inventory_alerts where dealer_id = ? and sku = ?""", *pair)
    level, reason, closing, cover, sold, months = EXPECTED[pair]
    assert row[:3] == (level, reason, Decimal(closing))
    assert approx(row[3], cover)
    assert row[4:6] == (Decimal(sold), months)
    assert approx(row[6], sold * 7 / 90 if sold else None)


ADVICE = {
    # cover to 2 places (1.96 must not read as 2), the pace to 1
    ("E1", "P1"): "E1 holds 60 x P1 (Tea) at the end of 2025-03, 30.86 weeks of cover at the "
                  "recent pace of 1.9 units a week (over 12): hold further shipments or plan a "
                  "promotion.",
    ("E3", "P1"): "E3 holds 2 x P1 (Tea) at the end of 2025-03, 1.43 weeks of cover at the "
                  "recent pace of 1.4 units a week (under 2): plan a shipment now.",
}


@pytest.mark.parametrize("pair", sorted(ADVICE))
def test_advice_sentence(q, pair):
    assert q("select advice from marts.rpt_inventory_alerts where dealer_id = ? and sku = ?",
             *pair) == [(ADVICE[pair],)]


def test_advice_names_the_facts_for_stock_out_and_stock_not_moving(q):
    advice = dict(((d, s), a) for d, s, a in q(
        "select dealer_id, sku, advice from marts.rpt_inventory_alerts"))
    for fact in ("E3", "-2 x P2 (Juice)", "2025-03", "selling 7", "out of stock"):
        assert fact in advice[("E3", "P2")]
    for fact in ("E3", "4 x P3 (Milk)", "sold none", "last 3 months", "not moving"):
        assert fact in advice[("E3", "P3")]
