"""The quarterly rebate report (返利计提, pipelines/reports/rebate.py): it reconciles with
marts.fct_rebate_accrual to the cent, opens in Excel with its Chinese readable, and shows
text a spreadsheet would run as text."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from pipelines.core.errors import UserError
from pipelines.reports.rebate import parse_quarter, write_rebate_report
from tests.dcw_runs import dcw

HEADER_ROW = 4  # 1-based in openpyxl: title, note, blank, header
FORMULA = '=HYPERLINK("http://x.example","点我")'


def sheet_rows(ws):
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    return list(rows[0]), rows[1:-1], rows[-1]


def dec(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def marts(tmp_path):
    """A warehouse holding just the marts the report reads, written by hand."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.dim_dealer as select * from (values ('D0001', '华盛家电有限公司'), "
                "('D0002', '+cmd|calc')) as t(dealer_id, dealer_name)")
    con.execute("""create table marts.fct_rebate_accrual as select * from (values
        ('P1', ?, '2025-Q1', 'D0001', 1000.2000::decimal(18,4), 'quarter', 1000.2::decimal(38,8), 2::bigint,
         500.1::decimal(38,8), 1.0::double, 1.0::decimal(18,4), 0.03::decimal(18,4), 30.01::decimal(18,2), 'earned'),
        ('P1', ?, '2025-Q1', 'D0002', null, null, 150.10::decimal(38,8), 0::bigint, 0::decimal(38,8), null, null,
         null, 0::decimal(18,2), 'no_target'),
        ('P2', '华东返利', '2025-Q1', 'D0001', 900::decimal(18,4), 'months', 1000.2::decimal(38,8), 2::bigint,
         500.1::decimal(38,8), 1.1113::double, 1.1::decimal(18,4), 0.015::decimal(18,4), 15.00::decimal(18,2), 'earned'),
        ('P1', ?, '2025-Q2', 'D0001', 10::decimal(18,4), 'quarter', 0.1::decimal(38,8), 0::bigint, 0::decimal(38,8),
         0.01::double, null, null, 0::decimal(18,2), 'not_reached'))
        as t(program_id, program_name, quarter, dealer_id, quarter_target, target_basis, verified_value,
             excluded_lines, excluded_value, attainment, tier_min_attainment, rebate_rate, rebate_amount, status)""",
                [FORMULA, FORMULA, FORMULA])
    con.execute("""create table marts.fct_price_deviation as select * from (values
        ('s.csv', 1, 3::decimal(18,4), 100.05::decimal(18,4)), ('s.csv', 2, 1::decimal(18,4), 200::decimal(18,4)))
        as t(source_file, source_row, qty, unit_price)""")
    con.execute("""create table marts.fct_diversion_flags as select * from (values
        ('s.csv', 1, 'D0001', '2025-02-01'::date, 3::decimal(18,4), 'OUT_OF_TERRITORY'),
        ('s.csv', 1, 'D0001', '2025-02-01'::date, 3::decimal(18,4), 'FOREIGN_BATCH'),
        ('s.csv', 2, 'D0001', '2025-03-31'::date, 1::decimal(18,4), 'UNKNOWN_BATCH'))
        as t(source_file, source_row, dealer_id, sale_date, qty, rule)""")
    con.close()
    return path


def test_summary_and_dealer_sheets_reconcile_and_explain_exclusions(marts, tmp_path):
    [path] = write_rebate_report(marts, "2025-Q1", None, "xlsx", tmp_path / "out")
    assert path.name == "rebate_2025-Q1.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["summary", "D0001", "D0002"]
    headers, rows, total = sheet_rows(wb["summary"])
    col = {h: i for i, h in enumerate(headers)}
    assert "返利金额 Rebate (CNY)" in col and "达成率 Attainment" in col  # Chinese with English beside
    assert dec(total[col["返利金额 Rebate (CNY)"]]) == Decimal("45.01")
    assert [(r[0], r[2], r[col["状态 Status"]]) for r in rows] == [
        ("D0001", "P1", "已达档，计提返利 A tier was reached; the rebate accrues"),
        ("D0001", "P2", "已达档，计提返利 A tier was reached; the rebate accrues"),
        ("D0002", "P1", "该季度无业绩目标，不计返利 No target for the quarter; no rebate")]
    headers, rows, total = sheet_rows(wb["D0001"])
    col = {h: i for i, h in enumerate(headers)}
    first = rows[0]
    # line 1 fired two rules: counted under each, once in the total
    assert first[col["剔除行数 Excluded lines: OUT_OF_TERRITORY"]] == 1
    assert dec(first[col["剔除金额 Excluded value: FOREIGN_BATCH (CNY)"]]) == Decimal("300.15")
    assert dec(first[col["剔除金额 Excluded value: UNKNOWN_BATCH (CNY)"]]) == Decimal("200")
    assert first[col["剔除行数合计 Excluded lines, total"]] == 2
    assert dec(first[col["剔除金额合计 Excluded value, total (CNY)"]]) == Decimal("500.1")
    assert dec(total[col["返利金额 Rebate (CNY)"]]) == Decimal("45.01")


def test_text_a_spreadsheet_would_run_is_shown_as_text(marts, tmp_path):
    [path] = write_rebate_report(marts, "2025-Q1", None, "xlsx", tmp_path)
    wb = openpyxl.load_workbook(path)
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)
    _, rows, _ = sheet_rows(wb["summary"])
    assert rows[0][3] == "'" + FORMULA and rows[2][1] == "'+cmd|calc"
    files = write_rebate_report(marts, "2025-Q1", None, "csv", tmp_path)
    assert [p.name for p in files] == ["rebate_2025-Q1_summary.csv", "rebate_2025-Q1_detail_D0001.csv",
                                       "rebate_2025-Q1_detail_D0002.csv"]
    text = files[0].read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text


def test_one_dealer_an_empty_quarter_and_bad_input(marts, tmp_path):
    [path] = write_rebate_report(marts, "2025-Q2", "D0001", "xlsx", tmp_path)
    assert path.name == "rebate_2025-Q2_D0001.xlsx"
    assert openpyxl.load_workbook(path).sheetnames == ["summary", "D0001"]
    [empty] = write_rebate_report(marts, "2024-Q4", None, "xlsx", tmp_path)
    ws = openpyxl.load_workbook(empty)["summary"]
    assert "没有返利计提" in ws["A2"].value
    for bad in ("2025-Q5", "2025Q1", "2025-03"):
        with pytest.raises(UserError, match="YYYY-Qn"):
            parse_quarter(bad)
    with pytest.raises(UserError, match="unknown dealer"):
        write_rebate_report(marts, "2025-Q1", "D9", "xlsx", tmp_path)
    with pytest.raises(UserError, match="format"):
        write_rebate_report(marts, "2025-Q1", None, "pdf", tmp_path)


@pytest.mark.slow  # a landing ingested and built with dbt, then the CLI
def test_the_report_of_a_built_warehouse_reconciles_with_the_mart_to_the_cent(tmp_path):
    from tests.warehouse.rebate_scenario import rebate_channel
    from tests.warehouse.warehouse_helpers import build_from_landing

    q = build_from_landing(rebate_channel, tmp_path, date(2025, 6, 1))
    warehouse = tmp_path / "warehouse.duckdb"
    [(amount, count)] = q("select sum(rebate_amount), count(*) from marts.fct_rebate_accrual where quarter = '2025-Q1'")
    assert amount == Decimal("30.01") and count == 3
    out = tmp_path / "reports"
    result = dcw("report", "rebate", "--quarter", "2025-Q1", "--format", "csv", "--warehouse", str(warehouse),
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    with open(out / "rebate_2025-Q1_summary.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][-2] == "返利金额 Rebate (CNY)" and rows[-1][0] == "合计 Total"
    assert Decimal(rows[-1][-2]) == amount
    per_dealer = dict(q("select dealer_id, sum(rebate_amount) from marts.fct_rebate_accrual group by all"))
    for did, value in per_dealer.items():
        with open(out / f"rebate_2025-Q1_detail_{did}.csv", encoding="utf-8-sig", newline="") as f:
            assert Decimal(list(csv.reader(f))[-1][-2]) == value
    [xlsx] = write_rebate_report(warehouse, "2025-Q1", None, "xlsx", out)
    _, rows, total = sheet_rows(openpyxl.load_workbook(xlsx)["summary"])
    assert dec(total[12]) == amount and rows[0][1] == "经销商D0001"
