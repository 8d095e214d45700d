"""fct_expense_writeoff (费用核销) and fct_campaign_roi on a hand-written landing folder: one
claim per write-off rule, each figure worked out by hand below."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.warehouse.channel_scenario import OPEN, _dealer, _sale
from tests.warehouse.warehouse_helpers import approx, build_from_landing

DAY0 = "20250101"


def _campaign(cid, category, region, start, end, rate, budget) -> dict:
    return dict(campaign_id=cid, campaign_name=cid, campaign_type="promo", start_date=start,
                end_date=end, category=category, region=region, reimbursement_rate=rate,
                budget=budget)


def _claim(cid, campaign, amount, start, end) -> dict:
    return dict(claim_id=cid, campaign_id=campaign, expense_type="门店活动", amount=amount,
                period_start=start, period_end=end, description="")


MAR1, MAR31 = date(2025, 3, 1), date(2025, 3, 31)


def landing(b) -> None:
    b.erp("regions", DAY0, [
        dict(city_code="110000", city_name="北京", province="北京", region="North"),
        dict(city_code="310000", city_name="上海", province="上海", region="East"),
    ])
    b.erp("dealers", DAY0, [
        _dealer("D1", "North", "110000"), _dealer("D2", "East", "310000"),
        _dealer("D3", "North", "110000"), _dealer("D4", "East", "310000"),
    ])
    b.erp("products", DAY0, [
        dict(sku=s, product_name=s, category=c, brand="B", unit_cost=cost,
             launch_date=date(2024, 1, 1), status="active")
        for s, c, cost in (("S1", "Drinks", "5"), ("S2", "Snacks", "2"), ("S3", "Drinks", "1"))
    ])
    b.erp("prices", DAY0, [  # S3 has no dealer price: its lines add no margin
        dict(sku="S1", price_type="dealer", price="7", valid_from=date(2024, 1, 1), valid_to=OPEN),
        dict(sku="S2", price_type="dealer", price="3", valid_from=date(2024, 1, 1), valid_to=OPEN),
    ])
    b.erp("territories", DAY0, [
        dict(dealer_id=d, city_code=c, valid_from=date(2024, 1, 1), valid_to=OPEN)
        for d, c in (("D1", "110000"), ("D2", "310000"), ("D3", "110000"), ("D4", "310000"))
    ])
    b.erp("campaigns", DAY0, [
        _campaign("K1", "Drinks", "*", MAR1, MAR31, "0.5", "100"),
        _campaign("K2", "*", "East", MAR1, MAR31, "0.1", "15"),
        _campaign("K3", "Drinks", "North", date(2025, 1, 1), date(2025, 1, 31), "1", "1000"),
        _campaign("K4", "Snacks", "*", MAR1, MAR31, "0.125", "1000"),
    ])
    b.sales("D1", "202501", [
        _sale(date(2025, 1, 28), "S1", 1, 10, "110000"),  # the day before K1's baseline
        _sale(date(2025, 1, 29), "S1", 2, 10, "110000"),  # K1's baseline starts on Jan 29
    ], submitted="20250201T090000")
    b.sales("D1", "202502", [_sale(date(2025, 2, 10), "S1", 4, 10, "110000")],
            submitted="20250301T090000")
    b.sales("D1", "202503", [
        _sale(date(2025, 3, 5), "S1", 10, 10, "110000"),  # 100
        _sale(date(2025, 3, 20), "S2", 5, "4.01", "110000"),  # 20.05
        _sale(date(2025, 3, 25), "S1", 1, 50, "310000"),  # out of territory: no evidence
        _sale(date(2025, 3, 28), "S1", 2, 10, "110000"),  # 20
    ], submitted="20250401T090000")
    b.sales("D2", "202503", [
        _sale(date(2025, 3, 10), "S1", 20, 10, "310000"),  # 200
        _sale(date(2025, 3, 11), "S3", 1, 10, "310000"),  # 10, no dealer price
    ], submitted="20250401T100000")
    b.sales("D3", "202503", [_sale(date(2025, 3, 12), "S1", 30, 10, "110000")],
            submitted="20250401T110000")
    b.sales("D4", "202503", [_sale(date(2025, 3, 8), "S2", 10, 4, "310000")],
            submitted="20250401T120000")

    b.claims("D1", [
        _claim("C01", "K9", "10", MAR1, MAR31),
        _claim("C02", "K2", "10", MAR1, MAR31),
        _claim("C03", "K1", "10", date(2025, 4, 1), date(2025, 4, 30)),
        _claim("C04", "K3", "10", date(2025, 1, 1), date(2025, 1, 31)),
        _claim("C06", "K1", "999", MAR1, date(2025, 3, 15)),  # replaced by the next file
    ], submitted="20250402T080000")
    b.claims("D1", [_claim("C06", "K1", "30", MAR1, date(2025, 3, 15))],
             submitted="20250403T090000")
    b.claims("D1", [_claim("C07", "K1", "10", date(2025, 3, 15), MAR31)],
             submitted="20250404T090000")
    b.claims("D1", [_claim("C11", "K1", "50", date(2025, 3, 16), MAR31)],
             submitted="20250405T090000")
    b.claims("D1", [_claim("C14", "K4", "25", MAR1, MAR31)], submitted="20250408T090000")
    b.claims("D2", [_claim("C08", "K1", "150", MAR1, MAR31)], submitted="20250403T100000")
    b.claims("D2", [_claim("C12", "K2", "50", MAR1, MAR31)], submitted="20250406T090000")
    b.claims("D3", [_claim("C05", "K3", "10", date(2025, 1, 1), date(2025, 1, 31))],
             submitted="20250401T230000")
    b.claims("D3", [_claim("C09", "K1", "20", MAR1, MAR31)], submitted="20250403T100000")
    b.claims("D4", [_claim("C13", "K2", "100", MAR1, MAR31)], submitted="20250407T090000")


@pytest.fixture(scope="module")
def q(tmp_path_factory):
    return build_from_landing(landing, tmp_path_factory.mktemp("claims"))


D = Decimal
# claim: (status, reason_codes, approved, eligible_start, eligible_end, verified, cap)
EXPECTED = {
    # rule 1: K9 does not exist; nothing about the campaign can be filled
    "C01": ("rejected", "UNKNOWN_CAMPAIGN", D(0), None, None, None, None),
    # rule 2: K2 is for the East, D1 is North. Verified: D1's March lines of any category
    # without a flag: 100 + 20.05 + 20 = 140.05; cap 0.1 x 140.05 = 14.005 -> 14.01 (half up)
    "C02": ("rejected", "DEALER_NOT_ELIGIBLE", D(0), MAR1, MAR31, D("140.05"), D("14.01")),
    # rule 3: April period vs a March campaign: [Apr 1, Mar 31] is empty
    "C03": ("rejected", "OUT_OF_WINDOW", D(0), date(2025, 4, 1), MAR31, D(0), D(0)),
    # rule 4: submitted Apr 2 = 61 days after K3 ends on Jan 31 (Jan 28 + Jan 29 lines: 30)
    "C04": ("rejected", "LATE_CLAIM", D(0), date(2025, 1, 1), date(2025, 1, 31), D(30), D(30)),
    # day 60 (Apr 1, 23:00) is still on time; D3 sold nothing in January
    "C05": ("rejected", "NO_SALES_EVIDENCE", D(0), date(2025, 1, 1), date(2025, 1, 31), D(0), D(0)),
    # the newest file's version (30, not 999); Drinks Mar 1-15: 100 -> cap 50; first in K1
    "C06": ("approved", None, D(30), MAR1, date(2025, 3, 15), D(100), D(50)),
    # rule 5: shares Mar 15 with C06; Drinks Mar 15-31 without flag: 20 (the 50 is flagged)
    "C07": ("rejected", "DUPLICATE_CLAIM", D(0), date(2025, 3, 15), MAR31, D(20), D(10)),
    # D2 Drinks 200 + 10 = 210 -> cap 105 < 150; K1's budget 100 - 30 leaves 70
    "C08": ("partially_approved", "CAPPED_BY_SALES,BUDGET_EXHAUSTED", D(70), MAR1, MAR31,
            D(210), D(105)),
    # submitted at the same time as C08, which goes first (smaller claim_id): nothing left
    "C09": ("rejected", "BUDGET_EXHAUSTED", D(0), MAR1, MAR31, D(300), D(150)),
    # overlaps C07, which passed rules 1-4 (it failed rule 5 only)
    "C11": ("rejected", "DUPLICATE_CLAIM", D(0), date(2025, 3, 16), MAR31, D(20), D(10)),
    # D2 any category 210 -> cap 21 < 50; K2's budget is 15
    "C12": ("partially_approved", "CAPPED_BY_SALES,BUDGET_EXHAUSTED", D(15), MAR1, MAR31,
            D(210), D(21)),
    # capped to 4, then nothing left of K2: cut to 0
    "C13": ("rejected", "CAPPED_BY_SALES,BUDGET_EXHAUSTED", D(0), MAR1, MAR31, D(40), D(4)),
    # Snacks 20.05 x 0.125 = 2.50625 -> 2.51
    "C14": ("partially_approved", "CAPPED_BY_SALES", D("2.51"), MAR1, MAR31, D("20.05"),
            D("2.51")),
}


def test_one_row_per_current_claim(q):
    assert sorted(r[0] for r in q("select claim_id from marts.fct_expense_writeoff")) \
        == sorted(EXPECTED)


@pytest.mark.parametrize("claim", sorted(EXPECTED))
def test_writeoff(q, claim):
    (row,) = q("""select status, reason_codes, approved_amount, eligible_start, eligible_end,
                         verified_sales_value, cap_amount
                  from marts.fct_expense_writeoff where claim_id = ?""", claim)
    assert row == EXPECTED[claim]


def test_claim_takes_the_newest_version_and_its_submission_time(q):
    assert q("""select claimed_amount, submitted_at, writeoff_month, dealer_id
                from marts.fct_expense_writeoff where claim_id = 'C06'""") == [
        (D(30), datetime(2025, 4, 3, 9), date(2025, 4, 1), "D1")]


# (campaign, dealer): campaign_qty, baseline_qty, campaign_value, baseline_value,
#                     incremental_gross_margin, approved_spend, roi, lines_without_margin
# K1 (Drinks, Mar): W = Mar 1-31 (L = 31), B = Jan 29 - Feb 28.
#   D1: W lines 10 x S1 @10 (margin 10 x (7-5) = 20) and 2 x S1 @10 (4); the 50 line is
#       flagged. B: Jan 29 (2, margin 4) and Feb 10 (4, margin 8); Jan 28 is outside.
#       spend: C06 30 (C03, C07, C11 rejected) -> roi (24 - 12 - 30) / 30
#   D2: W 20 x S1 (margin 40) + 1 x S3 (no dealer price); spend 70 -> (40 - 70) / 70
# K2 (all categories, East): D2 same lines; spend 15 -> (40 - 15) / 15
# K4 (Snacks): D1 5 x S2 @4.01 (margin 5 x (3-2) = 5); spend 2.51 -> (5 - 2.51) / 2.51
# D3 on K1 and D4 on K2 have no claim that was not rejected: no row.
ROI_EXPECTED = {
    ("K1", "D1"): (12, 6, D(120), D(60), D(12), D(30), (12 - 30) / 30, 0),
    ("K1", "D2"): (21, 0, D(210), D(0), D(40), D(70), (40 - 70) / 70, 1),
    ("K2", "D2"): (21, 0, D(210), D(0), D(40), D(15), (40 - 15) / 15, 1),
    ("K4", "D1"): (5, 0, D("20.05"), D(0), D(5), D("2.51"), (5 - 2.51) / 2.51, 0),
}


def test_campaign_roi(q):
    rows = q("""select campaign_id, dealer_id, campaign_qty, baseline_qty, campaign_sales_value,
                       baseline_sales_value, incremental_gross_margin, approved_spend, roi,
                       lines_without_margin
                from marts.fct_campaign_roi""")
    got = {(c, d): rest for c, d, *rest in rows}
    assert set(got) == set(ROI_EXPECTED)
    for key, (cq, bq, cv, bv, igm, spend, roi, missing) in ROI_EXPECTED.items():
        g = got[key]
        assert (g[0], g[1], g[2], g[3], g[4], g[5], g[7]) == (D(cq), D(bq), cv, bv, igm, spend,
                                                             missing), key
        assert approx(g[6], roi), (key, g[6], roi)


def test_roi_baseline_window(q):
    assert q("""select baseline_start, baseline_end from marts.fct_campaign_roi
                where campaign_id = 'K1' and dealer_id = 'D1'""") == [
        (date(2025, 1, 29), date(2025, 2, 28))]
