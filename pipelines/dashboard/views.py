"""What each page shows first: its title, headline figures and main table, with no renderer
in it. Two renderers draw the same `FirstView`: the Streamlit pages (pages.py), which add the
filters, tabs, grid and downloads, and the static first view (first_view.py), plain HTML
written after each night so a page opens without Streamlit's start (docs/dashboard.md).

A view is built through a `Run`, `run(query, filters, *args) -> queries.Result`: the
Streamlit pages pass the night's cache (cache.py), the static build `queries.run` on one
read-only connection. Either way the figures are the same queries' results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from pipelines.dashboard import queries as q
from pipelines.dashboard.labels import for_display, with_wording

Run = Callable[..., q.Result]  # run(query, filters, *args)


@dataclass
class Section:
    """A table: its title, its query's result, a key naming its downloads, the code columns
    explained by the codes seed's wording ({column: family}) and a note under the title."""

    title: str
    result: q.Result
    key: str
    wording: dict[str, str] | None = None
    note: str | None = None

    def shown(self) -> pd.DataFrame | None:
        """The table as shown and downloaded: codes' wording beside them, bilingual headers;
        None when its mart is not published."""
        if self.result.missing:
            return None
        frame = self.result.frame
        for column, family in (self.wording or {}).items():
            frame = with_wording(frame, column, family, f"{column}_zh" if column != "reason_code" else "reason_zh")
        return for_display(frame)


@dataclass
class FirstView:
    """A page's first view. `missing`: marts its headline figures need that are not published
    (said instead of the figures); `metrics`: (label, value as shown)."""

    path: str
    title: str
    caption: str | None = None
    missing: list[str] = field(default_factory=list)
    metrics: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def number(value, places: int = 0) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):,.{places}f}"


def rows(result) -> str:
    """How many rows a query gave, or "—" when its mart is missing."""
    return "—" if result.missing else number(len(result.frame))


def month(m) -> str:
    return pd.Timestamp(m).strftime("%Y-%m") if m is not None and not pd.isna(m) else "—"


# a table's first view: the rows both renderers show before the interactive grid
FIRST_ROWS = 20

TITLES = {
    "overview": "总览 Overview",
    "dealer": "经销商 Dealer",
    "diversion": "窜货 Diversion",
    "finance": "费用与回报 Finance",
    "quality": "数据质量 Data quality",
}


def overview(run: Run, f: q.Filters) -> FirstView:
    view = FirstView("overview", TITLES["overview"],
                     "进货、销量与库存，按大区和月份；销量预测及其 80% 区间 · "
                     "Sell-in, sell-out and stock by region and month; the sell-out forecast and its 80 % interval")
    totals = run(q.overview_totals, f)
    if totals.missing:
        view.missing = totals.missing
    else:
        t = totals.frame.iloc[0]
        view.metrics = [("进货量 Sell-in", number(t["sell_in_qty"])), ("销量 Sell-out", number(t["sell_out_qty"])),
                        (f"期末库存 Stock {month(t['last_month'])}", number(t["closing_qty"])),
                        ("经销商 Dealers", number(t["dealers"]))]
    view.sections = [Section("按大区和月份 By region and month", run(q.overview_by_region_month, f),
                             "overview_region_month")]
    return view


def dealer(run: Run, f: q.Filters, chosen: str | None = None) -> FirstView:
    """One dealer's view; `chosen` None: the first dealer listed, as the page's own choice
    starts."""
    view = FirstView("dealer", TITLES["dealer"])
    listed = run(q.dealers, f)
    if listed.missing or listed.frame.empty:
        view.missing = listed.missing or ["dim_dealer"]
        return view
    chosen = listed.frame.dealer_id.iloc[0] if chosen is None else chosen
    row = listed.frame.set_index("dealer_id").loc[chosen]
    view.caption = f"{chosen} {row['dealer_name']} · 大区 {row['region']} · 级别 Tier {row['tier']} · 状态 {row['status']}"
    history = run(q.scorecard_history, f, chosen)
    flags = run(q.dealer_flags, f, chosen)
    alerts = run(q.alerts, q.Filters(dealers=(chosen,), categories=f.categories))
    if not history.missing and not history.frame.empty:
        latest = history.frame.iloc[0]
        view.metrics = [(f"综合评分 Score {month(latest['month'])}", number(latest["composite_score"], 2)),
                        ("建议级别 Suggested tier", str(latest["suggested_tier"] or "—")),
                        ("窜货标记 Diversion flags", rows(flags)),
                        ("库存预警 Stock alerts", rows(alerts))]
    view.sections = [Section("评分卡历史 Scorecard history", history, f"scorecard_{chosen}")]
    return view


def diversion(run: Run, f: q.Filters) -> FirstView:
    view = FirstView("diversion", TITLES["diversion"],
                     "标记是需要与经销商核实的线索，不是结论 · A flag is a lead to check with the dealer, not a verdict")
    by_rule = run(q.flags_by_rule_month, f)
    dealers = run(q.flagged_dealers, f)
    if not by_rule.missing:
        frame = by_rule.frame
        view.metrics = [("窜货标记 Flags", number(frame["flags"].sum())), ("涉及数量 Units", number(frame["qty"].sum())),
                        ("涉及经销商 Dealers", rows(dealers))]
    view.sections = [Section("按大区和规则 By region and rule", run(q.flags_by_region_rule, f), "flags_region_rule",
                             wording={"rule": "diversion"})]
    return view


def finance(run: Run, f: q.Filters) -> FirstView:
    view = FirstView("finance", TITLES["finance"], "费用核销与营销活动回报 · Expense write-off and campaign return")
    totals = run(q.writeoff_totals, f)
    if not totals.missing:
        t = totals.frame.iloc[0]
        view.metrics = [("申请数 Claims", number(t["claims"])), ("申请金额 Claimed", number(t["claimed_amount"], 2)),
                        ("核准金额 Approved", number(t["approved_amount"], 2)), ("驳回 Rejected", number(t["rejected_claims"]))]
    view.sections = [Section("核销（按月和状态） Write-off by month and status", run(q.writeoff_by_month_status, f),
                             "writeoff_month_status", wording={"status": "claim_status"})]
    return view


def quality(run: Run, f: q.Filters) -> FirstView:
    view = FirstView("quality", TITLES["quality"],
                     "经销商报备、隔离原因与迟报 · Dealers' submissions, quarantine reasons and who is late")
    subs = run(q.submissions_by_dealer, f)
    late = run(q.late_reports, f)
    if not subs.missing:
        s = subs.frame
        view.metrics = [("文件数 Files", number(s["files"].sum())), ("已拒收 Rejected", number(s["rejected"].sum())),
                        ("隔离行数 Quarantined rows", number(s["rows_quarantined"].sum())),
                        ("迟报/未报 Late or missing", rows(late))]
    view.sections = [Section("报备（按经销商） Submissions by dealer", subs, "submissions_dealer")]
    return view


VIEWS: dict[str, Callable[[Run, q.Filters], FirstView]] = {
    "overview": overview, "dealer": dealer, "diversion": diversion, "finance": finance, "quality": quality}
