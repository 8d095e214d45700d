"""审核反馈 files: what failed, where, in both languages, and nothing a spreadsheet would run."""

import csv

import pytest
from openpyxl import load_workbook

from pipelines import codes
from pipelines.ingest.feedback import safe_cell
from tests.landing_builder import xlsx_bytes

ROW_WORDS, FILE_WORDS = codes.wording("row"), codes.wording("file")


@pytest.mark.parametrize("value, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("abc", "abc"), ("a=b", "a=b"), ("", ""), (None, None),
])
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def _read(env, name):
    folder = env.feedback / "D0001"
    with open(folder / f"{name}.feedback.csv", encoding="utf-8", newline="") as fh:
        text = fh.read()
    assert text.startswith("\ufeff")  # Excel needs the BOM to show Chinese
    csv_rows = list(csv.reader(text[1:].splitlines()))
    xlsx = folder / f"{name}.feedback.xlsx"
    if not xlsx.exists():  # a workbook goes back only for a workbook sent
        return csv_rows, None, None
    ws = load_workbook(xlsx).active
    xlsx_rows = [[c.value for c in r] for r in ws.iter_rows()]
    types = {c.data_type for r in ws.iter_rows(min_row=2) for c in r if c.value is not None}
    return csv_rows, xlsx_rows, types


# In a workbook "=1+2" would be a formula cell, not text a dealer typed.
@pytest.mark.parametrize("fmt, qty, qty_back", [("csv", "=1+2", "'=1+2"), ("xlsx", "1+2", "1+2")])
def test_partially_accepted_file_gets_row_column_value_reason(env, fmt, qty, qty_back):
    sale = env.landing.sale
    p = env.landing.sales("D0001", "202501", [sale(), sale(qty=qty, sku="NOPE"), sale(customer_name="@x", unit_price="-5")],
                          fmt=fmt)
    summary = env.ingest()
    csv_rows, xlsx_rows, types = _read(env, p.name)
    assert sorted(summary.feedback_files) == sorted(
        str(env.feedback / "D0001" / f"{p.name}.feedback.{ext}") for ext in {"csv", fmt})
    assert csv_rows[0] == ["文件 file", "行号 row", "列 column", "值 value", "代码 code", "原因", "reason", "说明 detail"]
    body = [r[:7] for r in csv_rows[1:]]
    assert body == [
        [p.name, "2", "qty (数量)", qty_back, "BAD_NUMBER", *ROW_WORDS["BAD_NUMBER"]],
        [p.name, "2", "sku (产品编码)", "NOPE", "UNKNOWN_SKU", *ROW_WORDS["UNKNOWN_SKU"]],
        [p.name, "3", "unit_price (单价)", "'-5", "PRICE_NOT_POSITIVE", *ROW_WORDS["PRICE_NOT_POSITIVE"]],
    ]
    if fmt == "csv":
        assert xlsx_rows is None
    else:
        assert [[str(v) if v is not None else "" for v in r[:7]] for r in xlsx_rows[1:]] == body
        assert "f" not in types  # no formula cell anywhere


def test_rejected_file_gets_one_line_with_the_file_reason(env):
    p = env.landing.write("dealers/D0001/sales_D0001_202501_20250205T100000.xlsx",
                          xlsx_bytes(["销售日期", "数量"], [["2025-01-01", "1"]]))
    env.ingest()
    csv_rows, xlsx_rows, _ = _read(env, p.name)
    assert len(csv_rows) == 2
    line = dict(zip(csv_rows[0], csv_rows[1]))
    assert line["代码 code"] == "MISSING_COLUMNS"
    assert (line["原因"], line["reason"]) == FILE_WORDS["MISSING_COLUMNS"]
    assert "customer_name" in line["说明 detail"] and line["行号 row"] == ""
    assert xlsx_rows[1][4] == "MISSING_COLUMNS"


def test_a_file_level_code_gets_the_words_of_a_file_level_code(env):
    """UNKNOWN_DEALER is both a file and a row code: a rejected file is explained as a file."""
    assert FILE_WORDS["UNKNOWN_DEALER"] != ROW_WORDS["UNKNOWN_DEALER"]
    p = env.landing.sales("D9999", "202501", [env.landing.sale()])
    env.ingest()
    [f] = [p for p in (env.feedback / "D9999").iterdir() if p.suffix == ".csv"]
    rows = list(csv.reader(f.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[4:7] for r in rows[1:]] == [["UNKNOWN_DEALER", *FILE_WORDS["UNKNOWN_DEALER"]]]
    assert rows[1][0] == p.name


def test_bad_name_in_a_dealer_folder_is_reported_to_that_dealer(env):
    env.landing.write("dealers/D0001/=cmd|' -C calc'!A0.csv", b"x")
    env.ingest()
    [f] = [p for p in (env.feedback / "D0001").iterdir() if p.suffix == ".csv"]
    rows = list(csv.reader(f.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][0].startswith("'=") and rows[1][4] == "BAD_FILE_NAME"


def test_accepted_files_and_erp_files_get_no_feedback(env):
    env.landing.sales("D0001", "202501", [env.landing.sale()])
    env.landing.erp("regions", "20250102", [{"city_code": c, "city_name": n, "province": "p", "region": "r"}
                                            for c, n in (("460100", "海口"), ("110100", "北京"), ("1", ""))])
    summary = env.ingest()
    assert env.submission("regions_20250102.csv")["status"] == "partially_accepted"
    assert summary.feedback_files == [] and not env.feedback.exists()
