"""审核反馈: the review result sent back to a dealer for every rejected or partially accepted
file, one line per failing value, so the dealer can fix the file and send it again. Always as
CSV (UTF-8 with BOM, so Excel shows the Chinese); also as XLSX when the dealer sent an XLSX
file: a dealer works in the format they send. An XLSX costs ~1.5 ms of CPU, a CSV a tenth of
that; at 2,000 dealers the workbooks for the ~12,000 CSV files with feedback were ~47 of ~270
CPU seconds of the ingestion.

Values a dealer typed go back into a spreadsheet, so they are neutralised first (`safe_cell`):
text that a spreadsheet would run as a formula starts with a quote mark instead.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path

import polars as pl

from pipelines import codes
from pipelines.contracts.spec import KINDS

# A cell starting with one of these is a formula (or DDE payload) to Excel, LibreOffice, WPS.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = "^[=+\\-@\t\r]"


def safe_cell(value: str | None) -> str | None:
    """The text with a leading `'` if a spreadsheet would otherwise execute it."""
    if value and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_expr(expr: pl.Expr) -> pl.Expr:
    """`safe_cell` for a whole polars column."""
    return expr.str.replace(_FORMULA_RE, "'$0")


COLUMNS = {
    "file": "文件 file",
    "row": "行号 row",
    "column": "列 column",
    "value": "值 value",
    "code": "代码 code",
    "reason_zh": "原因",
    "reason_en": "reason",
    "detail": "说明 detail",
}


LINE_SCHEMA = {"source_file": pl.String, "file": pl.String, "row": pl.Int64, "column": pl.String,
               "value": pl.String, "code": pl.String, "reason_zh": pl.String, "reason_en": pl.String,
               "detail": pl.String}


def _column_labels() -> dict[str, str]:
    """`kind/column` -> `qty (数量)`: the column the way the template names it in both languages."""
    return {f"{k.name}/{c.name}": f"{c.name} ({c.alias_zh})" if c.alias_zh else c.name
            for k in KINDS.values() for c in k.columns}


@cache
def _words() -> pl.DataFrame:
    """The words of every file-level and row-level code, keyed by (family, code): a code may
    be both (UNKNOWN_DEALER), and a file's line and a row's line explain it differently."""
    known = [c for c in codes.table() if c.family in ("file", "row")]
    return pl.DataFrame({"family": [c.family for c in known], "code": [c.code for c in known],
                         "reason_zh": [c.zh for c in known], "reason_en": [c.en for c in known]},
                        schema={"family": pl.String, "code": pl.String, "reason_zh": pl.String,
                                "reason_en": pl.String})


def feedback_lines(failures: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
    """All feedback lines of a batch, vectorised (LINE_SCHEMA, ordered by file, row, column).

    failures: source_file, kind, source_row, column, value, code (one per failing value);
    rejected: source_file, code, detail (one line per rejected file)."""
    rows = failures.select(
        "source_file",
        pl.col("source_row").cast(pl.Int64).alias("row"),
        pl.concat_str("kind", pl.lit("/"), "column").replace_strict(_column_labels(), default=None).alias("column"),
        "value", "code", pl.lit(None, dtype=pl.String).alias("detail"),
    )
    files = rejected.select("source_file", pl.lit(None, dtype=pl.Int64).alias("row"),
                            pl.lit(None, dtype=pl.String).alias("column"),
                            pl.lit(None, dtype=pl.String).alias("value"), "code", "detail")
    lines = pl.concat([files, rows]).sort("source_file", "row", "column", nulls_last=True, maintain_order=True)
    family = pl.when(pl.col("row").is_null()).then(pl.lit("file")).otherwise(pl.lit("row")).alias("family")
    lines = lines.with_columns(family).join(_words(), on=["family", "code"], how="left", maintain_order="left")
    unexplained = lines.filter(pl.col("reason_zh").is_null()).select("family", "code").unique()
    if unexplained.height:
        raise ValueError(f"codes without words in {codes.CODES_CSV.name}: {unexplained.rows()}")
    name = pl.col("source_file").str.split("/").list.last()
    return lines.select(
        "source_file", safe_expr(name).alias("file"), "row", "column", safe_expr(pl.col("value")).alias("value"),
        "code", "reason_zh", "reason_en", safe_expr(pl.col("detail")).alias("detail"),
    ).cast(LINE_SCHEMA)


def write_feedback(folder: Path, source_file: str, lines: list[tuple], xlsx: bool) -> list[Path]:
    """Write `<name>.feedback.csv`, and `<name>.feedback.xlsx` if `xlsx` (lines: tuples in
    COLUMNS order, already safe); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", source_file.rsplit("/", 1)[-1]) + ".feedback"
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    titles = list(COLUMNS.values())
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(titles)
        w.writerows(["" if v is None else v for v in line] for line in lines)
    if not xlsx:
        return [csv_path]
    _write_xlsx(xlsx_path, titles, lines)
    return [xlsx_path, csv_path]


def _write_xlsx(path: Path, titles: list[str], lines: list[tuple]) -> None:
    import xlsxwriter

    # strings_to_formulas off and write_string only: nothing typed by a dealer becomes a formula.
    # in_memory: no temporary file per XML part (ten times faster for these small workbooks).
    buf = io.BytesIO()  # built in memory and written in one call: far fewer file operations
    with xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False}) as wb:
        ws = wb.add_worksheet("审核反馈")
        bold = wb.add_format({"bold": True})
        for j, title in enumerate(titles):
            ws.write_string(0, j, title, bold)
        for i, line in enumerate(lines, start=1):
            for j, v in enumerate(line):
                if isinstance(v, int):
                    ws.write_number(i, j, v)
                elif v is not None:
                    ws.write_string(i, j, str(v))
        ws.set_column(0, 0, 45)
        ws.set_column(1, len(titles) - 1, 18)
    path.write_bytes(buf.getvalue())
