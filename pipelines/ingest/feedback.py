"""审核反馈: the review result sent back to a dealer, written so that a dealer who never read
the reporting template can fix the file in one round trip (docs/feedback.md shows one).

Every rejected or partially accepted dealer file gets `<name>.feedback.csv` (UTF-8 with BOM,
so Excel shows the Chinese), and `<name>.feedback.xlsx` as well when the dealer sent an XLSX
file (a dealer works in the format they send). A fully accepted file gets a receipt
(`<name>.receipt.csv`/`.xlsx`) unless the company turns receipts off (DCW_FEEDBACK_RECEIPTS=0).

Each file starts with a summary (rows received, accepted, quarantined; what to send again and
by when), then one line per problem: the row number as the spreadsheet shows it (header and
title rows counted) beside the data-row number, the values that identify the line (date,
product, customer, document number), the column under the header the dealer wrote, the value
as typed, the code, and the reason and a hint in Chinese first with English beside it (the
reasons are the words of the codes seed, pipelines/codes.py). Every file-level problem that
could be determined is listed, not only the first.

Values a dealer typed go back into a spreadsheet. A workbook holds them as string cells, which
no spreadsheet runs, so they show exactly as typed; in a CSV, text a spreadsheet would run as
a formula starts with a quote mark instead (`safe_cell`), and the line says so.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import polars as pl

from pipelines import codes
from pipelines.contracts.spec import KINDS
from pipelines.ingest.discover import VERSION_MARK

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


# The columns of the problem table, Chinese first.
COLUMNS = (
    "表格行号 sheet row",
    "数据行号 data row",
    "日期 date",
    "产品 product",
    "客户 customer",
    "单号 document no.",
    "列 column",
    "填写的值 value as typed",
    "代码 code",
    "原因",
    "reason",
    "说明 what to do",
)
# The values that identify a line to its dealer: (date, product, customer, document number).
IDENTITY: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "sales": ("sale_date", "sku", "customer_name", "invoice_no"),
    "inventory": (None, "sku", None, "batch_no"),
    "claims": ("period_start", "campaign_id", None, "claim_id"),
}
IDENTITY_FIELDS = ("id_date", "id_product", "id_customer", "id_document")

# What to do about each row code, beside the code's own words. A code without a hint (a new
# one) is explained by its words alone.
ROW_HINTS: dict[str, tuple[str, str]] = {
    "MISSING_VALUE": ("请填写该项", "Fill in this value"),
    "BAD_DATE": ("日期请写作 2025-01-31、2025/1/31 或 2025年1月31日",
                 "Write the date as 2025-01-31, 2025/1/31 or 2025年1月31日"),
    "BAD_NUMBER": ("请只填数字，如 12 或 1,234.50（不带单位或文字）",
                   "Write a plain number such as 12 or 1,234.50 (no unit or words)"),
    "QTY_NOT_POSITIVE": ("销售数量须大于0，库存数量不得为负", "Sales quantities are above 0, stock is never negative"),
    "PRICE_NOT_POSITIVE": ("请填写实际成交单价（大于0）", "Give the actual unit price (above 0)"),
    "AMOUNT_NOT_POSITIVE": ("请填写大于0的金额", "Give an amount above 0"),
    "DELIVERY_BEFORE_SHIP": ("到货日期不能早于发货日期；未到货请留空", "The delivery date cannot be before the ship "
                             "date; leave it empty when not delivered yet"),
    "CLAIM_ID_TAKEN": ("该申请单号属于其他经销商：请用本经销商自己的新申请单号重新提交",
                       "The claim ID belongs to another dealer: send the claim again under a new ID of your own"),
    "BAD_THRESHOLDS": ("层级填 A、B、C 或 *，且 0 ≤ 低位周数 < 高位周数", "Tier is A, B, C or *, and 0 <= low_weeks < high_weeks"),
    "UNKNOWN_SKU": ("请使用公司产品目录中的产品编码", "Use the product code of the company's product list"),
    "UNKNOWN_CITY": ("请使用6位城市编码，如 460100", "Use the 6-digit city code, e.g. 460100"),
    "UNKNOWN_DEALER": ("请使用公司经销商名单中的经销商编码", "Use a dealer ID of the company's dealer list"),
    "DATE_OUTSIDE_PERIOD": ("本文件报的是 {period}：请把这一行放进它所属月份的文件",
                            "This file reports {period}: put the line in the file of its own month"),
    "DUPLICATE_ROW": ("与本文件前面的一行完全相同，只保留了第一行；如确为两笔销售，请注明区别（如发票号）",
                      "Identical to an earlier line, of which only the first was kept; if these are "
                      "two sales, tell them apart (e.g. by invoice number)"),
}
_NEUTRALISED = ("值前加了单引号，以免表格软件把它当作公式执行",
                "a ' was put before the value so that no spreadsheet runs it as a formula")


@dataclass
class FileOutcome:
    """What the ingestion made of one dealer file: what its feedback is written from."""

    source_file: str  # landing-relative path
    dealer_id: str
    status: str  # a submission status (accepted, partially_accepted, rejected, ...)
    kind: str | None = None  # None: the name says no kind
    ext: str | None = None
    rows_read: int = 0
    rows_quarantined: int = 0
    submitted_at: datetime | None = None
    period_start: date | None = None
    problems: list[tuple[str, str | None]] = field(default_factory=list)  # file-level (code, detail)
    header_row: int = 1  # the header's row number in the sheet
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as written
    missing: tuple[str, ...] = ()  # required columns the header lacks
    version: int = 1  # the how-manieth read of the file (its bytes changed since the last)

    @property
    def name(self) -> str:
        """The file's name as the dealer landed it (without the version of source_file)."""
        name = self.source_file.rsplit("/", 1)[-1]
        return name.rsplit(VERSION_MARK, 1)[0] if self.version > 1 else name

    @property
    def sent_as_xlsx(self) -> bool:
        return (self.ext or self.name.rsplit(".", 1)[-1].lower()) == "xlsx"


@cache
def _words() -> pl.DataFrame:
    """The words of every row-level code."""
    known = [c for c in codes.table() if c.family == "row"]
    return pl.DataFrame({"code": [c.code for c in known], "reason_zh": [c.zh for c in known],
                         "reason_en": [c.en for c in known]},
                        schema={"code": pl.String, "reason_zh": pl.String, "reason_en": pl.String})


ROW_LINE_SCHEMA = {"source_file": pl.String, "data_row": pl.Int64, "column": pl.String, "value": pl.String,
                   "code": pl.String, **{f: pl.String for f in IDENTITY_FIELDS},
                   "reason_zh": pl.String, "reason_en": pl.String}


def row_lines(failures: pl.DataFrame) -> pl.DataFrame:
    """The row-level lines of a batch with the words of their codes (ROW_LINE_SCHEMA, by file,
    data row, column). failures: source_file, source_row, column, value, code and the
    IDENTITY_FIELDS (one per failing value)."""
    lines = failures.select("source_file", pl.col("source_row").cast(pl.Int64).alias("data_row"),
                            "column", "value", "code", *IDENTITY_FIELDS)
    lines = lines.sort("source_file", "data_row", maintain_order=True)
    lines = lines.join(_words(), on="code", how="left", maintain_order="left")
    unexplained = lines.filter(pl.col("reason_zh").is_null()).get_column("code").unique().to_list()
    if unexplained:
        raise ValueError(f"codes without words in {codes.CODES_CSV.name}: {unexplained}")
    return lines.select(*ROW_LINE_SCHEMA).cast(ROW_LINE_SCHEMA)


def column_label(kind: str | None, column: str | None, headers: dict[str, str]) -> str:
    """A column as the dealer wrote it; one the file lacks as the template names it, Chinese
    first (`单价 unit_price`); a whole-row problem as such."""
    if column is None:
        return "整行 whole row"
    if column in headers:
        return headers[column]
    # a badly named file's columns are those of the kind its name starts with: a dealer kind
    kinds = [KINDS[kind]] if kind in KINDS else [k for k in KINDS.values() if k.source == "dealer"]
    alias = next((c.alias_zh for k in kinds for c in k.columns if c.name == column), None)
    return f"{alias} {column}" if alias else column


# ---------------------------------------------------------------------------------------------
# File-level problems


def _month_of(name: str) -> str | None:
    m = re.search(r"(?<!\d)(20\d{2})[-_.年]?(0[1-9]|1[0-2])(?!\d)", name)
    return m.group(1) + m.group(2) if m else None


def expected_names(outcome: FileOutcome) -> list[str]:
    """The template's names for a file of this dealer, filled in as far as the file tells
    (its dealer, its month): the kind the name starts with, else every dealer kind."""
    d = outcome.dealer_id
    month = _month_of(outcome.name) or "YYYYMM"
    day = f"{month}31" if month != "YYYYMM" else "YYYYMMDD"
    stamp = "<提交时间 submitted YYYYMMDDTHHMMSS>"
    names = {"sales": f"sales_{d}_{month}_{stamp}.xlsx", "inventory": f"inventory_{d}_{day}_{stamp}.xlsx",
             "claims": f"claims_{d}_{stamp}.xlsx"}
    prefix = outcome.name.split("_", 1)[0].lower()
    chosen = [names[prefix]] if prefix in names else list(names.values())
    return [f"dealers/{d}/{n[:-5]}.csv 或 or .xlsx" for n in chosen]


def file_problem_lines(outcome: FileOutcome) -> list[tuple]:
    """The lines (in COLUMNS order) of the file-level problems of `outcome`."""
    if not outcome.problems:  # every accepted file: its receipt has no file-level lines
        return []
    words = codes.wording("file")
    out: list[tuple] = []
    for code, detail in outcome.problems:
        zh, en = words.get(code, (code, code))
        en_detail = detail or en
        if code == "MISSING_COLUMNS" and outcome.missing:
            for column in outcome.missing:
                hint = (f"第 {outcome.header_row} 行的表头缺少此列（中文或英文列名均可）"
                        f" / The header on row {outcome.header_row} lacks this column (a Chinese or English header both do)")
                out.append((outcome.header_row, None, None, None, None, None,
                            column_label(outcome.kind, column, {}), None, code, zh, en, hint))
            continue
        if code == "BAD_FILE_NAME":
            expected = "；".join(expected_names(outcome))
            hint = f"应命名并放置为 {expected} / {en_detail}; expected {expected}"
        elif code == "UNKNOWN_DEALER":
            hint = (f"经销商编码 {outcome.dealer_id} 不在公司经销商名单中，请与渠道经理确认 / {en_detail}: "
                    "ask your channel manager to confirm your dealer ID")
        elif code == "UNREADABLE":
            hint = f"请另存为 Excel (.xlsx) 或 UTF-8、GBK 编码的 CSV 后重新提交 / {en_detail}; save as .xlsx or a UTF-8 or GBK CSV"
        elif code == "EMPTY_FILE":
            hint = f"文件中没有数据行，请填入本期数据 / {en_detail}"
        else:
            hint = f"{zh} / {en_detail}"
        row = outcome.header_row if code == "EMPTY_FILE" else None
        out.append((row, None, None, None, None, None, None, None, code, zh, en, hint))
    return out


def problem_lines(outcome: FileOutcome, rows: list[dict]) -> list[tuple]:
    """Every line of a file's problem table (COLUMNS order, values as typed): file-level
    problems first, then each failing value by row. rows: the file's `row_lines` as dicts."""
    out = file_problem_lines(outcome)
    period = outcome.period_start.strftime("%Y-%m") if outcome.period_start else "?"
    for r in rows:
        hint = ROW_HINTS.get(r["code"])
        zh, en = (hint[0].format(period=period), hint[1].format(period=period)) if hint else ("", "")
        if safe_cell(r["value"]) != r["value"]:
            zh, en = "；".join(filter(None, (zh, _NEUTRALISED[0]))), "; ".join(filter(None, (en, _NEUTRALISED[1])))
        out.append((
            outcome.header_row + r["data_row"], r["data_row"],
            *(r[f] for f in IDENTITY_FIELDS),
            column_label(outcome.kind, r["column"], outcome.headers), r["value"], r["code"],
            r["reason_zh"], r["reason_en"], f"{zh} / {en}" if zh else None,
        ))
    return out


# ---------------------------------------------------------------------------------------------
# The summary at the top


def due_date(outcome: FileOutcome) -> date | None:
    """When the file's data was due: the 5th of the month after its period (sales, stock);
    None for claims and for files whose period is unknown."""
    if outcome.kind in ("sales", "inventory") and outcome.period_start:
        y, m = outcome.period_start.year, outcome.period_start.month
    elif (month := _month_of(outcome.name)) and outcome.kind is None \
            and outcome.name.lower().startswith(("sales", "inventory")):
        y, m = int(month[:4]), int(month[4:])
    else:
        return None
    try:
        return date(y + (m == 12), m % 12 + 1, 5)
    except ValueError:  # a month such as 999912 or 202513 in a name has no due date
        return None


def _resubmit(outcome: FileOutcome) -> str:
    if outcome.status == "accepted":
        return "无需重新提交 Nothing to send again"
    if outcome.kind is None:
        return "按下表改正文件名和位置后重新上传 Rename and place the file as shown below and upload it again"
    if any(code == "UNKNOWN_DEALER" for code, _ in outcome.problems):
        return "确认经销商编码后重新提交 Send it again once your dealer ID is confirmed"
    if outcome.kind == "claims":
        if outcome.status == "rejected":
            return "改正后重新提交这些申请（新文件） Fix these claims and send them again in a new file"
        return ("只需在新文件中重新提交下表中的申请（同一申请单号以最新文件为准） Send only the claims "
                "listed below again in a new file (per claim ID, the newest file wins)")
    what = "该月" if outcome.kind == "sales" else "该日"
    what_en = "month's" if outcome.kind == "sales" else "day's"
    return (f"改正下表中的问题后，重新提交{what}完整的文件（含已接收的行，使用新的提交时间），新文件将整体替代本文件 "
            f"Fix the lines below and send the {what_en} whole file again (accepted lines included, with a new "
            "submitted time): it replaces this file as a whole")


def _by_when(outcome: FileOutcome) -> str:
    if outcome.status == "accepted":
        return "—"
    due = due_date(outcome)
    if outcome.kind == "claims":
        return "活动结束后60天内 within 60 days after the campaign ends"
    if due is None:
        return "尽快 as soon as possible"
    submitted = outcome.submitted_at.date() if outcome.submitted_at else None
    if submitted is not None and submitted > due:
        return f"截止日期 {due.isoformat()} 已过，请尽快 The deadline {due.isoformat()} has passed: as soon as possible"
    return f"{due.isoformat()} 当日结束前 by the end of {due.isoformat()}"


def summary_rows(outcome: FileOutcome, problems: int) -> list[tuple[str, object]]:
    """The summary block: (label, value) pairs."""
    status_zh, status_en = codes.wording("submission_status").get(outcome.status, (outcome.status, outcome.status))
    title = "接收回执 Receipt" if outcome.status == "accepted" else "审核反馈 Review feedback"
    rows: list[tuple[str, object]] = [
        (title, outcome.name),
        ("经销商 Dealer", outcome.dealer_id),
        ("提交时间 Submitted", outcome.submitted_at.isoformat(sep=" ") if outcome.submitted_at else "—"),
        ("结果 Result", f"{status_zh} {status_en}"),
        ("收到行数 Rows received", outcome.rows_read),
        ("已接收 Rows accepted", outcome.rows_read - outcome.rows_quarantined),
        ("被隔离 Rows quarantined", outcome.rows_quarantined),
        ("需重新提交 To send again", _resubmit(outcome)),
        ("截止 By", _by_when(outcome)),
    ]
    if outcome.version > 1:
        # A rejected version replaces nothing (docs/input_contract.md, "Files in motion").
        kept = outcome.status == "rejected"
        rows.insert(1, ("版本 Version", f"第 {outcome.version} 版：文件读取后内容有改动，已重新读取；"
                                        + ("上一版仍然有效 " if kept else "取代上一版 ")
                                        + f"version {outcome.version}: the file changed after it was read and was "
                                        + ("read again; the previous version still counts" if kept
                                           else "read again; it replaces the previous version")))
    if problems:
        rows.append(("问题 Problems", f"{problems} 项，见下表；表格行号即 Excel 左侧显示的行号 "
                                     f"{problems}, listed below; the sheet row is the row number Excel shows"))
    return rows


# ---------------------------------------------------------------------------------------------
# Writing


def file_stem(source_file: str) -> str:
    """The feedback's file name stem: the landed name, `.v<N>` after it for a later version."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", source_file.rsplit("/", 1)[-1].replace(VERSION_MARK, ".v"))


def write_feedback(folder: Path, outcome: FileOutcome, lines: list[tuple], *, folder_made: bool = False) -> list[Path]:
    """Write the feedback (or, for an accepted file, the receipt) of `outcome` into `folder`:
    a CSV, and an XLSX too when the file was sent as XLSX; returns the paths written.
    `folder_made`: the caller already made `folder` (one mkdir per dealer, not per file)."""
    if not folder_made:
        folder.mkdir(parents=True, exist_ok=True)
    suffix = "receipt" if outcome.status == "accepted" else "feedback"
    stem = f"{file_stem(outcome.source_file)}.{suffix}"
    summary = summary_rows(outcome, len(lines))
    csv_path = folder / f"{stem}.csv"
    text = io.StringIO(newline="")
    w = csv.writer(text)
    w.writerows([safe_cell(label), _csv_value(value)] for label, value in summary)
    if lines:
        w.writerow([])
        w.writerow(COLUMNS)
        w.writerows([_csv_value(v) for v in line] for line in lines)
    # UTF-8 with a BOM (what the "utf-8-sig" codec writes), composed in memory and written in
    # one call: at 100k files a run, the per-file cost is the file operations.
    with open(csv_path, "wb") as fh:
        fh.write(BOM + text.getvalue().encode("utf-8"))
    if not outcome.sent_as_xlsx:
        return [csv_path]
    xlsx_path = folder / f"{stem}.xlsx"
    _write_xlsx(xlsx_path, summary, lines)
    return [xlsx_path, csv_path]


BOM = "\ufeff".encode("utf-8")


def _csv_value(v: object) -> str:
    return "" if v is None else safe_cell(str(v))


def _write_xlsx(path: Path, summary: list[tuple[str, object]], lines: list[tuple]) -> None:
    import xlsxwriter

    # strings_to_formulas off and write_string only: nothing typed by a dealer becomes a
    # formula, so values are written exactly as typed.
    # in_memory: no temporary file per XML part (ten times faster for these small workbooks).
    buf = io.BytesIO()  # built in memory and written in one call: far fewer file operations
    with xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False}) as wb:
        ws = wb.add_worksheet("审核反馈")
        bold = wb.add_format({"bold": True})
        for i, (label, value) in enumerate(summary):
            ws.write_string(i, 0, label, bold)
            _write_cell(ws, i, 1, value)
        if lines:
            top = len(summary) + 1
            for j, title in enumerate(COLUMNS):
                ws.write_string(top, j, title, bold)
            for i, line in enumerate(lines, start=top + 1):
                for j, v in enumerate(line):
                    _write_cell(ws, i, j, v)
            ws.freeze_panes(top + 1, 0)
        ws.set_column(0, 0, 24)
        ws.set_column(1, len(COLUMNS) - 1, 16)
    path.write_bytes(buf.getvalue())


def _write_cell(ws, row: int, col: int, v: object) -> None:
    if isinstance(v, bool) or v is None:
        return
    if isinstance(v, int):
        ws.write_number(row, col, v)
    else:
        ws.write_string(row, col, str(v))
