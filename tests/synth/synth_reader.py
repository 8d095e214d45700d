"""An independent reader of generated landing folders, written from the input contract
(docs and `pipelines.contracts.spec`), not from the generator: it decodes GBK with Python's
codec, reads XLSX with openpyxl, parses the three date forms and thousands separators itself,
and re-derives every row's reason codes."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl

from pipelines.contracts.spec import KINDS, QTY_RULES, ROW_CODE_ORDER, ValueType


def read_truth(landing: Path, name: str) -> list[dict]:
    with open(landing.parent / "truth" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- reading files ----------------------------------------------------------------------


class Unreadable(Exception):
    pass


@dataclass
class Table:
    columns: list[str]  # canonical names found (extras dropped)
    rows: list[dict[str, str]]  # canonical column -> raw text
    raw_rows: list[tuple]  # every cell of the row as read (for DUPLICATE_ROW)


def decode(data: bytes) -> str:
    for codec in ("utf-8-sig", "gbk", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise Unreadable("no codec")


def cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def grid(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
            raise Unreadable(str(e)) from e
        ws = wb.worksheets[0]
        out = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        return out
    text = decode(data)
    return [row for row in csv.reader(io.StringIO(text))]


def read_table(path: Path, kind: str) -> Table:
    """Raises Unreadable, or returns the table; missing columns show as absent names."""
    spec = KINDS[kind]
    aliases = spec.header_aliases()
    cells = grid(path)
    header_at = 0
    for i, row in enumerate(cells[:10]):
        names = {aliases.get(c.strip().lower()) for c in row}
        if set(spec.required) <= names:
            header_at = i
            break
    header = [aliases.get(c.strip().lower()) for c in cells[header_at]] if cells else []
    body = cells[header_at + 1:]
    rows = [{h: (row[j] if j < len(row) else "") for j, h in enumerate(header) if h} for row in body]
    return Table([h for h in header if h], rows, [tuple(r) for r in body])


DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


def parse_date(text: str) -> date | None:
    t = text.strip()
    for form in DATE_FORMS:
        m = form.fullmatch(t)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def parse_number(text: str) -> Decimal | None:
    t = text.strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", t):
        return None
    try:
        return Decimal(t)
    except InvalidOperation:
        return None


@dataclass
class Reference:
    skus: set[str]
    cities: set[str]
    dealers: set[str]


def newest_snapshot(landing: Path, kind: str, status_of: dict[str, str]) -> Table:
    files = sorted(p for p in (landing / "erp").glob(f"{kind}_*.csv")
                   if status_of.get(f"erp/{p.name}") == "accepted")
    assert len(files) == 1, (kind, files)
    return read_table(files[0], kind)


def reference(landing: Path, status_of: dict[str, str]) -> Reference:
    return Reference(
        {r["sku"].strip() for r in newest_snapshot(landing, "products", status_of).rows},
        {r["city_code"].strip() for r in newest_snapshot(landing, "regions", status_of).rows},
        {r["dealer_id"].strip() for r in newest_snapshot(landing, "dealers", status_of).rows},
    )


def row_codes(kind: str, row: dict[str, str], ref: Reference, month: date | None) -> tuple[str, ...]:
    """The reason codes the contract gives one row."""
    spec = KINDS[kind]
    codes: set[str] = set()
    values: dict[str, object] = {}
    for col in spec.columns:
        text = row.get(col.name, "").strip()
        if not text:
            if col.required:
                codes.add("MISSING_VALUE")
            continue
        if col.type is ValueType.DATE:
            v = parse_date(text)
            codes.add("BAD_DATE") if v is None else values.__setitem__(col.name, v)
        elif col.type in (ValueType.NUMBER, ValueType.INTEGER):
            v = parse_number(text)
            codes.add("BAD_NUMBER") if v is None else values.__setitem__(col.name, v)
        else:
            values[col.name] = text
    if kind in QTY_RULES:
        col, rule = QTY_RULES[kind]
        q = values.get(col)
        if q is not None and not {">0": q > 0, ">=0": q >= 0, "!=0": q != 0}[rule]:
            codes.add("QTY_NOT_POSITIVE")
    for col in ("unit_price", "price"):
        if col in values and col in [c.name for c in spec.columns] and values[col] <= 0:
            codes.add("PRICE_NOT_POSITIVE")
    if kind == "claims" and "amount" in values and values["amount"] <= 0:
        codes.add("AMOUNT_NOT_POSITIVE")
    if kind in ("sales", "inventory", "shipments", "opening_inventory") and "sku" in values \
            and values["sku"] not in ref.skus:
        codes.add("UNKNOWN_SKU")
    if kind == "sales" and "customer_city_code" in values and values["customer_city_code"] not in ref.cities:
        codes.add("UNKNOWN_CITY")
    if kind in ("shipments", "opening_inventory", "territories") and "dealer_id" in values \
            and values["dealer_id"] not in ref.dealers:
        codes.add("UNKNOWN_DEALER")
    # targets and rebate programmes (docs/input_contract.md, "Targets and rebate programmes")
    if kind == "targets":
        if "period" in values and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])", values["period"]):
            codes.add("BAD_DATE")
        if "target_value" in values and values["target_value"] <= 0:
            codes.add("AMOUNT_NOT_POSITIVE")
        if "dealer_id" in values and values["dealer_id"] not in ref.dealers:
            codes.add("UNKNOWN_DEALER")
    if kind == "rebate_programs":
        if "quarter" in values and not re.fullmatch(r"[0-9]{4}-Q[1-4]", values["quarter"]):
            codes.add("BAD_DATE")
        if values.get("min_attainment", 0) < 0 or not 0 <= values.get("rebate_rate", 0) <= 1:
            codes.add("BAD_NUMBER")
    if kind == "shipments" and values.get("ship_date") and values.get("delivery_date") \
            and values["delivery_date"] < values["ship_date"]:
        codes.add("DELIVERY_BEFORE_SHIP")
    if kind == "alert_thresholds" and ("tier" in values and values["tier"] not in ("A", "B", "C", "*") or (
            "low_weeks" in values and "high_weeks" in values
            and not 0 <= values["low_weeks"] < values["high_weeks"])):
        codes.add("BAD_THRESHOLDS")
    if kind == "sales" and month and "sale_date" in values:
        d = values["sale_date"]
        if (d.year, d.month) != (month.year, month.month):
            codes.add("DATE_OUTSIDE_PERIOD")
    return tuple(c for c in ROW_CODE_ORDER if c in codes)


def file_month(name: str) -> date | None:
    m = KINDS["sales"].pattern.fullmatch(name)
    return date(int(m["month"][:4]), int(m["month"][4:]), 1) if m else None


def check_rows(path: Path, kind: str, ref: Reference) -> tuple[int, list[tuple[int, tuple[str, ...]]]]:
    """(rows read, [(source_row, codes)] of rows the contract quarantines)."""
    t = read_table(path, kind)
    month = file_month(path.name) if kind == "sales" else None
    seen: set[tuple] = set()
    out = []
    for i, (row, raw) in enumerate(zip(t.rows, t.raw_rows), 1):
        codes = set(row_codes(kind, row, ref, month))
        if raw in seen:
            codes.add("DUPLICATE_ROW")
        seen.add(raw)
        if codes:
            out.append((i, tuple(c for c in ROW_CODE_ORDER if c in codes)))
    return len(t.rows), out


def kind_of(rel: str) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    for k in KINDS.values():
        if k.pattern.fullmatch(name):
            return k.name
    return None
