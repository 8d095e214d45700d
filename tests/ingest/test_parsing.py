"""Pure parsing pieces: value forms, Excel cells, encodings, header search."""

from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest

from tests.landing_builder import xlsx_bytes
from pipelines.contracts.spec import KINDS
from pipelines.ingest.normalise import parse_date, parse_integer, parse_number, trimmed
from pipelines.ingest.read import Rejected, cell_text, decode_text, read_file, stack


def _apply(fn, values):
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(fn(trimmed("v"))).to_series().to_list()


@pytest.mark.parametrize("text, expected", [
    ("2025-03-07", date(2025, 3, 7)), ("2025/3/7", date(2025, 3, 7)), ("2025年3月7日", date(2025, 3, 7)),
    (" 2025-03-07 ", date(2025, 3, 7)), ("2025/03/07", date(2025, 3, 7)),
    ("2025-02-30", None), ("20250307", None), ("07/03/2025", None), ("2025-3/7", None),
    ("２０２５-03-07", None), ("2025-03-07 10:00:00", None), ("abc", None),
])
def test_date_forms(text, expected):
    assert _apply(parse_date, [text]) == [expected]


@pytest.mark.parametrize("text, expected", [
    ("1234.5", Decimal("1234.5")), ("1,234.50", Decimal("1234.5")), (" 12 ", Decimal("12")),
    ("-3", Decimal("-3")), ("1299.9899999999998", Decimal("1299.99")), ("1,299.00", Decimal("1299")),
    ("1,23", None), ("1e5", None), ("abc", None), ("１２", None), ("¥12", None),
    ("123456789012345", None),  # beyond DECIMAL(18,4)
])
def test_number_forms(text, expected):
    assert _apply(parse_number, [text]) == [expected]


@pytest.mark.parametrize("text, expected", [("3", 3), ("3.0", 3), ("1,000", 1000), ("3.5", None), ("x", None)])
def test_integer_forms(text, expected):
    assert _apply(parse_integer, [text]) == [expected]


@pytest.mark.parametrize("value, text", [
    (460100, "460100"), (460100.0, "460100"), (1299.9899999999998, "1299.99"), (0.1 + 0.2, "0.3"),
    (datetime(2025, 3, 7), "2025-03-07"), (date(2025, 3, 7), "2025-03-07"),
    (datetime(2025, 3, 7, 14, 30), "2025-03-07 14:30:00"), ("  x ", "  x "), (None, None), (True, "TRUE"),
])
def test_excel_cells_become_the_text_a_dealer_sees(value, text):
    assert cell_text(value) == text


def test_encodings_are_detected():
    text = "销售日期,数量\n2025-03-07,1\n"
    assert decode_text(text.encode("utf-8")) == text.encode("utf-8")
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == text.encode("utf-8")
    assert decode_text(text.encode("gbk")) == text.encode("utf-8")
    assert decode_text(text.encode("gb18030")) == text.encode("utf-8")
    with pytest.raises(Rejected, match="UNREADABLE"):
        decode_text(b"\x00\x01binary")


# In GBK these five characters are bytes that look like three Chinese characters of UTF-8
# (e6a1bd e9b6a1 e6a4b2) but are no UTF-8 line: a decoy for the mixed-encoding check.
DECOY = "妗介丁妞不"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_a_gbk_file_is_mixed_only_when_a_whole_line_is_utf8(ending):
    gbk = ending.join([f"客户{i},{DECOY},{i}" for i in range(50)]).encode("gbk") + ending.encode()
    assert decode_text(gbk) == gbk.decode("gbk").encode("utf-8")  # the decoys are no UTF-8 line
    utf8_line = "上海华东商贸有限公司,3".encode("utf-8") + ending.encode()
    for at in (0, len(gbk) // 2, len(gbk)):
        cut = gbk.rfind(ending.encode(), 0, at) + len(ending) if at else 0
        with pytest.raises(Rejected, match="mixes encodings"):
            decode_text(gbk[:cut] + utf8_line + gbk[cut:])
    # UTF-8 bytes inside a GBK line make no UTF-8 line of it: the line is read as GBK
    inside = gbk[:10] + "华东".encode("utf-8") + gbk[10:]
    assert decode_text(inside) == inside.decode("gb18030").encode("utf-8")


def test_header_is_the_first_row_holding_every_required_column():
    kind = KINDS["inventory"]
    # A title row that mentions one required column must not be taken for the header.
    data = xlsx_bytes(["产品编码", "库存数量", "备注"], [["SKU001", 5, "x"]], title_rows=["库存报表", "产品编码"])
    res = read_file(data, "xlsx", kind)
    assert res.code is None
    assert res.frame.select("sku", "qty_on_hand").rows() == [("SKU001", "5")]


def test_missing_columns_names_them():
    res = read_file("sku,batch_no\nS,1\n".encode(), "csv", KINDS["inventory"])
    assert (res.code, res.detail) == ("MISSING_COLUMNS", "missing required columns: qty_on_hand")


def test_blank_rows_are_not_data_rows_but_keep_numbering():
    kind = KINDS["inventory"]
    files = [b"sku,qty_on_hand\nA,1\n,\n\nB,2\n", b"qty_on_hand,sku,note\n3,C,\n ,, \n", b"sku,qty_on_hand\n,\n"]
    raw, counts = stack([read_file(f, "csv", kind).frame for f in files], kind)
    assert raw.select("_fid", "_pos", "sku", "qty_on_hand", "batch_no").rows() == [
        (0, 1, "A", "1", None), (0, 4, "B", "2", None), (1, 1, "C", "3", None)]
    assert counts.tolist() == [2, 1, 0]
