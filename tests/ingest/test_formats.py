"""What dealers really send is accepted: encodings, Chinese headers, XLSX with title rows and
typed cells, every allowed date and number form."""

from datetime import date, datetime
from decimal import Decimal

import pytest

ZH = {"sale_date": "销售日期", "customer_name": "客户名称", "customer_city_code": "客户城市编码",
      "customer_phone": "客户电话", "sku": "产品编码", "qty": "数量", "unit_price": "单价", "batch_no": "批号",
      "invoice_no": "发票号"}


def _zh(row):
    return {ZH[k]: v for k, v in row.items()}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_with_chinese_headers(env, encoding):
    env.landing.sales("D0001", "202501", [_zh(env.landing.sale(customer_name="海口市某某商行"))], encoding=encoding)
    env.ingest()
    assert env.submission("sales_D0001_202501_20250205T100000.csv")["status"] == "accepted"
    assert env.query("SELECT customer_name FROM raw.sales")["customer_name"].to_list() == ["海口市某某商行"]


def test_headers_trimmed_case_insensitive_any_order_extras_ignored(env):
    row = {" QTY ": "3", "备注": "ignored", " Sku": "SKU001", "单价": "100", "sale_date": "2025-01-15",
           "客户名称": "甲", "CUSTOMER_CITY_CODE": "460100"}
    env.landing.sales("D0001", "202501", [row])
    env.ingest()
    got = env.query("SELECT sku, qty, customer_phone FROM raw.sales").rows()
    assert got == [("SKU001", Decimal("3"), None)]


def test_value_forms(env):
    sale = env.landing.sale
    rows = [sale(sale_date="2025-01-07", qty="1,234.50", unit_price=" 99 "),
            sale(sale_date="2025/1/7", qty=" 2 ", unit_price="1,299.00"),
            sale(sale_date="2025年1月7日", qty="3", unit_price="1299.9899999999998")]
    env.landing.sales("D0001", "202501", rows)
    env.ingest()
    got = env.query("SELECT sale_date, qty, unit_price FROM raw.sales ORDER BY source_row").rows()
    d = date(2025, 1, 7)
    assert got == [(d, Decimal("1234.5"), Decimal("99")), (d, Decimal("2"), Decimal("1299")),
                   (d, Decimal("3"), Decimal("1299.99"))]


def test_xlsx_with_title_rows_and_typed_cells(env):
    rows = [
        {"销售日期": datetime(2025, 1, 7), "客户名称": "甲", "客户城市编码": 460100, "客户电话": 13800000000,
         "产品编码": "SKU001", "数量": 2, "单价": 1299.9899999999998, "批号": 20250101, "发票号": None},
        {"销售日期": "2025年1月8日", "客户名称": "乙", "客户城市编码": "460100", "客户电话": None,
         "产品编码": "SKU002", "数量": "1,234.50", "单价": "1,299.00", "批号": "B1", "发票号": "INV"},
    ]
    env.landing.sales("D0001", "202501", rows, fmt="xlsx", title_rows=["2025年1月销售流向", "经销商：D0001"])
    env.ingest()
    assert env.submission("sales_D0001_202501_20250205T100000.xlsx")["status"] == "accepted"
    got = env.query("SELECT sale_date, customer_city_code, customer_phone, qty, unit_price, batch_no, source_row "
                    "FROM raw.sales ORDER BY source_row").rows()
    assert got == [
        (date(2025, 1, 7), "460100", "13800000000", Decimal("2"), Decimal("1299.99"), "20250101", 1),
        (date(2025, 1, 8), "460100", None, Decimal("1234.5"), Decimal("1299"), "B1", 2),
    ]


def test_xlsx_row_numbers_count_from_the_row_after_the_header(env):
    sale = env.landing.sale
    env.landing.sales("D0001", "202501", [sale(), sale(qty="x")], fmt="xlsx", title_rows=["标题"])
    env.ingest()
    assert env.quarantine("sales_D0001_202501_20250205T100000.xlsx") == {2: "BAD_NUMBER"}
