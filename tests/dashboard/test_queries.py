"""The dashboard's figures, query by query, on small marts written by hand (the columns
docs/marts.md publishes): each figure worked out here, filters applied, a mart or column the
serving file does not hold skipped with what it lacks, phone numbers masked in what is shown
and downloaded."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from pipelines.dashboard import queries as q
from pipelines.dashboard.db import open_serving
from pipelines.dashboard.export import csv_bytes, mask_phones, xlsx_bytes
from pipelines.dashboard.labels import for_display, header, whole_numbers, with_wording
from pipelines.serving import publish_marts
from tests.consumers.consumer_data import create_marts

MARTS = """
    create table marts.dim_dealer as select * from (values
        ('D1', '华盛家电', '华东', 'A', 'active'), ('D2', '宏达电器', '华南', 'B', 'active'),
        ('D3', '汇通商贸', '华东', 'C', 'active')) t(dealer_id, dealer_name, region, tier, status);
    create table marts.dim_product as select * from (values
        ('S1', '电饭煲'), ('S2', '净水器')) t(sku, category);
    create table marts.fct_sell_through_monthly as select dealer_id, sku, month::date as month,
        opening_qty::decimal(18,4) as opening_qty, sell_in_qty::decimal(18,4) as sell_in_qty,
        sell_out_qty::decimal(18,4) as sell_out_qty, closing_qty::decimal(18,4) as closing_qty,
        null::decimal(18,4) as reported_closing_qty, null::double as weeks_of_cover
    from (values
        ('D1', 'S1', '2026-01-01', 0, 10, 4, 6), ('D1', 'S1', '2026-02-01', 6, 5, 7, 4),
        ('D1', 'S2', '2026-02-01', 0, 3, 1, 2),
        ('D2', 'S1', '2026-01-01', 0, 20, 8, 12), ('D2', 'S1', '2026-02-01', 12, 0, 2, 10),
        ('D3', 'S2', '2026-02-01', 0, 1, 2, -1), ('D9', 'S1', '2026-02-01', 0, 0, 5, -5)
    ) t(dealer_id, sku, month, opening_qty, sell_in_qty, sell_out_qty, closing_qty);
    create table marts.fct_forecast as select 'sku_region' as level, sku, region, month::date as month, q::double as forecast_qty,
        lo::double as forecast_lo, hi::double as forecast_hi
    from (values ('S1', '华东', '2026-03-01', 10, 6, 14), ('S2', '华东', '2026-03-01', 3, 1, 5),
                 ('S1', '华南', '2026-03-01', 4, 2, 7)) t(sku, region, month, q, lo, hi);
    create table marts.fct_diversion_flags as select * from (values
        ('dealers/D1/sales_D1_2026-01.csv', 3, 'D1', 'S1', '2026-01-09'::date, 2.0::decimal(18,4), 'OUT_OF_TERRITORY',
         '客户城市 X 不在授权区域 call 13812345678', null, null, '310100'),
        ('dealers/D1/sales_D1_2026-01.csv', 3, 'D1', 'S1', '2026-01-09'::date, 2.0::decimal(18,4), 'FOREIGN_BATCH',
         '批次 B7 只发给过 D2', 'D2', 'B7', '310100'),
        ('dealers/D2/sales_D2_2026-02.csv', 8, 'D2', 'S2', '2026-02-03'::date, 1.0::decimal(18,4), 'UNKNOWN_BATCH',
         '批次 B9 无人收到', null, 'B9', '440100')
    ) t(source_file, source_row, dealer_id, sku, sale_date, qty, rule, evidence, source_dealer_ids, batch_no,
        customer_city_code);
    create table marts.dq_submissions as select * from (values
        ('dealers/D1/sales_D1_2026-01.csv', 'sales', 'dealer', 'D1', '2026-01-01'::date, 'partially_accepted', 10, 2, null),
        ('dealers/D2/sales_D2_2026-02.csv', 'sales', 'dealer', 'D2', '2026-02-01'::date, 'rejected', 0, 0, 'MISSING_COLUMNS')
    ) t(source_file, kind, source, dealer_id, period_start, status, rows_read, rows_quarantined, reason_code);
    create table marts.dq_quarantine as select * from (values
        ('dealers/D1/sales_D1_2026-01.csv', 4, 'sales', 'D1', 'BAD_DATE,QTY_NOT_POSITIVE', '2026-02-02 10:00'::timestamp, '{}', 'x'),
        ('dealers/D1/sales_D1_2026-01.csv', 5, 'sales', 'D1', 'BAD_DATE', '2026-02-02 10:00'::timestamp, '{}', 'x')
    ) t(source_file, source_row, kind, dealer_id, reason_codes, submitted_at, raw_values, reason_detail);
"""


@pytest.fixture
def serving(tmp_path):
    """The marts above, published the way the nightly run publishes them."""
    warehouse = create_marts(tmp_path / "warehouse.duckdb", MARTS)
    return publish_marts(warehouse, tmp_path / "serving" / "dcw.duckdb")["serving"]


def run(serving, query, f=q.Filters(), *args) -> q.Result:
    with open_serving(serving) as db:
        return q.run(db, query, f, *args)


def test_overview_totals_and_filters(serving):
    t = run(serving, q.overview_totals).frame.iloc[0]
    assert (t.sell_in_qty, t.sell_out_qty, t.closing_qty, t.dealers) == (39, 29, 10, 4)  # stock: Feb only
    assert t.last_month == pd.Timestamp("2026-02-01")
    east = run(serving, q.overview_totals, q.Filters(regions=("华东",))).frame.iloc[0]
    assert (east.sell_in_qty, east.sell_out_qty, east.closing_qty) == (19, 14, 5)
    rice_jan = run(serving, q.overview_totals, q.Filters(categories=("电饭煲",), month_to=date(2026, 1, 1))).frame.iloc[0]
    assert (rice_jan.sell_in_qty, rice_jan.sell_out_qty, rice_jan.closing_qty) == (30, 12, 18)
    one = run(serving, q.overview_totals, q.Filters(dealers=("D2",), month_from=date(2026, 2, 1))).frame.iloc[0]
    assert (one.sell_in_qty, one.sell_out_qty, one.closing_qty, one.dealers) == (0, 2, 10, 1)


def test_a_dealer_missing_from_dim_dealer_counts_under_unknown(serving):
    frame = run(serving, q.overview_by_region_month).frame
    feb = frame[frame.month == pd.Timestamp("2026-02-01")].set_index("region")
    assert feb.loc["UNKNOWN", "sell_out_qty"] == 5
    assert feb.loc["华东", "sell_out_qty"] == 10 and feb.loc["华南", "closing_qty"] == 10
    assert "in_transit_qty" not in frame.columns
    assert run(serving, q.overview_totals, q.Filters(regions=("UNKNOWN",))).frame.iloc[0].sell_out_qty == 5


def test_goods_in_transit_show_once_the_mart_has_them(tmp_path):
    warehouse = create_marts(tmp_path / "warehouse.duckdb", MARTS + """
        alter table marts.fct_sell_through_monthly add column in_transit_qty decimal(18,4) default 3;""")
    serving = publish_marts(warehouse, tmp_path / "dcw.duckdb")["serving"]
    frame = run(serving, q.overview_by_region_month, q.Filters(regions=("华南",))).frame
    assert list(frame.in_transit_qty) == [3, 3]


def test_forecast_beside_actuals_by_region(serving):
    frame = run(serving, q.forecast_by_region_month, q.Filters(regions=("华东",))).frame.set_index("month")
    march = frame.loc[pd.Timestamp("2026-03-01")]
    assert (march.forecast_qty, march.forecast_lo, march.forecast_hi) == (13, 7, 19)
    assert pd.isna(march.actual_qty) and frame.loc[pd.Timestamp("2026-02-01")].actual_qty == 10
    purifiers = run(serving, q.forecast_by_region_month, q.Filters(categories=("净水器",))).frame
    assert purifiers.forecast_qty.sum() == 3


def test_diversion_by_region_rule_dealers_and_batches(serving):
    by_region = run(serving, q.flags_by_region_rule).frame
    assert sorted(map(tuple, by_region[["region", "rule", "flags"]].values.tolist())) == [
        ("华东", "FOREIGN_BATCH", 1), ("华东", "OUT_OF_TERRITORY", 1), ("华南", "UNKNOWN_BATCH", 1)]
    dealers = run(serving, q.flagged_dealers).frame.set_index("dealer_id")
    assert dealers.loc["D1", "flags"] == 2 and dealers.loc["D1", "flagged_lines"] == 1
    assert dealers.loc["D1", "rules"] == "FOREIGN_BATCH,OUT_OF_TERRITORY"
    batches = run(serving, q.flagged_batches, q.Filters(month_from=date(2026, 2, 1))).frame
    assert batches[["batch_no", "selling_dealers"]].values.tolist() == [["B9", "D2"]]


def test_a_dealers_flags_keep_their_evidence_and_source_with_phones_masked(serving):
    flags = run(serving, q.dealer_flags, q.Filters(), "D1").frame
    assert set(flags.source_file) == {"dealers/D1/sales_D1_2026-01.csv"} and set(flags.source_row) == {3}
    evidence = " ".join(flags.evidence)
    assert "13812345678" not in evidence and "138****5678" in evidence


def test_quarantine_reasons_count_every_code_of_a_row(serving):
    frame = run(serving, q.quarantine_reasons).frame
    assert frame[["dealer_id", "reason_code", "rows"]].values.tolist() == [
        ["D1", "BAD_DATE", 2], ["D1", "QTY_NOT_POSITIVE", 1]]
    subs = run(serving, q.submissions_by_dealer).frame.set_index("dealer_id")
    assert subs.loc["D1", "quarantined_row_share"] == pytest.approx(0.2)
    assert subs.loc["D2", "rejected"] == 1


def test_a_mart_not_published_is_skipped_with_what_it_lacks(serving):
    for query in (q.reporting_status, q.rebate_accrual, q.contract_renewals, q.campaign_roi, q.late_reports):
        result = run(serving, query)
        assert result.frame is None and result.missing
    assert run(serving, q.late_reports).missing == ["fct_dealer_scorecard"]
    assert run(serving, q.dealer_coverage, q.Filters(), "D1").missing == ["agg_dealer_coverage_monthly"]


def test_a_column_not_published_is_named(tmp_path):
    warehouse = create_marts(tmp_path / "warehouse.duckdb", MARTS.replace("customer_city_code);", "city);"))
    serving = publish_marts(warehouse, tmp_path / "dcw.duckdb")["serving"]
    assert run(serving, q.flag_lines).missing == ["fct_diversion_flags.customer_city_code"]


def test_each_render_reads_the_newest_published_night(tmp_path):
    warehouse = create_marts(tmp_path / "warehouse.duckdb", MARTS)
    serving = tmp_path / "dcw.duckdb"
    publish_marts(warehouse, serving)
    with open_serving(serving) as db:
        first = q.run(db, q.overview_totals, q.Filters()).frame.iloc[0].sell_out_qty
        create_marts(warehouse, "update marts.fct_sell_through_monthly set sell_out_qty = sell_out_qty + 1")
        publish_marts(warehouse, serving)  # while a render is reading: it keeps its night, whole
        assert q.run(db, q.overview_totals, q.Filters()).frame.iloc[0].sell_out_qty == first
    with open_serving(serving) as db:  # the next render: the new night
        assert q.run(db, q.overview_totals, q.Filters()).frame.iloc[0].sell_out_qty == first + 7
        with pytest.raises(Exception, match="read-only"):
            db.con.execute("create table marts.x as select 1")


def test_no_serving_file_yet(tmp_path):
    with pytest.raises(FileNotFoundError):
        with open_serving(tmp_path / "nothing.duckdb"):
            pass


@pytest.mark.parametrize("text, masked", [
    ("13812345678", "138****5678"),
    ("客户 +86 138-1234-5678 到店", "客户 138****5678 到店"),
    ("tel 008613812345678.", "tel 138****5678."),
    ("order 213812345678 and 1381234567", "order 213812345678 and 1381234567"),  # not a mobile number
    ("D0001 2026-03-01", "D0001 2026-03-01"),
])
def test_phone_numbers_are_masked(text, masked):
    assert mask_phones(text) == masked


def test_downloads_mask_phones_and_neutralise_formulas():
    frame = pd.DataFrame({"note": ["call 13912345678", '=HYPERLINK("http://x")'], "qty": [1.5, 2.0]})
    text = csv_bytes(frame).decode("utf-8-sig")
    assert "13912345678" not in text and "139****5678" in text and "'=HYPERLINK" in text
    back = pd.read_excel(io.BytesIO(xlsx_bytes(frame)), engine="openpyxl")
    assert back.note.tolist() == ["call 139****5678", "'=HYPERLINK(\"http://x\")"]
    assert back.qty.tolist() == [1.5, 2.0]


def test_labels_are_chinese_then_the_marts_column():
    assert header("sell_out_qty") == "销量 sell_out_qty"
    shown = for_display(pd.DataFrame({"month": pd.to_datetime(["2026-03-01"]), "x": [1]}))
    assert list(shown.columns) == ["月份 month", "x"] and shown.iloc[0, 0] == date(2026, 3, 1)
    worded = with_wording(pd.DataFrame({"rule": ["FOREIGN_BATCH", "NEW_RULE"]}), "rule", "diversion", "rule_zh")
    assert worded.rule_zh.tolist()[1] == "NEW_RULE" and "批次" in worded.rule_zh.tolist()[0]
    assert with_wording(pd.DataFrame({"s": ["a"]}), "s", "no_such_family", "s_zh").s_zh.tolist() == ["a"]


def test_a_static_table_shows_whole_quantities_without_decimals_and_keeps_the_rest():
    frame = pd.DataFrame({"qty": [530.0, None, 1548.0], "share": [0.25, 1.0, None], "n": [1, 2, 3]})
    shown = whole_numbers(frame)
    assert shown["qty"].tolist() == [530, pd.NA, 1548] and str(shown["qty"].dtype) == "Int64"
    assert shown["share"].equals(frame["share"]) and shown["n"].equals(frame["n"])
    assert frame["qty"].dtype == "float64"  # the frame itself (the downloads') untouched
