"""Goods in transit, the company's alert thresholds and replenishment, on the hand-made
channel of transit_scenario: every figure worked out by hand from its rows."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from tests.warehouse.warehouse_helpers import approx, build_from_landing

APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)
THRESHOLDS = "erp/alert_thresholds_20250401.csv"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("transit")


@pytest.fixture(scope="module")
def q(root):
    from tests.warehouse.transit_scenario import AS_OF, transit_channel

    return build_from_landing(transit_channel, root, AS_OF)


def m(month: int) -> date:
    return date(2025, month, 1)


# (dealer, sku, month): opening, sell_in, in_transit, sell_out, closing, reported, variance,
#                       sell_in_value, sell_out_value, closing_value
# T1/P1: opening 15; SH1 (20) shipped 30 Jan, delivered 3 Feb; SH2 (10 at 8) shipped 29 Mar,
#   delivered 2 Apr; SH3 (3) shipped 29 Apr, delivered in May; SH9 (delivered before it was
#   shipped) is quarantined. 10 sold a month at 12; unit cost 5. T1 reports what is on its
#   shelf at the end of January and March: 5, the books' figure once transit is left out.
EXPECTED = {
    ("T1", "P1", 1): (15, 0, 20, 10, 5, 5, 0, 0, 120, 25),
    ("T1", "P1", 2): (5, 20, 0, 10, 15, None, None, 140, 120, 75),
    ("T1", "P1", 3): (15, 0, 10, 10, 5, 5, 0, 0, 120, 25),
    ("T1", "P1", 4): (5, 10, 3, 10, 5, None, None, 80, 120, 25),
    # SH5 (5) shipped 28 Apr, delivered in May: the pair starts in April, with goods on their way
    ("T1", "P2", 4): (0, 0, 5, 0, 0, None, None, 0, 0, 0),
    # SH4 has no delivery date: delivered on its ship date, 5 January
    ("T2", "P1", 1): (0, 40, 0, 2, 38, None, None, 280, 24, 190),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_sell_through_on_delivery_with_transit_and_values(q, key):
    (row,) = q("""select opening_qty, sell_in_qty, in_transit_qty, sell_out_qty, closing_qty,
                         reported_closing_qty, inventory_variance_qty, sell_in_value,
                         sell_out_value, closing_value
                  from marts.fct_sell_through_monthly where dealer_id = ? and sku = ? and month = ?""",
               key[0], key[1], m(key[2]))
    assert row == tuple(None if v is None else Decimal(v) for v in EXPECTED[key])


def test_the_pair_with_goods_only_on_their_way_starts_in_their_ship_month(q):
    assert q("""select min(month) from marts.fct_sell_through_monthly
                where dealer_id = 'T1' and sku = 'P2'""") == [(APRIL,)]


def test_transit_alone_causes_no_inventory_variance_nor_a_worse_score(q):
    assert q("""select month, inventory_variance_qty from marts.fct_sell_through_monthly
                where dealer_id = 'T1' and reported_closing_qty is not null order by month""") == [
        (m(1), Decimal(0)), (m(3), Decimal(0))]
    assert q("""select month, inventory_accuracy from marts.fct_dealer_scorecard
                where dealer_id = 'T1' and inventory_accuracy is not null order by month""") == [
        (m(1), 1.0), (m(3), 1.0)]


# Alerts in April. Cover window February - April: 28 + 31 + 30 = 89 days.
# Newest thresholds (alert_thresholds_20250401.csv): row 1 */* 5/10, row 2 Drinks/A 3/8,
# row 3 */B 1/20, row 4 Drinks/* 2/9; row 5 is quarantined (low not below high).
# (dealer, sku): level, reason, closing, in_transit, woc, woc_incl_transit, low, high,
#                threshold category, tier, row
ALERTS = {
    # T2 (tier B) holds 32 P1 (Drinks), sold 6: Drinks/* (row 4) beats */B and */*
    ("T2", "P1"): ("overstock", "high_cover", 32, 0, 32 * 89 / 42, 32 * 89 / 42, 2, 9, "Drinks", "*", 4),
    # T3 (tier A) holds 1 P2 (Snacks), sold 3: only */* matches; 4.24 weeks < 5 (under the default 2 no alert)
    ("T3", "P2"): ("low", "low_cover", 1, 0, 89 / 21, 89 / 21, 5, 10, "*", "*", 1),
    # T4 (tier A, suspended) holds 6 P1, sold 3: Drinks/A (row 2); 25.4 > 8
    ("T4", "P1"): ("overstock", "high_cover", 6, 0, 6 * 89 / 21, 6 * 89 / 21, 3, 8, "Drinks", "A", 2),
}
# No alert: T1/P1 holds 5 with 3 in transit, sold 30: 2.12 weeks on hand, 3.39 with the goods
# in transit, not under Drinks/A's 3 (it would be low without them); T1/P2 holds nothing and
# sold nothing.


def test_alerts_are_the_pairs_outside_their_thresholds(q):
    rows = q("select dealer_id, sku, month from marts.rpt_inventory_alerts")
    assert sorted(rows) == sorted((d, s, APRIL) for d, s in ALERTS)


@pytest.mark.parametrize("pair", sorted(ALERTS))
def test_alert_figures_and_the_thresholds_row_used(q, pair):
    (row,) = q("""select alert_level, reason, closing_qty, in_transit_qty, weeks_of_cover,
                         weeks_of_cover_incl_transit, low_weeks, high_weeks, threshold_category,
                         threshold_tier, threshold_source_row, threshold_source_file
                  from marts.rpt_inventory_alerts where dealer_id = ? and sku = ?""", *pair)
    level, reason, closing, transit, woc, incl, low, high, cat, tier, src_row = ALERTS[pair]
    assert row[:4] == (level, reason, Decimal(closing), Decimal(transit))
    assert approx(row[4], woc) and approx(row[5], incl)
    assert row[6:] == (Decimal(low), Decimal(high), cat, tier, src_row, THRESHOLDS)


def test_cover_with_transit_keeps_t1_out_of_the_alerts(q):
    (row,) = q("""select closing_qty, in_transit_qty, weeks_of_cover from marts.fct_sell_through_monthly
                  where dealer_id = 'T1' and sku = 'P1' and month = ?""", APRIL)
    assert row[:2] == (Decimal(5), Decimal(3)) and approx(row[2], 5 * 89 / 210)
    assert 8 * 89 / 210 >= 3 > 5 * 89 / 210


def test_advice_names_the_threshold_used(q):
    advice = dict(((d, s), a) for d, s, a in q("select dealer_id, sku, advice from marts.rpt_inventory_alerts"))
    assert advice[("T3", "P2")] == ("T3 holds 1 x P2 (Nuts) at the end of 2025-04, 4.24 weeks of cover "
                                    "at the recent pace of 0.2 units a week (under 5): plan a shipment now.")
    assert "(over 9)" in advice[("T2", "P1")]


# Replenishment for May from the stock at the end of April. North P1 sold 10 (T1) + 2 (T2) +
# 1 (T4) = 13 a month: 4 months of history, so the forecast is Naive. T4 is suspended and gets
# no suggestion; T1 and T2 share North's forecast by their February-April sell-out, 30 and 6.
# (dealer, sku): share, on_hand, in_transit, sell_out_3m, region_sell_out_3m
REPLENISH = {
    ("T1", "P1"): (30 / 36, 5, 3, 30, 36),
    ("T2", "P1"): (6 / 36, 32, 0, 6, 36),
    # nobody in North sold P2: the (zero) forecast goes to its one listed dealer
    ("T1", "P2"): (1.0, 0, 5, 0, 0),
    ("T3", "P2"): (1.0, 1, 0, 3, 3),
}


def test_replenishment_lists_the_active_dealers_pairs_for_may(q):
    rows = q("select dealer_id, sku, month, stock_month from marts.rpt_replenishment")
    assert sorted(rows) == sorted((d, s, MAY, APRIL) for d, s in REPLENISH)


@pytest.mark.parametrize("pair", sorted(REPLENISH))
def test_replenishment_figures(q, pair):
    (row,) = q("""select r.demand_share, r.on_hand_qty, r.in_transit_qty, r.sell_out_qty_3m,
                         r.region_sell_out_qty_3m, r.region_forecast_qty, r.region_forecast_hi,
                         r.demand_qty, r.safety_stock_qty, r.target_stock_qty,
                         r.suggested_order_qty, f.forecast_qty, f.forecast_hi
                  from marts.rpt_replenishment as r
                  join marts.dim_dealer as d on d.dealer_id = r.dealer_id
                  join marts.fct_forecast as f on f.sku = r.sku and f.region = d.region and f.month = r.month
                  where r.dealer_id = ? and r.sku = ?""", *pair)
    share, on_hand, transit, sold, region_sold = REPLENISH[pair]
    assert approx(row[0], share)
    assert row[1:5] == (Decimal(on_hand), Decimal(transit), Decimal(sold), Decimal(region_sold))
    forecast, hi = row[11], row[12]
    assert (row[5], row[6]) == (forecast, hi)
    assert approx(row[7], forecast * share) and approx(row[8], (hi - forecast) * share)
    assert approx(row[9], hi * share)
    assert row[10] == max(0, math.ceil(round(hi * share - on_hand - transit, 6)))


def test_replenishment_with_the_known_demand(q):
    """North P1 and East P2 sold the same every month, so the Naive forecast is that month's
    figure: 13 and 1."""
    got = dict(((s, r), (f, hi)) for s, r, f, hi in q(
        "select sku, region, forecast_qty, forecast_hi from marts.fct_forecast where month = ?", MAY))
    assert got[("P1", "North")][0] == 13 and got[("P2", "East")][0] == 1
    (t1,) = q("select suggested_order_qty, formula from marts.rpt_replenishment where dealer_id = 'T1' and sku = 'P1'")
    hi = got[("P1", "North")][1]
    # 13 x 5/6 = 10.83 demand against 5 on hand and 3 in transit: at least 3 to order
    assert t1[0] == math.ceil(round(hi * 30 / 36 - 8, 6)) >= 3
    assert t1[1].startswith("max(0, ceil(10.83 demand + ") and t1[1].endswith(
        f" safety stock - 5 on hand - 3 in transit)) = {t1[0]}")
    assert q("select suggested_order_qty from marts.rpt_replenishment where dealer_id = 'T2'") == [(0,)]


def test_quarantined_rows_of_the_new_codes(q):
    rows = q("""select source_file, source_row, reason_codes from marts.dq_quarantine
                where source_file like 'erp/%' order by 1, 2""")
    assert rows == [(THRESHOLDS, 5, "BAD_THRESHOLDS"), ("erp/shipments_20250430.csv", 6, "DELIVERY_BEFORE_SHIP")]


def test_an_extract_without_delivery_dates_or_thresholds_keeps_todays_figures(channel_warehouse, scorecard_warehouse):
    """The hand-made channels of channel_scenario and scorecard_scenario send neither: sell-in
    stays on the ship date, nothing is in transit, and the alerts use 2 and 12 weeks (their
    other figures are pinned by test_sell_through, test_inventory_alerts and test_scorecard)."""
    for _, query in (channel_warehouse, scorecard_warehouse):
        assert query("select count(*) from marts.fct_sell_through_monthly where in_transit_qty <> 0") == [(0,)]
        assert query("""select count(*) from (
                            select dealer_id, sku, date_trunc('month', ship_date) as month, sum(qty) as q
                            from staging.stg_shipments group by all) as s
                        join marts.fct_sell_through_monthly as f using (dealer_id, sku)
                        where f.month = s.month and f.sell_in_qty <> s.q""") == [(0,)]
        assert query("""select distinct low_weeks, high_weeks, threshold_source_file, threshold_tier
                        from marts.rpt_inventory_alerts""") in ([], [(Decimal(2), Decimal(12), None, None)])
    assert scorecard_warehouse[1]("select count(*) from marts.rpt_inventory_alerts")[0][0] > 0


def materialize_replenishment_feedback(root, feedback, on: bool):
    """The asset downstream of the mart, as the nightly job runs it after the build."""
    import dagster as dg

    from pipelines.core.resource import WarehouseResource
    from pipelines.core.settings import Settings
    from pipelines.reports.assets import replenishment_feedback

    cfg = Settings.for_warehouse(root / "warehouse.duckdb", feedback=feedback)
    cfg = cfg.with_overrides(feedback_replenishment=on)
    result = dg.materialize([replenishment_feedback], resources={"warehouse": WarehouseResource.from_settings(cfg)})
    assert result.success


def test_replenishment_goes_to_no_dealer_by_default(q, root):
    feedback = root / "feedback_default"
    materialize_replenishment_feedback(root, feedback, on=False)
    assert not list(feedback.rglob("replenishment_*"))


def test_replenishment_suggestions_beside_the_dealers_feedback(q, root):
    import csv

    from openpyxl import load_workbook

    feedback = root / "feedback_on"
    materialize_replenishment_feedback(root, feedback, on=True)
    assert sorted(p.relative_to(feedback).as_posix() for p in feedback.rglob("replenishment_*")) == sorted(
        f"{d}/replenishment_{d}_202505.{ext}" for d in {d for d, _ in REPLENISH} for ext in ("csv", "xlsx"))
    columns = ("sku", "on_hand_qty", "in_transit_qty", "sell_out_qty_3m", "demand_share", "region_forecast_qty",
               "region_forecast_hi", "demand_qty", "safety_stock_qty", "target_stock_qty", "suggested_order_qty",
               "formula")
    for dealer in {d for d, _ in REPLENISH}:
        mart = q(f"select {', '.join(columns)} from marts.rpt_replenishment where dealer_id = ? order by sku", dealer)
        with open(feedback / dealer / f"replenishment_{dealer}_202505.csv", encoding="utf-8-sig") as fh:
            header, *rows, total = list(csv.reader(fh))
        assert header[0] == "产品编码 SKU" and header[-1] == "计算式 Formula"
        at = {c: i for i, c in enumerate(("sku", "product_name", "month", "stock_month", *columns[1:]))}
        assert len(rows) == len(mart)
        for line, row in zip(rows, mart):
            assert line[at["month"]] == "2025-05-01" and line[at["stock_month"]] == "2025-04-01"
            for c, value in zip(columns, row):
                got = line[at[c]]
                if isinstance(value, str):
                    assert got == value, (dealer, c)
                else:  # the exact figure of the mart, as text
                    assert Decimal(got) == Decimal(str(value)), (dealer, c, got, value)
        assert Decimal(total[at["suggested_order_qty"]]) == sum(r[10] for r in mart)
        sheet = load_workbook(feedback / dealer / f"replenishment_{dealer}_202505.xlsx").active
        orders = [r[at["suggested_order_qty"]] for r in sheet.iter_rows(min_row=5, values_only=True)]
        assert orders[:-1] == [r[10] for r in mart]


# Sell-in forecast for May-July: the dealers of REPLENISH, each dealer's order to date
# max(0, ceil(share x forecast to date + share x (hi - forecast) of the month - on hand -
# in transit)), never falling, summed per sku x region.
SELL_IN_PAIRS = {("P1", "North"): ("T1", "T2"), ("P2", "North"): ("T1",), ("P2", "East"): ("T3",)}


def expected_sell_in(forecast: list[tuple[float, float]], dealers: tuple[str, ...], sku: str) -> list[int]:
    """Cumulative sell-in per month, worked out from the forecast's (qty, hi) per month."""
    total = [0, 0, 0]
    for dealer in dealers:
        share, on_hand, transit, *_ = REPLENISH[(dealer, sku)]
        shipped = 0
        for h in range(3):
            to_date = share * sum(f for f, _ in forecast[:h + 1])
            cover = share * (forecast[h][1] - forecast[h][0])
            shipped = max(shipped, max(0, math.ceil(round(to_date + cover - on_hand - transit, 6))))
            total[h] += shipped
    return total


@pytest.mark.parametrize("pair", sorted(SELL_IN_PAIRS))
def test_sell_in_forecast_carries_the_replenishment_over_three_months(q, pair):
    sku, region = pair
    forecast = q("""select forecast_qty, forecast_hi from marts.fct_forecast
                    where level = 'sku_region' and sku = ? and region = ? order by month""", sku, region)
    rows = q("""select month, horizon_month, stock_month, dealers, forecast_qty, cum_forecast_qty, target_cover_qty,
                       on_hand_qty, in_transit_qty, cum_sell_in_qty, sell_in_qty
                from marts.fct_sell_in_forecast where sku = ? and region = ? order by month""", sku, region)
    dealers = SELL_IN_PAIRS[pair]
    assert [r[:4] for r in rows] == [(m(5 + h), h + 1, APRIL, len(dealers)) for h in range(3)]
    shares = sum(REPLENISH[(d, sku)][0] for d in dealers)
    cum = expected_sell_in(forecast, dealers, sku)
    for h, row in enumerate(rows):
        assert row[4] == forecast[h][0]
        assert approx(row[5], shares * sum(f for f, _ in forecast[:h + 1]))
        assert approx(row[6], shares * (forecast[h][1] - forecast[h][0]))
        assert row[7:9] == (sum(Decimal(REPLENISH[(d, sku)][1]) for d in dealers),
                            sum(Decimal(REPLENISH[(d, sku)][2]) for d in dealers))
        assert row[9:] == (cum[h], cum[h] - (cum[h - 1] if h else 0))
    suggested = q("""select sum(r.suggested_order_qty) from marts.rpt_replenishment as r
                     where r.sku = ? and r.region = ?""", sku, region)[0][0]
    assert rows[0][10] == suggested


def test_sell_in_forecast_of_north_tea_by_hand(q):
    """North P1: 13 a month (Naive); T1 (5/6 of it, 5 on hand + 3 in transit) orders from May,
    T2 (1/6, 32 on hand) only once its stock runs out, not in these three months."""
    (hi_may,) = q("""select forecast_hi from marts.fct_forecast where level = 'sku_region' and sku = 'P1'
                     and region = 'North' and month = ?""", MAY)[0]
    rows = q("""select cum_forecast_qty, sell_in_qty, formula from marts.fct_sell_in_forecast
                where sku = 'P1' and region = 'North' order by month""")
    assert [round(r[0], 6) for r in rows] == [13, 26, 39]
    assert rows[0][1] == math.ceil(round(hi_may * 30 / 36 - 8, 6))  # T1's May order; T2 none
    assert rows[0][2].startswith("13 forecast to date + ") and rows[0][2].endswith(
        f" cover - 37 on hand - 3 in transit, per dealer max(0, ceil(...)): {rows[0][1]} to date, {rows[0][1]} this month")
