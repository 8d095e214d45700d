"""审核反馈 files as a dealer reads them: the summary on top, each problem at the row number the
spreadsheet shows, identified by its values, under the column the dealer wrote, in Chinese
first with English beside it, and nothing a spreadsheet would run."""

import csv
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from pipelines import codes
from pipelines.ingest.feedback import COLUMNS, ROW_HINTS, FileOutcome, file_problem_lines, problem_lines, safe_cell
from tests.landing_builder import xlsx_bytes

ROW_WORDS, FILE_WORDS = codes.wording("row"), codes.wording("file")
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_SALES = {"sale_date": "销售日期", "customer_name": "客户名称", "customer_city_code": "客户城市编码",
            "customer_phone": "客户电话", "sku": "产品编码", "qty": "数量", "unit_price": "单价",
            "batch_no": "批号", "invoice_no": "发票号"}


@pytest.mark.parametrize("value, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("abc", "abc"), ("a=b", "a=b"), ("", ""), (None, None),
])
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def _split(rows: list[list]) -> tuple[dict, list[dict]]:
    """A feedback sheet -> (summary label -> value, the problem table as dicts)."""
    summary, table, header = {}, [], None
    for r in rows:
        cells = ["" if v is None else v for v in r]
        if not any(str(c) for c in cells):
            continue
        if header is None and cells[0] == COLUMNS[0]:
            header = cells
        elif header is None:
            summary[cells[0]] = cells[1]
        else:
            table.append(dict(zip(header, cells)))
    return summary, table


def _read(folder, name, suffix="feedback"):
    """(csv summary, csv table, xlsx summary, xlsx table, xlsx cell types) of a file's feedback."""
    text = (folder / f"{name}.{suffix}.csv").read_text(encoding="utf-8", errors="strict")
    assert text.startswith("\ufeff")  # Excel needs the BOM to show Chinese
    csv_summary, csv_table = _split(list(csv.reader(text[1:].splitlines())))
    xlsx = folder / f"{name}.{suffix}.xlsx"
    if not xlsx.exists():  # a workbook goes back only for a workbook sent
        return csv_summary, csv_table, None, None, None
    ws = load_workbook(xlsx).active
    types = {c.data_type for r in ws.iter_rows() for c in r if c.value is not None}
    return (csv_summary, csv_table, *_split([[c.value for c in r] for r in ws.iter_rows()]), types)


def test_title_row_xlsx_lines_carry_the_sheet_row_the_values_and_the_dealers_column_names(env):
    sale = env.landing.sale
    rows = [sale(), sale(invoice_no="INV2"), sale(qty="1+2", sku="NOPE", invoice_no="INV7", customer_name="客户乙"),
            sale(customer_name="@丙", unit_price="-5")]
    zh_rows = [{ZH_SALES[k]: v for k, v in r.items()} for r in rows]
    p = env.landing.sales("D0001", "202501", zh_rows, fmt="xlsx", headers=list(ZH_SALES.values()),
                          title_rows=["销售流向 2025年1月", "经销商 D0001"])
    summary = env.ingest()
    folder = env.feedback / "D0001"
    assert sorted(summary.feedback_files) == sorted(str(folder / f"{p.name}.feedback.{e}") for e in ("csv", "xlsx"))
    _, csv_table, _, table, types = _read(folder, p.name)
    assert "f" not in types  # no formula cell anywhere
    got = [(t["表格行号 sheet row"], t["数据行号 data row"], t["列 column"], t["填写的值 value as typed"], t["代码 code"])
           for t in table]
    # title rows 1-2, the header on row 3: data row 3 is on spreadsheet row 6
    assert got == [(6, 3, "数量", "1+2", "BAD_NUMBER"), (6, 3, "产品编码", "NOPE", "UNKNOWN_SKU"),
                   (7, 4, "单价", "-5", "PRICE_NOT_POSITIVE")]
    first = table[0]
    assert (first["日期 date"], first["产品 product"], first["客户 customer"], first["单号 document no."]) == \
        ("2025-01-15", "NOPE", "客户乙", "INV7")
    assert (first["原因"], first["reason"]) == ROW_WORDS["BAD_NUMBER"]
    assert table[2]["客户 customer"] == "@丙"  # a workbook shows what was typed, as text
    assert csv_table[2]["客户 customer"] == "'@丙"  # a CSV neutralises it


def test_csv_sheet_row_is_the_data_row_plus_the_header(env):
    sale = env.landing.sale
    p = env.landing.sales("D0001", "202501", [sale(), sale(qty="=1+2"), sale(sale_date="2025-02-01")])
    env.ingest()
    _, table, xlsx_summary, _, _ = _read(env.feedback / "D0001", p.name)
    assert xlsx_summary is None
    assert [(t["表格行号 sheet row"], t["数据行号 data row"], t["列 column"], t["代码 code"]) for t in table] == [
        ("3", "2", "qty", "BAD_NUMBER"), ("4", "3", "sale_date", "DATE_OUTSIDE_PERIOD")]
    neutralised, outside = table
    assert neutralised["填写的值 value as typed"] == "'=1+2" and "公式" in neutralised["说明 what to do"]
    assert "2025-01" in outside["说明 what to do"]


def test_the_summary_says_what_came_in_what_to_send_again_and_by_when(env):
    sale = env.landing.sale
    p = env.landing.sales("D0001", "202501", [sale(), sale(qty="x"), sale(sku="NOPE")])
    env.ingest()
    summary, _, _, _, _ = _read(env.feedback / "D0001", p.name)
    assert summary["审核反馈 Review feedback"] == p.name
    assert summary["结果 Result"] == "部分接收 partially accepted"
    assert (summary["收到行数 Rows received"], summary["已接收 Rows accepted"], summary["被隔离 Rows quarantined"]) == \
        ("3", "1", "2")
    assert "重新提交该月完整的文件" in summary["需重新提交 To send again"]
    # January's sales were due on 5 February; the file came in on the 5th
    assert summary["截止 By"].startswith("2025-02-05")
    assert summary["问题 Problems"].startswith("2 项")


def test_a_fully_accepted_file_gets_a_receipt_unless_turned_off(env):
    p = env.landing.sales("D0001", "202501", [env.landing.sale()], fmt="xlsx")
    summary = env.ingest()
    folder = env.feedback / "D0001"
    assert sorted(summary.feedback_files) == sorted(str(folder / f"{p.name}.receipt.{e}") for e in ("csv", "xlsx"))
    receipt, table, _, _, _ = _read(folder, p.name, "receipt")
    assert receipt["接收回执 Receipt"] == p.name and receipt["结果 Result"] == "已接收 accepted"
    assert receipt["已接收 Rows accepted"] == "1" and table == []
    q = env.landing.sales("D0001", "202502", [env.landing.sale(sale_date="2025-02-03")])
    assert env.ingest(receipts=False).feedback_files == []
    assert not (folder / f"{q.name}.receipt.csv").exists()


def test_every_file_level_problem_is_reported_at_once(env):
    # a bad name (month 13, dealer id of another folder) and missing columns in one file
    data = xlsx_bytes(["销售日期", "数量"], [["2025-01-01", "1"]], title_rows=["标题"])
    p = env.landing.write("dealers/D0001/sales_D0002_202513_20250205T100000.xlsx", data)
    env.ingest()
    summary, table, _, _, _ = _read(env.feedback / "D0001", p.name)
    assert summary["结果 Result"] == "已拒收 rejected"
    codes_ = [t["代码 code"] for t in table]
    assert codes_[0] == "BAD_FILE_NAME" and set(codes_[1:]) == {"MISSING_COLUMNS"}
    name_line = table[0]["说明 what to do"]
    assert "D0002" in name_line and "202513" in name_line  # both name problems
    assert "dealers/D0001/sales_D0001_YYYYMM_" in name_line
    missing = {t["列 column"] for t in table[1:]}
    assert missing == {"客户名称 customer_name", "客户城市编码 customer_city_code", "产品编码 sku", "单价 unit_price"}
    assert {t["表格行号 sheet row"] for t in table[1:]} == {"2"}  # the header is on row 2


def test_bad_file_name_shows_the_expected_name_with_the_dealer_and_the_month(env):
    p = env.landing.write("dealers/D0001/销售2025-03.csv", b"x")
    env.ingest()
    _, table, _, _, _ = _read(env.feedback / "D0001", "_" * 2 + "2025-03.csv")  # non-ASCII becomes _
    [line] = table
    assert line["代码 code"] == "BAD_FILE_NAME" and p.exists()
    for kind in ("sales_D0001_202503_", "inventory_D0001_20250331_", "claims_D0001_"):
        assert f"dealers/D0001/{kind}" in line["说明 what to do"]


def test_a_file_level_code_gets_the_words_of_a_file_level_code(env):
    """UNKNOWN_DEALER is both a file and a row code: a rejected file is explained as a file."""
    assert FILE_WORDS["UNKNOWN_DEALER"] != ROW_WORDS["UNKNOWN_DEALER"]
    p = env.landing.sales("D9999", "202501", [env.landing.sale()])
    env.ingest()
    _, table, _, _, _ = _read(env.feedback / "D9999", p.name)
    assert [(t["代码 code"], t["原因"], t["reason"]) for t in table] == [("UNKNOWN_DEALER", *FILE_WORDS["UNKNOWN_DEALER"])]


def test_bad_name_in_a_dealer_folder_is_reported_to_that_dealer(env):
    env.landing.write("dealers/D0001/=cmd|' -C calc'!A0.csv", b"x")
    env.ingest()
    [f] = [p for p in (env.feedback / "D0001").iterdir() if p.suffix == ".csv"]
    rows = list(csv.reader(f.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][1].startswith("'=")  # the file's name, neutralised
    assert any(len(r) > 8 and r[8] == "BAD_FILE_NAME" for r in rows)


def test_erp_files_get_no_feedback(env):
    env.landing.erp("regions", "20250102", [{"city_code": c, "city_name": n, "province": "p", "region": "r"}
                                            for c, n in (("460100", "海口"), ("110100", "北京"), ("1", ""))])
    summary = env.ingest(receipts=False)
    assert env.submission("regions_20250102.csv")["status"] == "partially_accepted"
    assert summary.feedback_files == [] and not env.feedback.exists()


# ----- the words of every message kind, Chinese first --------------------------------------


def _outcome(**kw) -> FileOutcome:
    base = dict(source_file="dealers/D0001/sales_D0001_202501_20250205T100000.csv", dealer_id="D0001",
                status="rejected", kind="sales", ext="csv", submitted_at=datetime(2025, 2, 5, 10),
                period_start=date(2025, 1, 1))
    return FileOutcome(**{**base, **kw})


@pytest.mark.parametrize("code", list(FILE_WORDS))
def test_every_file_level_code_is_explained_in_chinese_first(code):
    outcome = _outcome(problems=[(code, "an English detail")], missing=("unit_price",), header_row=3)
    [line] = file_problem_lines(outcome)
    zh, en = FILE_WORDS[code]
    assert (line[8], line[9], line[10]) == (code, zh, en)
    hint = line[11]
    assert CJK.match(hint), hint  # starts in Chinese
    assert " / " in hint and not CJK.search(hint.split(" / ", 1)[1].split("dealers/")[0])


@pytest.mark.parametrize("code", list(ROW_WORDS))
def test_every_row_code_is_explained_in_chinese_first(code):
    row = {"data_row": 4, "column": "qty", "value": "x", "code": code, "id_date": "2025-01-02",
           "id_product": "S1", "id_customer": "甲", "id_document": "I1",
           "reason_zh": ROW_WORDS[code][0], "reason_en": ROW_WORDS[code][1]}
    [line] = problem_lines(_outcome(status="partially_accepted", header_row=1), [row])
    assert line[:2] == (5, 4) and line[9:11] == ROW_WORDS[code]
    assert code in ROW_HINTS and CJK.match(line[11]) and " / " in line[11]
