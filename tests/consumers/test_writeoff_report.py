import csv
from datetime import date
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from pipelines.core.errors import UserError
from tests.consumers.consumer_data import HYPERLINK, writeoff_marts
from pipelines.reports.writeoff import WRITEOFF_CODES, explain_codes, write_writeoff_report

MARCH = date(2026, 3, 1)
HEADER_ROW = 4  # 1-based in openpyxl: title, note, blank, header


@pytest.fixture
def warehouse(tmp_path):
    return writeoff_marts(tmp_path / "warehouse.duckdb")


def mart(warehouse, sql, *params):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def sheet_rows(ws) -> tuple[list[str], list[tuple], tuple]:
    """(headers, data rows, total row) of a report sheet."""
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    return list(rows[0]), rows[1:-1], rows[-1]


def dec(value) -> Decimal:
    return Decimal(str(value))


def test_xlsx_summary_and_detail_reconcile_exactly_with_the_mart(warehouse, tmp_path):
    [path] = write_writeoff_report(warehouse, MARCH, None, "xlsx", tmp_path / "out")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["summary", "detail"]
    claimed, approved, count = mart(
        warehouse, "select sum(claimed_amount), sum(approved_amount), count(*) from marts.fct_expense_writeoff where writeoff_month = ?", MARCH)[0]

    headers, rows, total = sheet_rows(wb["summary"])
    col = {h: i for i, h in enumerate(headers)}
    assert total[0] == "合计 Total"
    assert total[col["申请单数 Claims"]] == count == 7
    assert dec(total[col["申请金额 Claimed (CNY)"]]) == claimed
    assert dec(total[col["核准金额 Approved (CNY)"]]) == approved
    # each group is the mart's group
    groups = {(d, c, s): (n, cl, ap) for d, c, s, n, cl, ap in mart(
        warehouse, "select dealer_id, campaign_id, status, count(*), sum(claimed_amount), sum(approved_amount) "
                   "from marts.fct_expense_writeoff where writeoff_month = ? group by all", MARCH)}
    assert len(rows) == len(groups)
    words = {"已核准 approved": "approved", "部分核准 partially approved": "partially_approved", "已驳回 rejected": "rejected"}
    for r in rows:
        n, cl, ap = groups[(r[col["经销商编号 Dealer ID"]], r[col["活动编号 Campaign ID"]], words[r[col["核销状态 Status"]]])]
        assert (r[col["申请单数 Claims"]], dec(r[col["申请金额 Claimed (CNY)"]]), dec(r[col["核准金额 Approved (CNY)"]])) == (n, cl, ap)
    d1 = next(r for r in rows if r[col["经销商编号 Dealer ID"]] == "D0001" and r[col["核销状态 Status"]] == "已核准 approved")
    assert d1[col["经销商名称 Dealer name"]] == "华盛家电有限公司" and d1[col["活动名称 Campaign name"]] == "春节焕新季"
    assert dec(d1[col["申请金额 Claimed (CNY)"]]) == Decimal("1234.86")  # 1234.56 + 0.10 + 0.20, no float drift

    headers, rows, total = sheet_rows(wb["detail"])
    col = {h: i for i, h in enumerate(headers)}
    by_claim = {c: (cl, ap) for c, cl, ap in mart(
        warehouse, "select claim_id, claimed_amount, approved_amount from marts.fct_expense_writeoff where writeoff_month = ?", MARCH)}
    assert {r[col["申请单号 Claim ID"]]: (dec(r[col["申请金额 Claimed (CNY)"]]), dec(r[col["核准金额 Approved (CNY)"]])) for r in rows} == by_claim
    assert dec(total[col["申请金额 Claimed (CNY)"]]) == claimed
    assert dec(total[col["核准金额 Approved (CNY)"]]) == approved


def test_xlsx_is_readable_at_a_glance(warehouse, tmp_path):
    [path] = write_writeoff_report(warehouse, MARCH, None, "xlsx", tmp_path)
    ws = openpyxl.load_workbook(path)["summary"]
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    header = ws[HEADER_ROW]
    assert all(c.font.bold for c in header)
    amount = next(c for c in header if c.value == "申请金额 Claimed (CNY)").column_letter
    assert ws[f"{amount}{HEADER_ROW + 1}"].number_format == "#,##0.00"
    assert isinstance(ws[f"{amount}{HEADER_ROW + 1}"].value, float)  # numbers stay numbers
    assert ws.column_dimensions["B"].width >= 16  # the dealer names fit
    assert "2026-03" in ws["A1"].value


def test_csv_is_two_bom_files_whose_totals_are_the_mart_to_the_cent(warehouse, tmp_path):
    paths = write_writeoff_report(warehouse, "2026-03", None, "csv", tmp_path)
    assert [p.name for p in paths] == ["writeoff_2026-03_summary.csv", "writeoff_2026-03_detail.csv"]
    assert all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in paths)
    claimed, approved = mart(warehouse, "select sum(claimed_amount), sum(approved_amount) from marts.fct_expense_writeoff where writeoff_month = ?", MARCH)[0]
    for p in paths:
        with open(p, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        header, total = rows[0], rows[-1]
        assert total[0] == "合计 Total"
        assert Decimal(total[header.index("申请金额 Claimed (CNY)")]) == claimed
        assert Decimal(total[header.index("核准金额 Approved (CNY)")]) == approved
    assert total[header.index("申请金额 Claimed (CNY)")] == "100002734.98"  # 1234.56 + 1000.10 + 0.03 + 99999999.99 + 0.10 + 0.20 + 500.00


def test_reason_codes_are_explained_in_both_languages(warehouse, tmp_path):
    [path] = write_writeoff_report(warehouse, MARCH, None, "xlsx", tmp_path)
    headers, rows, _ = sheet_rows(openpyxl.load_workbook(path)["detail"])
    col = {h: i for i, h in enumerate(headers)}
    c7 = next(r for r in rows if r[col["申请单号 Claim ID"]] == "C7")
    assert c7[col["原因代码 Reason codes"]] == "CAPPED_BY_SALES,BUDGET_EXHAUSTED"
    assert c7[col["原因说明"]] == WRITEOFF_CODES["CAPPED_BY_SALES"][0] + "；" + WRITEOFF_CODES["BUDGET_EXHAUSTED"][0]
    assert "budget ran out" in c7[col["Reason"]] and "cap" in c7[col["Reason"]]
    c1 = next(r for r in rows if r[col["申请单号 Claim ID"]] == "C1")
    assert c1[col["原因说明"]] is None and c1[col["Reason"]] is None  # fully approved: no reason
    assert len(WRITEOFF_CODES) == 8 and all(zh and en for zh, en in WRITEOFF_CODES.values())
    assert len({en for _, en in WRITEOFF_CODES.values()}) == 8
    assert explain_codes("") == ("", "")


def test_dealer_text_that_a_spreadsheet_would_run_is_shown_as_text(warehouse, tmp_path):
    [xlsx] = write_writeoff_report(warehouse, MARCH, "D0002", "xlsx", tmp_path)
    headers, rows, _ = sheet_rows(openpyxl.load_workbook(xlsx)["detail"])
    col = {h: i for i, h in enumerate(headers)}
    c3 = next(r for r in rows if r[col["申请单号 Claim ID"]] == "C3")
    assert c3[col["说明 Description"]] == "'" + HYPERLINK
    ws = openpyxl.load_workbook(xlsx)["detail"]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    c4 = next(r for r in rows if r[col["申请单号 Claim ID"]] == "C4")
    assert c4[col["费用类型 Expense type"]].startswith("'+") and c4[col["说明 Description"]] == "'@SUM(1)"
    _, detail = write_writeoff_report(warehouse, MARCH, "D0002", "csv", tmp_path)
    text = detail.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text


def test_one_dealer_only(warehouse, tmp_path):
    [path] = write_writeoff_report(warehouse, MARCH, "D0002", "xlsx", tmp_path)
    assert path.name == "writeoff_2026-03_D0002.xlsx"
    headers, rows, total = sheet_rows(openpyxl.load_workbook(path)["detail"])
    assert {r[headers.index("经销商编号 Dealer ID")] for r in rows} == {"D0002"}
    assert dec(total[headers.index("申请金额 Claimed (CNY)")]) == Decimal("100000000.02")


def test_a_month_without_claims_is_an_empty_report_with_a_note(warehouse, tmp_path):
    [path] = write_writeoff_report(warehouse, date(2025, 1, 1), None, "xlsx", tmp_path)
    ws = openpyxl.load_workbook(path)["summary"]
    assert "No claims were written off in 2025-01" in ws["A2"].value
    _, rows, total = sheet_rows(ws)
    assert rows == [] and total[0] == "合计 Total" and total[5] == 0 and dec(total[6]) == 0


@pytest.mark.parametrize("month", ["2026-13", "2026/03", "March", date(2026, 3, 5)])
def test_a_malformed_month_is_one_line(warehouse, tmp_path, month):
    with pytest.raises(UserError) as err:
        write_writeoff_report(warehouse, month, None, "xlsx", tmp_path)
    assert "month" in str(err.value) and "\n" not in str(err.value)


def test_an_unknown_dealer_or_format_is_one_line(warehouse, tmp_path):
    with pytest.raises(UserError) as err:
        write_writeoff_report(warehouse, MARCH, "D9999", "xlsx", tmp_path)
    assert "D9999" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(UserError, match="xlsx, csv"):
        write_writeoff_report(warehouse, MARCH, None, "pdf", tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        write_writeoff_report(tmp_path / "nope.duckdb", MARCH, None, "xlsx", tmp_path)
    assert not list(tmp_path.glob("*.xlsx"))


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_reports_get_the_mode_of_any_new_file_so_a_finance_group_can_read_them(warehouse, tmp_path, umask, mode, fmt):
    import os
    import stat

    old = os.umask(umask)
    try:
        paths = write_writeoff_report(warehouse, "2026-03", None, fmt, tmp_path / "out")
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {mode}
