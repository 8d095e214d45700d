"""返利计提: finance's quarterly rebate report, from `marts.fct_rebate_accrual`.

For one quarter, all dealers or one: a summary by dealer × programme (target, verified value,
what the diversion flags excluded, attainment, tier, rate, rebate amount and status, with the
total rebate) and a detail sheet per dealer that shows, for each of its programmes, what was
excluded and why (lines and value by diversion rule). XLSX (the summary, then one sheet per
dealer) or CSV (one file per table, UTF-8 with BOM). Amounts are read as Decimal and totalled
as Decimal, so the totals equal the mart's sums to the cent; every text cell goes through
`safe_cell` (pipelines/reports/sheets.py). No resale price enters a rebate (docs/marts.md).
"""

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path


from pipelines import codes
from pipelines.core.errors import UserError
from pipelines.reports.marts import as_decimal, decimals, dict_rows, open_marts
from pipelines.reports.sheets import COUNT, FRACTION, MONEY, Column, Table, write_csv, write_xlsx

FORMATS = ("xlsx", "csv")
STATUS_WORDS: dict[str, str] = {code: f"{zh} {en}" for code, (zh, en) in codes.wording("rebate_status").items()}
BASIS_WORDS = {"quarter": "季度目标 quarter target", "months": "三个月目标之和 sum of the month targets"}
RULES: tuple[str, ...] = codes.codes("diversion")

SUMMARY_COLUMNS = (
    Column("经销商编号 Dealer ID"),
    Column("经销商名称 Dealer name"),
    Column("返利政策编号 Program ID"),
    Column("返利政策名称 Program name"),
    Column("季度目标 Quarter target (CNY)", MONEY),
    Column("目标口径 Target basis"),
    Column("核实销售额 Verified value (CNY)", MONEY),
    Column("剔除行数 Excluded lines", COUNT),
    Column("剔除金额 Excluded value (CNY)", MONEY),
    Column("达成率 Attainment", FRACTION),
    Column("达成档位 Tier reached (min attainment)", FRACTION),
    Column("返利比例 Rebate rate", FRACTION),
    Column("返利金额 Rebate (CNY)", MONEY, total=True),
    Column("状态 Status"),
)


def parse_quarter(text: str) -> tuple[str, date, date]:
    """'YYYY-Qn' -> (the text, first day, last day); anything else is a UserError."""
    m = re.fullmatch(r"(\d{4})-Q([1-4])", str(text).strip())
    if not m:
        raise UserError(f"quarter must be YYYY-Qn (n from 1 to 4), got {text!r}")
    year, n = int(m.group(1)), int(m.group(2))
    start = date(year, 3 * n - 2, 1)
    end = date(year + 1, 1, 1) if n == 4 else date(year, 3 * n + 1, 1)
    return f"{year}-Q{n}", start, date.fromordinal(end.toordinal() - 1)


def _safe_name(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", text)


def write_rebate_report(warehouse: Path, quarter: str, dealer: str | None, fmt: str, out_dir: Path) -> list[Path]:
    """Write the rebate report of `quarter` (all dealers, or `dealer`) as `fmt` into `out_dir`;
    returns the files written. A quarter without accruals gives an empty summary with a note."""
    label, _, _ = parse_quarter(quarter)
    if fmt not in FORMATS:
        raise UserError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    summary, details = rebate_tables(warehouse, label, dealer)
    stem = f"rebate_{label}" + (f"_{_safe_name(dealer)}" if dealer else "")
    out_dir = Path(out_dir)
    if fmt == "xlsx":
        return [write_xlsx(out_dir / f"{stem}.xlsx", [summary, *details])]
    return [write_csv(out_dir / f"{stem}_summary.csv", summary),
            *[write_csv(out_dir / f"{stem}_detail_{t.name}.csv", t) for t in details]]


def rebate_tables(warehouse: Path, quarter: str, dealer: str | None) -> tuple[Table, list[Table]]:
    """The summary table and one detail table per dealer."""
    label, start, end = parse_quarter(quarter)
    rows, names, excluded = _read(warehouse, label, start, end, dealer)
    scope = f"经销商 dealer {dealer}" if dealer else "全部经销商 all dealers"
    basis = ("核实销售额只计没有窜货标记的已接收销售行，返利不以任何转售价格为条件 verified value counts accepted "
             "sales lines with no diversion flag; no resale price enters a rebate")
    if rows:
        note = f"{scope}；{label} 返利计提 {len(rows)} 行 rebate accruals; {basis}; source: marts.fct_rebate_accrual ({Path(warehouse).name})"
    else:
        note = f"{scope}；{label} 没有返利计提 No rebate accruals for {label} (no programme for the quarter, or no targets or programmes were sent)."
    summary = Table(
        name="summary", title=f"返利计提汇总 Rebate accrual summary — {label}", note=note, columns=SUMMARY_COLUMNS,
        rows=[(r["dealer_id"], names.get(r["dealer_id"]), r["program_id"], r["program_name"], r["quarter_target"],
               BASIS_WORDS.get(r["target_basis"], r["target_basis"]), r["verified_value"], r["excluded_lines"],
               r["excluded_value"], r["attainment"], r["tier_min_attainment"], r["rebate_rate"], r["rebate_amount"],
               STATUS_WORDS.get(r["status"], r["status"])) for r in rows],
    )
    rules = [*RULES, *sorted({rule for by_rule in excluded.values() for rule in by_rule} - set(RULES))]
    by_dealer: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_dealer[r["dealer_id"]].append(r)
    details, used = [], {"summary"}
    for did, own in by_dealer.items():
        sheet = _safe_name(did)[:31]
        while sheet in used:
            sheet = sheet[:28] + f"~{len(used)}"
        used.add(sheet)
        details.append(_detail(sheet, did, names.get(did), label, own, excluded.get(did, {}), rules))
    return summary, details


def _detail(sheet: str, did: str, name: str | None, label: str, rows: list[dict], excluded: dict, rules: list[str]) -> Table:
    columns = [Column("返利政策编号 Program ID"), Column("返利政策名称 Program name"),
               Column("季度目标 Quarter target (CNY)", MONEY), Column("核实销售额 Verified value (CNY)", MONEY)]
    for rule in rules:
        columns += [Column(f"剔除行数 Excluded lines: {rule}", COUNT), Column(f"剔除金额 Excluded value: {rule} (CNY)", MONEY)]
    columns += [Column("剔除行数合计 Excluded lines, total", COUNT), Column("剔除金额合计 Excluded value, total (CNY)", MONEY),
                Column("达成率 Attainment", FRACTION), Column("达成档位 Tier reached (min attainment)", FRACTION),
                Column("返利比例 Rebate rate", FRACTION), Column("返利金额 Rebate (CNY)", MONEY, total=True),
                Column("状态 Status")]
    wording = codes.wording("diversion")
    why = "；".join(f"{rule}: {wording[rule][0]}" for rule in rules if rule in excluded and rule in wording)
    note = (f"{did} {name or ''}；{label}. 一行可能触发多条窜货规则，按规则各计一次，合计只计一次 a line flagged by "
            f"several rules counts under each rule and once in the totals. {why}")
    body = []
    for r in rows:
        per_rule = []
        for rule in rules:
            lines, value = excluded.get(rule, (0, Decimal(0)))
            per_rule += [lines, value]
        body.append((r["program_id"], r["program_name"], r["quarter_target"], r["verified_value"], *per_rule,
                     r["excluded_lines"], r["excluded_value"], r["attainment"], r["tier_min_attainment"],
                     r["rebate_rate"], r["rebate_amount"], STATUS_WORDS.get(r["status"], r["status"])))
    return Table(name=sheet, title=f"返利计提明细 Rebate accrual detail — {did} — {label}", note=note,
                 columns=columns, rows=body)


def _read(warehouse: Path, label: str, start: date, end: date, dealer: str | None):
    """Accrual rows of the quarter (amounts Decimal), dealer names, and per dealer the lines
    and value each diversion rule excluded in the quarter."""
    needed = ("fct_rebate_accrual", "fct_diversion_flags", "fct_price_deviation")
    with open_marts(warehouse, needed, dealer) as (con, _, names):
        rows, _ = dict_rows(con.execute(
            "select * from marts.fct_rebate_accrual where quarter = ? and (? is null or dealer_id = ?) "
            "order by dealer_id, program_id", [label, dealer, dealer]))
        excluded: dict[str, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
        for did, rule, lines, value in con.execute(
            """select f.dealer_id, f.rule, count(*), sum(f.qty * p.unit_price)
               from marts.fct_diversion_flags as f
               inner join marts.fct_price_deviation as p
                   on p.source_file = f.source_file and p.source_row = f.source_row
               where f.sale_date between ? and ? and (? is null or f.dealer_id = ?)
               group by all""", [start, end, dealer, dealer]).fetchall():
            excluded[did][rule] = (lines, as_decimal(value))
    decimals(rows, ("quarter_target", "verified_value", "excluded_value", "rebate_amount"))
    return rows, names, excluded
