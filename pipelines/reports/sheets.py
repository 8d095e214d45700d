"""A report table written the same way to XLSX (one sheet per table) and CSV (one file per
table): headers in Chinese and English, money as numbers with thousands separators and two
decimals, a total row, and every text cell spreadsheet-safe.

Money arrives as Decimal and totals are summed as Decimal: the XLSX cell holds the same
number (a double carries the 15 significant digits of any amount to the cent), the CSV holds
its exact decimal text, so both reconcile with the mart to the cent.
"""

import csv
import os
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipelines.ingest.feedback import safe_cell

TEXT, MONEY, COUNT, DATE, TIMESTAMP = "text", "money", "count", "date", "timestamp"
FRACTION = "fraction"  # a ratio (attainment, a rate): a number shown as a percentage in XLSX
QUANTITY = "quantity"  # units, fractional where a share of a forecast: exact text in CSV
_CENT = Decimal("0.01")
_MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    header: str  # "中文 English"
    kind: str = TEXT
    total: bool = False  # summed on the total row (money and counts)


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it; put back at once
    os.umask(mask)
    return mask


@dataclass
class Table:
    name: str  # sheet name (≤ 31 characters), and the CSV file's suffix
    title: str
    note: str
    columns: Sequence[Column]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    total_label: str = "合计 Total"

    def totals(self) -> tuple[Any, ...]:
        """The total row: the label in the first column, the sums of summed columns."""
        out: list[Any] = [self.total_label]
        for i, col in enumerate(self.columns[1:], start=1):
            if col.total:
                zero = Decimal(0) if col.kind == MONEY else 0
                out.append(sum((r[i] for r in self.rows if r[i] is not None), zero))
            else:
                out.append(None)
        return tuple(out)


def money_text(value: Decimal) -> str:
    """Exact decimal text, at least two decimals: Decimal('12.5000') -> '12.50'."""
    cents = value.quantize(_CENT)
    return str(cents) if cents == value else format(value.normalize(), "f")


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return money_text(Decimal(value))
    if kind in (FRACTION, QUANTITY):
        return format(Decimal(str(value)).normalize(), "f")
    if kind == TIMESTAMP and isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (date, int)):
        return str(value)
    return safe_cell(str(value)) or ""


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def write_csv(path: Path, table: Table) -> Path:
    """Header, rows, total row; UTF-8 with BOM so Excel shows the Chinese."""
    lines = [[c.header for c in table.columns]]
    lines += [[_text(v, c.kind) for v, c in zip(row, table.columns)] for row in [*table.rows, table.totals()]]
    with _replacing(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(lines)
    return path


def write_xlsx(path: Path, tables: Sequence[Table]) -> Path:
    import xlsxwriter

    with _replacing(path) as tmp:
        # strings are never read as formulas or numbers: a dealer's text stays text
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        try:
            fmt = _formats(wb)
            for table in tables:
                _sheet(wb.add_worksheet(table.name), table, fmt)
        finally:
            wb.close()
    return path


HEADER_ROW = 3  # title, note, blank line above the header


def _formats(wb) -> dict[str, Any]:
    base = {"valign": "top"}
    number = {MONEY: "#,##0.00", COUNT: "#,##0", DATE: "yyyy-mm-dd", TIMESTAMP: "yyyy-mm-dd hh:mm:ss",
              FRACTION: "0.00%", QUANTITY: "#,##0.00"}
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "note": wb.add_format({"italic": True, "font_color": "#555555"}),
        "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}),
        TEXT: wb.add_format(base),
        f"total_{TEXT}": wb.add_format(base | {"bold": True, "top": 2}),
    }
    for kind, num in number.items():
        fmt[kind] = wb.add_format(base | {"num_format": num})
        fmt[f"total_{kind}"] = wb.add_format(base | {"num_format": num, "bold": True, "top": 2})
    return fmt


def _sheet(ws, table: Table, fmt: dict[str, Any]) -> None:
    ws.write_string(0, 0, safe_cell(table.title), fmt["title"])
    ws.write_string(1, 0, safe_cell(table.note), fmt["note"])
    widths = [_width(c.header) // 2 + 2 for c in table.columns]
    for j, col in enumerate(table.columns):
        ws.write_string(HEADER_ROW, j, col.header, fmt["header"])
    body = [(row, "") for row in table.rows] + [(table.totals(), "total_")]
    for i, (row, style) in enumerate(body, start=HEADER_ROW + 1):
        for j, (value, col) in enumerate(zip(row, table.columns)):
            cell_fmt = fmt[style + col.kind]
            if value is None or value == "":
                ws.write_blank(i, j, None, cell_fmt)
            elif col.kind in (MONEY, COUNT, FRACTION, QUANTITY):
                ws.write_number(i, j, float(value), cell_fmt)
            elif col.kind in (DATE, TIMESTAMP) and isinstance(value, date):
                ws.write_datetime(i, j, value if isinstance(value, datetime) else datetime(value.year, value.month, value.day), cell_fmt)
            else:
                ws.write_string(i, j, _text(value, col.kind), cell_fmt)
            widths[j] = max(widths[j], _width(_text(value, col.kind)) + 2)
    for j, w in enumerate(widths):
        ws.set_column(j, j, min(w, _MAX_WIDTH))
    ws.set_row(HEADER_ROW, 32)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(table.rows), len(table.columns) - 1)


class _replacing:
    """A temporary file beside `path`, moved over it on success: a reader never sees a
    half-written report, and a failed run leaves the previous one."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            # mkstemp makes the file private (0600); a report is for a shared finance folder,
            # so it gets the mode any new file gets here (0666 less the umask)
            os.chmod(self.tmp, 0o666 & ~_umask())
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)
