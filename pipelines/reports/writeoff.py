"""费用核销: finance's monthly expense write-off report, from `marts.fct_expense_writeoff`.

For one month (claims whose `writeoff_month` is that month), all dealers or one: a summary by
dealer × campaign × status (claims, claimed, approved, with a grand total) and the detail of
every claim with its reason codes explained in Chinese and English. XLSX (two sheets) or CSV
(two files, UTF-8 with BOM). Amounts are read as Decimal and totalled as Decimal, so the
totals equal the mart's sums to the cent. Every text cell goes through `safe_cell`.
"""

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path


from pipelines import codes
from pipelines.core.errors import UserError
from pipelines.core.settings import parse_month
from pipelines.reports.marts import decimals, dict_rows, open_marts
from pipelines.reports.sheets import COUNT, DATE, MONEY, TIMESTAMP, Column, Table, write_csv, write_xlsx

# The write-off rules in rule order and the claim statuses, in words a dealer and finance
# understand: from the one table of codes (pipelines/codes.py).
WRITEOFF_CODES: Mapping[str, tuple[str, str]] = codes.wording("writeoff")
STATUS_WORDS: dict[str, str] = {code: f"{zh} {en}" for code, (zh, en) in codes.wording("claim_status").items()}
FORMATS = ("xlsx", "csv")

SUMMARY_COLUMNS = (
    Column("经销商编号 Dealer ID"),
    Column("经销商名称 Dealer name"),
    Column("活动编号 Campaign ID"),
    Column("活动名称 Campaign name"),
    Column("核销状态 Status"),
    Column("申请单数 Claims", COUNT, total=True),
    Column("申请金额 Claimed (CNY)", MONEY, total=True),
    Column("核准金额 Approved (CNY)", MONEY, total=True),
)
# (key of a claim: a mart column, or dealer_name / campaign_name / reason_zh / reason_en added
# here; report column). The OPTIONAL mart columns appear when the mart has them.
DETAIL_COLUMNS = (
    ("claim_id", Column("申请单号 Claim ID")),
    ("dealer_id", Column("经销商编号 Dealer ID")),
    ("dealer_name", Column("经销商名称 Dealer name")),
    ("campaign_id", Column("活动编号 Campaign ID")),
    ("campaign_name", Column("活动名称 Campaign name")),
    ("expense_type", Column("费用类型 Expense type")),
    ("description", Column("说明 Description")),
    ("submitted_at", Column("提交时间 Submitted at", TIMESTAMP)),
    ("claimed_amount", Column("申请金额 Claimed (CNY)", MONEY, total=True)),
    ("eligible_start", Column("可核销期间起 Eligible from", DATE)),
    ("eligible_end", Column("可核销期间止 Eligible to", DATE)),
    ("verified_sales_value", Column("核实销售额 Verified sales (CNY)", MONEY)),
    ("cap_amount", Column("核销上限 Cap (CNY)", MONEY)),
    ("approved_amount", Column("核准金额 Approved (CNY)", MONEY, total=True)),
    ("status", Column("核销状态 Status")),
    ("reason_codes", Column("原因代码 Reason codes")),
    ("reason_zh", Column("原因说明")),
    ("reason_en", Column("Reason")),
    ("source_file", Column("来源文件 Source file")),
    ("source_row", Column("行号 Source row")),
)
OPTIONAL = {"expense_type", "description", "source_file", "source_row"}


def explain_codes(codes: str | None) -> tuple[str, str]:
    """'CAPPED_BY_SALES,BUDGET_EXHAUSTED' -> the Chinese and the English explanations."""
    parts = [c.strip() for c in (codes or "").split(",") if c.strip()]
    words = [WRITEOFF_CODES.get(c, (f"未知代码 {c}", f"unknown code {c}")) for c in parts]
    return "；".join(zh for zh, _ in words), "; ".join(en for _, en in words)


def report_month(month: date | str) -> date:
    """The month as its first day; a malformed month is a UserError."""
    if isinstance(month, str):
        return parse_month(month)
    if month.day != 1:
        raise UserError(f"month must be given as its first day (YYYY-MM-01) or YYYY-MM, got {month.isoformat()}")
    return month


def write_writeoff_report(warehouse: Path, month: date | str, dealer: str | None, fmt: str, out_dir: Path) -> list[Path]:
    """Write the write-off report of `month` (all dealers, or `dealer`) as `fmt` into
    `out_dir`; returns the files written. A month without claims gives an empty report with
    a note; an unknown dealer, a malformed month or format is a UserError."""
    month = report_month(month)
    if fmt not in FORMATS:
        raise UserError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    summary, detail = writeoff_tables(warehouse, month, dealer)
    stem = f"writeoff_{month:%Y-%m}" + (f"_{re.sub(r'[^0-9A-Za-z_.-]', '_', dealer)}" if dealer else "")
    out_dir = Path(out_dir)
    if fmt == "xlsx":
        return [write_xlsx(out_dir / f"{stem}.xlsx", [summary, detail])]
    return [write_csv(out_dir / f"{stem}_{t.name}.csv", t) for t in (summary, detail)]


def writeoff_tables(warehouse: Path, month: date, dealer: str | None) -> tuple[Table, Table]:
    """The summary and the detail table of the report."""
    claims, dealer_names, campaign_names, mart_columns = _read(warehouse, month, dealer)
    scope = f"经销商 dealer {dealer}" if dealer else "全部经销商 all dealers"
    if claims:
        note = (f"{scope}；{len(claims)} 笔申请 claims written off in {month:%Y-%m}; "
                f"source: marts.fct_expense_writeoff ({Path(warehouse).name})")
    else:
        note = f"{scope}；本月没有核销的申请 No claims were written off in {month:%Y-%m}."
    for c in claims:
        c["dealer_name"] = dealer_names.get(c["dealer_id"])
        c["campaign_name"] = campaign_names.get(c["campaign_id"])
        c["reason_zh"], c["reason_en"] = explain_codes(c["reason_codes"])
    detail_columns = [(k, col) for k, col in DETAIL_COLUMNS if k not in OPTIONAL or k in mart_columns]
    detail = Table(
        name="detail", title=f"费用核销明细 Expense write-off detail — {month:%Y-%m}", note=note,
        columns=[col for _, col in detail_columns],
        rows=[tuple(STATUS_WORDS.get(c[k], c[k]) if k == "status" else c.get(k) for k, _ in detail_columns) for c in claims],
    )
    return _summary(claims, month, note), detail


def _summary(claims: list[dict], month: date, note: str) -> Table:
    groups: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for c in claims:
        g = groups[(c["dealer_id"], c["dealer_name"], c["campaign_id"], c["campaign_name"], c["status"])]
        g[0] += 1
        g[1] += c["claimed_amount"] or Decimal(0)
        g[2] += c["approved_amount"] or Decimal(0)
    status_order = {s: i for i, s in enumerate(STATUS_WORDS)}
    keys = sorted(groups, key=lambda k: (k[0] or "", k[2] or "", status_order.get(k[4], 99)))
    return Table(
        name="summary", title=f"费用核销汇总 Expense write-off summary — {month:%Y-%m}", note=note,
        columns=SUMMARY_COLUMNS,
        rows=[(d, dn, c, cn, STATUS_WORDS.get(s, s), *groups[(d, dn, c, cn, s)]) for d, dn, c, cn, s in keys],
    )


def _read(warehouse: Path, month: date, dealer: str | None) -> tuple[list[dict], dict, dict, set[str]]:
    """Claims of the month (as dicts, amounts Decimal), dealer names, campaign names, and the
    columns the mart has."""
    with open_marts(warehouse, ("fct_expense_writeoff",), dealer) as (con, tables, dealer_names):
        campaign_names = (
            dict(con.execute("select campaign_id, campaign_name from marts.dim_campaign").fetchall())
            if "dim_campaign" in tables else {}
        )
        claims, columns = dict_rows(con.execute(
            "select * from marts.fct_expense_writeoff where writeoff_month = ? and (? is null or dealer_id = ?) "
            "order by dealer_id, campaign_id, submitted_at, claim_id",
            [month, dealer, dealer],
        ))
    decimals(claims, ("claimed_amount", "approved_amount", "verified_sales_value", "cap_amount"))
    return claims, dealer_names, campaign_names, set(columns)
