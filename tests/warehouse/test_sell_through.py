"""fct_sell_through_monthly, fct_price_deviation, fct_diversion_flags,
agg_dealer_diversion_monthly and the dq marts on the hand-made channel (channel_scenario)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from tests.warehouse.warehouse_helpers import approx

D1_JAN = "dealers/D1/sales_D1_202501_20250204T100000.csv"
D1_MAR = "dealers/D1/sales_D1_202503_20250402T080000.csv"
D2_APR = "dealers/D2/sales_D2_202504_20250503T120000.csv"


@pytest.fixture(scope="module")
def q(channel_warehouse):
    return channel_warehouse[1]


def m(month: int) -> date:
    return date(2025, month, 1)


# (dealer, sku, month): opening, sell_in, sell_out, closing, reported, variance,
#                       sell_through_rate, weeks_of_cover
# D1/S1: opening inventory 10 (B1); SH1 +20 in Jan; sales 12+3+1 in Jan (the superseded
#   version's 100 does not count); return -5 in Feb; 4 sold in Mar; nothing in Apr.
#   Reports: Jan 31 newest version says 5+8 = 13; Feb 28 report lists only S2 -> 0;
#   the Mar 30 report is not a month end -> empty.
#   woc Jan: 14 / (16 / (31/7)) = 3.875; Feb: 9*59/(7*16); Mar: 5*90/(7*20);
#   Apr: S = 0+4+0 over Feb-Apr (89 days) -> 5*89/(7*4).
# D1/S2: +2 and -2 in Feb: the denominator is 0 -> no rate; S = 0 -> no cover.
# D2/S1: first month Feb (SH5 +1); SH3 replaced by the later file (+8 on Mar 5, not +6);
#   sells 10 in Apr -> closing -1 (negative stock); woc Apr = -1*89/(7*10).
# D2/S2: 4 in Jan, sells 1 in Apr: rate 1/4, S = 1 over Feb-Apr -> 3*89/7.
# D3/S1: opening inventory 1 only, months without activity carry it forward.
EXPECTED = {
    ("D1", "S1", 1): (10, 20, 16, 14, 13, -1, 16 / 30, 14 * 31 / (7 * 16)),
    ("D1", "S1", 2): (14, -5, 0, 9, 0, -9, 0.0, 9 * 59 / (7 * 16)),
    ("D1", "S1", 3): (9, 0, 4, 5, None, None, 4 / 9, 5 * 90 / (7 * 20)),
    ("D1", "S1", 4): (5, 0, 0, 5, None, None, 0.0, 5 * 89 / (7 * 4)),
    ("D1", "S2", 2): (0, 0, 0, 0, 0, 0, None, None),
    ("D1", "S2", 3): (0, 0, 0, 0, None, None, None, None),
    ("D1", "S2", 4): (0, 0, 0, 0, None, None, None, None),
    ("D2", "S1", 2): (0, 1, 0, 1, None, None, 0.0, None),
    ("D2", "S1", 3): (1, 8, 0, 9, None, None, 0.0, None),
    ("D2", "S1", 4): (9, 0, 10, -1, None, None, 10 / 9, -1 * 89 / (7 * 10)),
    ("D2", "S2", 1): (0, 4, 0, 4, None, None, 0.0, None),
    ("D2", "S2", 2): (4, 0, 0, 4, None, None, 0.0, None),
    ("D2", "S2", 3): (4, 0, 0, 4, None, None, 0.0, None),
    ("D2", "S2", 4): (4, 0, 1, 3, None, None, 0.25, 3 * 89 / 7),
    ("D3", "S1", 1): (1, 0, 0, 1, None, None, 0.0, None),
    ("D3", "S1", 2): (1, 0, 0, 1, None, None, 0.0, None),
    ("D3", "S1", 3): (1, 0, 0, 1, None, None, 0.0, None),
    ("D3", "S1", 4): (1, 0, 0, 1, None, None, 0.0, None),
}


def test_sell_through_has_one_row_per_pair_month_up_to_the_last_month(q):
    rows = q("select dealer_id, sku, month from marts.fct_sell_through_monthly")
    assert sorted(rows) == sorted((d, s, m(mo)) for d, s, mo in EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_sell_through_figures(q, key):
    dealer, sku, month = key
    (row,) = q(
        """select opening_qty, sell_in_qty, sell_out_qty, closing_qty, reported_closing_qty,
                  inventory_variance_qty, sell_through_rate, weeks_of_cover
           from marts.fct_sell_through_monthly where dealer_id = ? and sku = ? and month = ?""",
        dealer, sku, m(month))
    *quantities, rate, cover = row
    *exp_quantities, exp_rate, exp_cover = EXPECTED[key]
    assert quantities == [None if e is None else Decimal(e) for e in exp_quantities]
    assert approx(rate, exp_rate), (rate, exp_rate)
    assert approx(cover, exp_cover), (cover, exp_cover)


def test_weeks_of_cover_uses_fewer_months_where_the_pair_started_later(q):
    rows = q("""select month, cover_months, cover_days from marts.fct_sell_through_monthly
                where dealer_id = 'D2' and sku = 'S1' order by month""")
    assert rows == [(m(2), 1, 28), (m(3), 2, 59), (m(4), 3, 89)]


# source_row -> (guide, floor, deviation_pct, is_below_floor)
PRICE_EXPECTED = {
    (D1_JAN, 1): (Decimal(10), Decimal(8), (9.5 - 10) / 10, False),
    (D1_JAN, 2): (Decimal(10), Decimal(8), (7.5 - 10) / 10, True),
    (D1_JAN, 3): (Decimal(10), Decimal(8), 0.0, False),
    (D1_MAR, 1): (Decimal(12), Decimal(8), (13 - 12) / 12, False),  # the February guide price
    (D2_APR, 1): (Decimal(12), Decimal(8), 0.0, False),
    (D2_APR, 2): (None, None, None, None),  # S2 has no price
}


def test_price_deviation_covers_every_current_line_once(q):
    rows = q("select source_file, source_row from marts.fct_price_deviation")
    assert sorted(rows) == sorted(PRICE_EXPECTED)


@pytest.mark.parametrize("line", sorted(PRICE_EXPECTED))
def test_price_deviation_figures(q, line):
    (row,) = q("""select guide_price, floor_price, deviation_pct, is_below_floor
                  from marts.fct_price_deviation where source_file = ? and source_row = ?""",
               *line)
    guide, floor, deviation, below = PRICE_EXPECTED[line]
    assert row[0] == guide and row[1] == floor and row[3] is below
    assert approx(row[2], deviation)


# (file, row, rule) -> source_dealer_ids
FLAGS_EXPECTED = {
    (D1_JAN, 2, "OUT_OF_TERRITORY"): None,  # sold into 310000, D1 holds only 110000
    (D1_JAN, 3, "UNKNOWN_BATCH"): None,  # B4 reached D2 only on Feb 1, after the Jan 25 sale
    (D1_MAR, 1, "FOREIGN_BATCH"): "D2,D3",  # B3: D3's opening stock, D2's Mar 5 shipment
    (D2_APR, 1, "OUT_OF_TERRITORY"): None,  # D2's territory ended on Jan 31
    (D2_APR, 2, "OUT_OF_TERRITORY"): None,
    (D2_APR, 2, "UNKNOWN_BATCH"): None,  # BX was never shipped to anyone
}


def test_diversion_flags_fire_exactly_per_rule(q):
    rows = q("""select source_file, source_row, rule, source_dealer_ids
                from marts.fct_diversion_flags""")
    assert {(f, r, rule): ids for f, r, rule, ids in rows} == FLAGS_EXPECTED
    assert len(rows) == len(FLAGS_EXPECTED)


def test_diversion_evidence_names_the_facts(q):
    (evidence,) = q("""select evidence from marts.fct_diversion_flags
                       where rule = 'FOREIGN_BATCH'""")[0]
    for fact in ("D1", "4", "S1", "B3", "2025-03-15", "D2,D3"):
        assert fact in evidence
    (evidence,) = q("""select evidence from marts.fct_diversion_flags
                       where rule = 'OUT_OF_TERRITORY' and source_file = ?""", D1_JAN)[0]
    assert "310000" in evidence and "上海" in evidence
    for (evidence,) in q("select evidence from marts.fct_diversion_flags"):
        zh, en = evidence.split(" / ")
        assert "销售" in zh and "sold" in en and not re.search(r"[\u4e00-\u9fff]", en.replace("上海", ""))


def test_dealer_diversion_monthly(q):
    rows = q("""select dealer_id, month, out_of_territory_lines, out_of_territory_qty,
                       foreign_batch_lines, foreign_batch_qty, unknown_batch_lines,
                       unknown_batch_qty, flagged_lines, flagged_qty, negative_stock_skus,
                       negative_stock_sku_list
                from marts.agg_dealer_diversion_monthly""")
    got = {(d, mo): rest for d, mo, *rest in rows}
    assert set(got) == {(d, m(mo)) for d in ("D1", "D2", "D3") for mo in (1, 2, 3, 4)}
    zero = [0, 0, 0, 0, 0, 0, 0, 0, 0, None]
    expected = {key: zero for key in got}
    expected[("D1", m(1))] = [1, 3, 0, 0, 1, 1, 2, 4, 0, None]
    expected[("D1", m(3))] = [0, 0, 1, 4, 0, 0, 1, 4, 0, None]
    expected[("D2", m(4))] = [2, 11, 0, 0, 1, 1, 2, 11, 1, "S1"]
    assert {k: [int(v) if isinstance(v, Decimal) else v for v in r] for k, r in got.items()} \
        == expected


def test_dq_submissions_lists_every_file_with_its_status(q):
    rows = dict(q("select source_file, status from marts.dq_submissions"))
    assert len(rows) == 17  # 8 ERP files, 5 sales files, 4 inventory reports
    assert rows["dealers/D1/sales_D1_202501_20250202T090000.csv"] == "superseded"
    assert rows["dealers/D2/sales_D2_202504_20250504T120000.csv"] == "rejected"
    assert rows[D2_APR] == "partially_accepted"


def test_no_phone_in_clear_in_any_mart(q):
    ((raw_values,),) = q("select raw_values from marts.dq_quarantine")
    assert '"customer_phone":"139****4321"' in raw_values.replace(" ", "")
    assert '"qty":"abc"' in raw_values.replace(" ", "")
    columns = q("""select table_name, list(column_name) from information_schema.columns
                   where table_schema = 'marts' and data_type = 'VARCHAR' group by table_name""")
    assert columns
    for table, names in columns:
        clear = " or ".join(f"{c} like '%13812345678%' or {c} like '%13987654321%'" for c in names)
        assert q(f"select count(*) from marts.{table} where {clear}") == [(0,)], table
