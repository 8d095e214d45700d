"""How files look on disk: the dealers' format habits (profiles) and the rendering of a table
into CSV bytes (UTF-8, UTF-8 with BOM, GBK) or an XLSX workbook.

Values arrive typed, the same way for every profile: a date is its ordinal (`date.toordinal`),
a money amount is an int in fen (cents), a quantity an int, a code or text a str. A str in a
date or number column is passed through verbatim: that is how deliberately bad values (a
`BAD_DATE`, a `BAD_NUMBER`) reach the file untouched. `None` is an empty cell.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from pipelines.contracts.spec import KINDS, Column, ValueType

# Columns holding money (fen ints); other NUMBER columns hold plain quantities.
MONEY_COLUMNS = frozenset({"unit_price", "amount", "price", "credit_limit", "budget", "unit_cost"})
# A fixed creation time keeps XLSX bytes identical across runs (xlsxwriter stamps "now").
XLSX_CREATED = datetime(2024, 1, 1, 9, 0, 0)

EXTRA_HEADERS_EN = {"备注": "remark", "业务员": "salesman", "门店编号": "store_code"}


@dataclass(frozen=True)
class Profile:
    """A dealer's format habit, kept across all its files."""

    name: str
    ext: str  # "csv" or "xlsx"
    encoding: str  # CSV: "utf-8", "utf-8-sig" or "gbk"
    headers: str  # "en", "zh" or "en_mixed" (odd case and padding)
    dates: str  # "iso" 2025-03-07, "slash" 2025/3/7, "zh" 2025年3月7日, "excel" native
    numbers: str  # "plain", "thousands" ("1,299.00" quoted) or "spaced" (" 2 ")
    newline: str = "\n"
    batch: bool = True  # reports batch_no
    phone: bool = False  # reports customer_phone
    extras: tuple[str, ...] = ()  # extra columns the pipeline must ignore
    shuffle: bool = False  # columns in a dealer-specific order
    title_rows: int = 0  # XLSX: rows above the header
    numeric_city: bool = False  # XLSX: city code in a number cell
    weight: float = 1.0  # share of dealers with this habit


ERP_PROFILE = Profile("erp", "csv", "utf-8", "en", "iso", "plain")

PROFILES: tuple[Profile, ...] = (
    Profile("portal_csv", "csv", "utf-8", "en", "iso", "plain", phone=True, weight=0.34),
    Profile("bom_zh", "csv", "utf-8-sig", "zh", "iso", "plain", weight=0.15),
    Profile("gbk_slash", "csv", "gbk", "zh", "slash", "thousands", "\r\n", weight=0.15),
    Profile("gbk_zh_nobatch", "csv", "gbk", "zh", "zh", "plain", "\r\n", batch=False, weight=0.08),
    Profile("shuffled_extra", "csv", "utf-8", "en_mixed", "iso", "plain", phone=True,
            extras=("备注", "业务员"), shuffle=True, weight=0.12),
    Profile("bom_spaced", "csv", "utf-8-sig", "en", "slash", "spaced", "\r\n", weight=0.08),
    Profile("xlsx_title", "xlsx", "", "zh", "excel", "plain", title_rows=2, numeric_city=True,
            extras=("备注",), weight=0.05),
    Profile("xlsx_text", "xlsx", "", "en", "zh", "thousands", title_rows=1, numeric_city=True,
            shuffle=True, weight=0.03),
)


def header_text(column: str, profile: Profile) -> str:
    col = _column(column)
    if col is None:  # an extra column
        return column if profile.headers == "zh" else EXTRA_HEADERS_EN[column]
    if profile.headers == "zh" and col.alias_zh:
        return col.alias_zh
    if profile.headers == "en_mixed":
        return f" {column.replace('_', ' ').title().replace(' ', '_')} " if "_" in column else column.upper()
    return column


_COLUMNS: dict[str, Column] = {}
for _kind in KINDS.values():
    for _c in _kind.columns:
        _COLUMNS.setdefault(_c.name, _c)


def _column(name: str) -> Column | None:
    return _COLUMNS.get(name)


def layout(kind: str, profile: Profile, rng: random.Random | None) -> tuple[str, ...]:
    """The columns (canonical names and extras) a dealer writes for a kind, in its order."""
    cols = [
        c.name
        for c in KINDS[kind].columns
        if c.required
        or (c.name == "batch_no" and profile.batch)
        or (c.name == "customer_phone" and profile.phone)
        or c.name in ("invoice_no", "description")
    ]
    if kind == "sales":
        cols += list(profile.extras)
    if profile.shuffle and rng is not None:
        rng.shuffle(cols)
    return tuple(cols)


# --- text formatting ---------------------------------------------------------------------


class _DateText(dict):
    def __init__(self, style: str):
        super().__init__()
        self.style = style

    def __missing__(self, ordinal: int) -> str:
        d = date.fromordinal(ordinal)
        if self.style == "slash":
            text = f"{d.year}/{d.month}/{d.day}"
        elif self.style == "zh":
            text = f"{d.year}年{d.month}月{d.day}日"
        else:
            text = d.isoformat()
        self[ordinal] = text
        return text


_DATE_TEXT = {s: _DateText(s) for s in ("iso", "slash", "zh")}


def money_text(fen: int, style: str = "plain") -> str:
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    if style == "thousands" and fen >= 100_000:
        return f'"{sign}{fen // 100:,}.{fen % 100:02d}"'
    text = f"{sign}{fen // 100}.{fen % 100:02d}"
    return f" {text} " if style == "spaced" else text


def format_column(name: str, values: list, profile: Profile) -> list[str]:
    """CSV text of one column; str values (codes, text, deliberately bad values) pass through."""
    col = _column(name)
    vtype = col.type if col else ValueType.TEXT
    if vtype is ValueType.DATE:
        table = _DATE_TEXT["iso" if profile.dates == "excel" else profile.dates]
        return [table[v] if type(v) is int else ("" if v is None else v) for v in values]
    if vtype is ValueType.NUMBER and name in MONEY_COLUMNS:
        style = profile.numbers
        return [money_text(v, style) if type(v) is int else ("" if v is None else v) for v in values]
    if vtype in (ValueType.NUMBER, ValueType.INTEGER):
        if profile.numbers == "spaced":
            return [f" {v} " if type(v) is int else ("" if v is None else v) for v in values]
        return [str(v) if type(v) is int else ("" if v is None else v) for v in values]
    return ["" if v is None else v for v in values]


def csv_bytes(columns: tuple[str, ...], data: dict[str, list], profile: Profile,
              header: tuple[str, ...] | None = None) -> bytes:
    """A CSV file: header row plus one line per row. Only thousands-formatted numbers carry
    commas (and come quoted); the generator's text pools hold none, so no other quoting."""
    head = header or tuple(header_text(c, profile) for c in columns)
    cols = [format_column(c, data[c], profile) for c in columns]
    lines = [",".join(head)]
    lines.extend(map(",".join, zip(*cols)))
    text = profile.newline.join(lines) + profile.newline
    return text.encode(profile.encoding)


def write_xlsx(path: Path, columns: tuple[str, ...], data: dict[str, list], profile: Profile,
               title: str) -> None:
    """An XLSX workbook: title rows, the header, then the rows, typed as the profile has it."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": XLSX_CREATED, "author": "dealer portal export"})
    ws = wb.add_worksheet("Sheet1")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    row = 0
    if profile.title_rows:
        ws.write_string(0, 0, title)
        row = profile.title_rows
    for j, c in enumerate(columns):
        ws.write_string(row, j, header_text(c, profile))
    kinds = [(_column(c).type if _column(c) else ValueType.TEXT) for c in columns]
    n = len(data[columns[0]]) if columns else 0
    for i in range(n):
        r = row + 1 + i
        for j, c in enumerate(columns):
            v = data[c][i]
            if v is None:
                continue
            vt = kinds[j]
            if type(v) is str:
                if c == "customer_city_code" and profile.numeric_city and v.isdigit():
                    ws.write_number(r, j, int(v))
                else:
                    ws.write_string(r, j, v)
            elif vt is ValueType.DATE:
                if profile.dates == "excel":
                    d = date.fromordinal(v)
                    ws.write_datetime(r, j, datetime(d.year, d.month, d.day), date_fmt)
                else:
                    ws.write_string(r, j, _DATE_TEXT[profile.dates][v])
            elif c in MONEY_COLUMNS:
                if profile.numbers == "thousands":
                    ws.write_string(r, j, money_text(v, "thousands").strip('"'))
                else:
                    ws.write_number(r, j, v / 100)
            else:
                ws.write_number(r, j, v)
    wb.close()
