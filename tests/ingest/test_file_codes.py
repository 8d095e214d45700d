"""Every file-level code, each from a small file built in the test; the rest of the night loads."""

import io
import zipfile

import pytest

from tests.landing_builder import csv_bytes, xlsx_bytes


@pytest.mark.parametrize("relpath, fragment", [
    ("dealers/D0001/sales_D0001_202501.csv", "does not match"),
    ("dealers/D0001/sales_D0002_202501_20250205T100000.csv", "differs from the folder"),
    ("dealers/D0001/sales_D0001_202513_20250205T100000.csv", "not a real month"),
    ("dealers/D0001/inventory_D0001_20250230_20250205T100000.csv", "not a real date"),
    ("dealers/D0001/claims_D0001_20250205T250000.csv", "not a real date and time"),
    ("dealers/D0001/sales_D0001_202501_20250205T100000.txt", "does not match"),
    ("dealers/D0001/sales_D0001_202501_20250205T100000.CSV", "does not match"),
    ("dealers/D0001/.sales_D0001_202501_20250205T100000.csv", "hidden"),
    ("dealers/.D0001/sales_D0001_202501_20250205T100000.csv", "hidden"),
    (".uploads/sales_D0001_202501_20250205T100000.csv", "hidden"),
    ("dealers/D0001/sales_D0001_２０２５01_20250205T100000.csv", "characters outside"),
    ("dealers/D0001/sales_D0001_202501_20250205T100000..csv", "does not match"),
    ("dealers/sales_D0001_202501_20250205T100000.csv", "wrong folder"),
    ("dealers/D0001/sub/sales_D0001_202501_20250205T100000.csv", "wrong folder"),
    ("erp/sales_D0001_202501_20250205T100000.csv", "not an ERP extract"),
    ("erp/regions_20250101.xlsx", "not an ERP extract"),
    ("erp/regions_20250132.csv", "not a real date"),
    ("regions_20250101.csv", "wrong folder"),
    ("dealers/D0001/regions_20250101.csv", "does not match"),
    ("notes.txt", "not in erp/"),
])
def test_bad_file_name(env, relpath, fragment):
    env.landing.write(relpath, csv_bytes(["sale_date"], [["2025-01-15"]]))
    summary = env.ingest()
    row = env.query("SELECT * FROM raw.submissions WHERE reason_code = 'BAD_FILE_NAME'").to_dicts()
    assert [(r["source_file"], r["status"]) for r in row] == [(relpath, "rejected")]
    assert fragment in row[0]["reason_detail"]
    assert row[0]["content_hash"] is not None
    assert summary.by_status["accepted"] == 8  # the ERP set still loads


def test_unknown_dealer_file_is_rejected(env):
    env.landing.sales("D0099", "202501", [env.landing.sale()])
    env.ingest()
    s = env.submission("sales_D0099_202501_20250205T100000.csv")
    assert (s["status"], s["reason_code"], s["dealer_id"]) == ("rejected", "UNKNOWN_DEALER", "D0099")
    assert env.query("SELECT count(*) n FROM raw.sales")["n"][0] == 0


def test_unknown_dealer_comes_before_reading_problems(env):
    env.landing.write("dealers/D0099/inventory_D0099_20250131_20250205T100000.csv", b"")
    env.ingest()
    assert env.submission("inventory_D0099_20250131_20250205T100000.csv")["reason_code"] == "UNKNOWN_DEALER"


def test_missing_landing_folder_is_a_user_error(tmp_path):
    from pipelines.core.errors import UserError
    from pipelines.ingest import run_ingestion

    with pytest.raises(UserError, match="does not exist"):
        run_ingestion(tmp_path / "nowhere", tmp_path / "w.duckdb", tmp_path / "fb")


def test_dealer_in_newer_snapshot_only_is_known_in_the_same_batch(env):
    # The February dealers snapshot adds D0003; its file of January is judged against it.
    env.landing.erp("dealers", "20250201", [
        {"dealer_id": d, "dealer_name": "x", "tier": "A", "region": "South", "province": "海南",
         "city_code": "460100", "credit_limit": "1", "status": "active", "contract_start": "2024-01-01",
         "contract_end": "2026-12-31"} for d in ("D0001", "D0003")])
    env.landing.sales("D0003", "202501", [env.landing.sale(customer_name="丙")])
    env.landing.sales("D0002", "202501", [env.landing.sale(customer_name="乙")])
    env.ingest()
    assert env.submission("sales_D0003_202501_20250205T100000.csv")["status"] == "accepted"
    assert env.submission("sales_D0002_202501_20250205T100000.csv")["reason_code"] == "UNKNOWN_DEALER"


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (600 << 20))
    return buf.getvalue()


@pytest.mark.parametrize("ext, data, fragment", [
    ("csv", bytes(range(256)) * 40, "binary content"),
    ("csv", "产品编码,库存数量\n".encode("utf-8") + b"\xff\xfe\xfa\xfb" * 3, "neither UTF-8 nor GBK"),
    ("csv", b"sku,qty_on_hand\nA,1,extra,fields\n", "cannot be parsed"),
    ("csv", b"sku,qty_on_hand\nA," + b"9" * (70 << 10) + b"\n", "longer than 64 KiB"),
    ("xlsx", b"PK\x03\x04 this is not really a zip", "not an XLSX"),
    ("xlsx", xlsx_bytes(["sku", "qty_on_hand"], [["A", 1]])[:300], "not an XLSX"),
    ("xlsx", b"<html>an exported web page</html>", "not an XLSX"),
])
def test_unreadable(env, ext, data, fragment):
    env.landing.write(f"dealers/D0001/inventory_D0001_20250131_20250205T100000.{ext}", data)
    env.ingest()
    s = env.submission(f"inventory_D0001_20250131_20250205T100000.{ext}")
    assert (s["status"], s["reason_code"], s["rows_read"]) == ("rejected", "UNREADABLE", 0)
    assert fragment in s["reason_detail"]


def test_zip_bomb_is_refused_before_parsing(env, monkeypatch):
    import openpyxl

    def never(*a, **k):
        raise AssertionError("openpyxl must not open a compression bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    env.landing.write("dealers/D0001/inventory_D0001_20250131_20250205T100000.xlsx", _zip_bomb())
    env.ingest()
    s = env.submission("inventory_D0001_20250131_20250205T100000.xlsx")
    assert s["reason_code"] == "UNREADABLE" and "bomb" in s["reason_detail"]


def test_corrupt_member_inside_a_valid_zip_is_unreadable(env):
    good = xlsx_bytes(["sku", "qty_on_hand"], [["SKU001", 1]])
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            payload = src.read(info)
            z.writestr(info, payload[: len(payload) // 2] if "sheet1" in info.filename else payload)
    env.landing.write("dealers/D0001/inventory_D0001_20250131_20250205T100000.xlsx", buf.getvalue())
    env.ingest()
    assert env.submission("inventory_D0001_20250131_20250205T100000.xlsx")["reason_code"] == "UNREADABLE"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_columns_names_the_missing_ones(env, fmt):
    env.landing.sales("D0001", "202501", [{"销售日期": "2025-01-15", "客户名称": "x", "产品编码": "SKU001"}], fmt=fmt)
    env.ingest()
    s = env.submission(f"sales_D0001_202501_20250205T100000.{fmt}")
    assert (s["status"], s["reason_code"]) == ("rejected", "MISSING_COLUMNS")
    assert s["reason_detail"] == "missing required columns: customer_city_code, qty, unit_price"


@pytest.mark.parametrize("data", [b"", b"sku,qty_on_hand\n", b"sku,qty_on_hand\n,\n\n", "\ufeff产品编码,库存数量\r\n".encode()])
def test_empty_file(env, data):
    env.landing.write("dealers/D0001/inventory_D0001_20250131_20250205T100000.csv", data)
    env.ingest()
    s = env.submission("inventory_D0001_20250131_20250205T100000.csv")
    assert (s["status"], s["reason_code"], s["rows_read"]) == ("rejected", "EMPTY_FILE", 0)


def test_empty_xlsx_with_header_only(env):
    env.landing.write("dealers/D0001/inventory_D0001_20250131_20250205T100000.xlsx",
                      xlsx_bytes(["sku", "qty_on_hand"], [], title_rows=["库存"]))
    env.ingest()
    assert env.submission("inventory_D0001_20250131_20250205T100000.xlsx")["reason_code"] == "EMPTY_FILE"
