"""The dashboard's pages: Streamlit calls, thin. Every figure comes from `queries`; every
table can be downloaded (CSV, XLSX) as shown, phone numbers masked (`export`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from pipelines.dashboard import cache as cached
from pipelines.dashboard import queries as q
from pipelines.dashboard.cache import Source
from pipelines.dashboard.export import csv_bytes, xlsx_bytes
from pipelines.dashboard import views
from pipelines.dashboard.labels import for_display, header, whole_numbers

PAGES = [  # (url path, title): the navigation, in order
    ("overview", "总览 Overview"),
    ("dealer", "经销商 Dealer"),
    ("diversion", "窜货 Diversion"),
    ("finance", "费用与回报 Finance"),
    ("quality", "数据质量 Data quality"),
]


# ---- building blocks -----------------------------------------------------------------------

# Rows of a table sent to the browser: every row shown is serialised, sent and laid out by
# the page; nobody reads further than this on screen, and the downloads carry every row.
SHOWN_ROWS = 1000
# A table's first view: its first rows as a static table. The interactive grid (sorting,
# scrolling, SHOWN_ROWS rows) is a canvas the browser's main thread builds and draws at
# several times a static table's cost, so it is sent only when asked for (docs/dashboard.md).
FIRST_ROWS = views.FIRST_ROWS

def not_published(what: list[str]) -> None:
    st.info(f"尚未发布，此部分暂不显示 Not published yet, section skipped: {', '.join(what)}")


def table(title: str, result: q.Result, key: str, wording: dict[str, str] | None = None,
          note: str | None = None) -> pd.DataFrame | None:
    """A section: its title, the table (or a note when its mart is missing), its downloads."""
    return section(views.Section(title, result, key, wording, note))


def section(s: views.Section) -> pd.DataFrame | None:
    st.subheader(s.title)
    shown = s.shown()
    if shown is None:
        not_published(s.result.missing)
        return None
    key = s.key
    if s.note:
        st.caption(s.note)
    if shown.empty:
        st.caption("无数据 No rows for these filters")
    _count("tables")
    grid = len(shown) > FIRST_ROWS and st.toggle(
        f"交互表格（可排序，前 {min(len(shown), SHOWN_ROWS):,} 行） Interactive grid, sortable", key=f"grid_{key}")
    rows = SHOWN_ROWS if grid else FIRST_ROWS
    if len(shown) > rows:
        st.caption(f"显示前 {rows:,} 行，共 {len(shown):,} 行；下载含全部 · "
                   f"First {rows:,} of {len(shown):,} rows shown; the downloads hold them all")
    if grid:
        st.dataframe(shown.head(SHOWN_ROWS), hide_index=True, width="stretch")
    else:
        st.table(whole_numbers(shown.head(FIRST_ROWS)), border="horizontal", hide_index=True)
    left, right, _ = st.columns([1, 1, 6])
    left.download_button("下载 CSV", data=lambda: csv_bytes(shown), file_name=f"{key}.csv",
                         mime="text/csv", key=f"csv_{key}", on_click="ignore")
    right.download_button("下载 XLSX", data=lambda: xlsx_bytes(shown, key), file_name=f"{key}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"xlsx_{key}", on_click="ignore")
    return s.result.frame


def _count(what: str, n: int = 1) -> None:
    counts = st.session_state.setdefault(_COUNTS, {})
    counts[what] = counts.get(what, 0) + n


def metrics(items: list[tuple[str, str]]) -> None:
    _count("metrics", len(items))
    for column, (label, value) in zip(st.columns(len(items)), items):
        column.metric(label, value)


# The charts' tab, the last of a page's: a Vega-Lite chart costs the browser more than any
# other element to start and draw, so a page's first view has none (docs/dashboard.md).
CHARTS = "图表 Charts"


def chart(result: q.Result, draw: Callable[[pd.DataFrame], object]) -> None:
    """`draw` the result as shown (headers as in its table) unless its mart is missing or empty."""
    if not result.missing and not result.frame.empty:
        draw(for_display(result.frame))


def tabbed(key: str, sections: list[tuple[str, Callable[[], object]]]) -> None:
    """A page's further sections as tabs, of which only the one chosen runs and is sent:
    the browser lays out and draws a table or chart per section shown, which costs far more
    than the query, so a page sends its headline figures and one section at a time. Choosing
    another tab reruns the script (its figures come from the night's cache)."""
    tabs = st.tabs([label for label, _ in sections], key=f"tabs_{key}", on_change="rerun")
    for tab, (_, draw) in zip(tabs, sections):
        if tab.open:
            with tab:
                draw()


# ---- the filters (sidebar, shared by every page) -------------------------------------------

def sidebar_filters(db: Source) -> q.Filters:
    options = cached.choices(db)
    with st.sidebar:
        st.markdown("### 筛选 Filters")
        regions = st.multiselect("大区 Region", options["regions"], key="f_region")
        names = {d: f"{d} {n}" for d, n, r in options["dealers"]}
        offered = [d for d, _, r in options["dealers"] if not regions or r in regions]
        dealers = st.multiselect("经销商 Dealer", offered, format_func=lambda d: names.get(d, d), key="f_dealer")
        categories = st.multiselect("品类 Category", options["categories"], key="f_category")
        months = options["months"]
        month_from = month_to = None
        if months:
            labels = [views.month(m) for m in months]
            low, high = st.select_slider("月份 Months", options=labels, value=(labels[0], labels[-1]), key="f_months")
            month_from, month_to = (months[labels.index(low)], months[labels.index(high)])
            month_from = None if month_from == months[0] else month_from
            month_to = None if month_to == months[-1] else month_to
        if db.published_at:
            st.caption(f"数据发布于 Published {db.published_at:%Y-%m-%d %H:%M}")
    return q.Filters(tuple(regions), tuple(dealers), tuple(categories), _as_date(month_from), _as_date(month_to))


def _as_date(value) -> date | None:
    return None if value is None else pd.Timestamp(value).date()


# ---- pages ---------------------------------------------------------------------------------

def runner(db: Source) -> views.Run:
    """The night's cached figures as a `views.Run`."""
    return lambda query, f, *args: cached.run(db, query, f, *args)


def first_view(view: views.FirstView, title: bool = True) -> None:
    """A page's first view (views.py), as the static one shows it, with the grid and downloads."""
    if title:
        st.title(view.title)
    if view.caption:
        st.caption(view.caption)
    if view.missing:
        not_published(view.missing)
    if view.metrics:
        metrics(view.metrics)
    for s in view.sections:
        section(s)


def overview(db: Source, f: q.Filters) -> None:
    first_view(views.overview(runner(db), f))
    monthly = cached.run(db, q.overview_by_region_month, f)
    tabbed("overview", [("销量预测 Sell-out forecast", lambda: _forecast(db, f)),
                        (CHARTS, lambda: (_trend(monthly), _forecast_chart(db, f)))])


def _trend(monthly: q.Result) -> None:
    if not monthly.missing and not monthly.frame.empty:
        st.subheader("进货、销量与库存 Sell-in, sell-out and stock")
        trend = monthly.frame.groupby("month", as_index=False)[["sell_in_qty", "sell_out_qty", "closing_qty"]].sum()
        st.line_chart(for_display(trend), x=header("month"))


def _forecast(db: Source, f: q.Filters) -> None:
    table("预测明细 Forecast by region and month", cached.run(db, q.forecast_by_region_month, f), "forecast_region_month",
          note="区间按产品相加（比总量自身的 80% 区间更宽）；经销商筛选不适用于预测 · "
               "Bounds are summed over products (wider than the total's own 80 % interval); "
               "the dealer filter does not apply to the forecast")


def _forecast_chart(db: Source, f: q.Filters) -> None:
    forecast = cached.run(db, q.forecast_by_region_month, f)
    if not forecast.missing and not forecast.frame.empty:
        st.subheader("销量预测 Sell-out forecast")
        total = forecast.frame.groupby("month", as_index=False)[["actual_qty", "forecast_qty", "forecast_lo", "forecast_hi"]].sum(min_count=1)
        base = alt.Chart(total).encode(x=alt.X("month:T", title="月份 Month"))
        band = base.mark_area(opacity=0.25).encode(y=alt.Y("forecast_lo:Q", title="数量 Qty"), y2="forecast_hi:Q")
        actual = base.mark_line(point=True).encode(y="actual_qty:Q", tooltip=["month:T", "actual_qty:Q"])
        fc = base.mark_line(point=True, strokeDash=[4, 3], color="orange").encode(
            y="forecast_qty:Q", tooltip=["month:T", "forecast_qty:Q", "forecast_lo:Q", "forecast_hi:Q"])
        st.altair_chart(band + actual + fc, width="stretch")


def dealer(db: Source, f: q.Filters) -> None:
    st.title(views.TITLES["dealer"])
    listed = cached.run(db, q.dealers, f)
    if listed.missing or listed.frame.empty:
        first_view(views.dealer(runner(db), f), title=False)
        return
    names = dict(zip(listed.frame.dealer_id, listed.frame["dealer_name"]))
    chosen = st.selectbox("经销商 Dealer", list(names), format_func=lambda d: f"{d} {names[d]}", key="dealer_page")
    first_view(views.dealer(runner(db), f, chosen), title=False)
    history = cached.run(db, q.scorecard_history, f, chosen)
    flags = cached.run(db, q.dealer_flags, f, chosen)
    alerts = cached.run(db, q.alerts, q.Filters(dealers=(chosen,), categories=f.categories))
    tabbed("dealer", [
        ("窜货标记 Diversion flags", lambda: table("窜货标记（证据与来源） Diversion flags, evidence and source", flags,
                                                 f"flags_{chosen}", wording={"rule": "diversion"})),
        ("价格偏离 Price deviation", lambda: (
            table("价格偏离（按月） Price deviation by month", cached.run(db, q.dealer_price_by_month, f, chosen),
                  f"price_month_{chosen}", note="低于限价仅供内部分析，不作处罚 · Below-floor figures are internal analytics, never a penalty"),
            table("偏离最大的销售行 Lines furthest from the guide price", cached.run(db, q.dealer_price_lines, f, chosen),
                  f"price_lines_{chosen}"))),
        ("库存与预警 Stock and alerts", lambda: (
            table("库存（所选最后一月） Stock, last month chosen", cached.run(db, q.dealer_stock, f, chosen), f"stock_{chosen}"),
            table("库存预警 Stock alerts", alerts, f"alerts_{chosen}"))),
        ("客户覆盖 Customer coverage", lambda: table("客户覆盖 Customer coverage",
                                                    cached.run(db, q.dealer_coverage, f, chosen), f"coverage_{chosen}")),
        (CHARTS, lambda: chart(history, lambda d: st.line_chart(d[[header("month"), header("composite_score")]],
                                                                 x=header("month")))),
    ])


def diversion(db: Source, f: q.Filters) -> None:
    first_view(views.diversion(runner(db), f))
    by_rule = cached.run(db, q.flags_by_rule_month, f)
    dealers = cached.run(db, q.flagged_dealers, f)
    tabbed("diversion", [
        ("全部标记 Every flag", lambda: table("全部标记（证据与来源） Every flag, evidence and source",
                                           cached.run(db, q.flag_lines, f), "flag_lines", wording={"rule": "diversion"})),
        ("按规则和月份 By rule and month", lambda: table("按规则和月份 By rule and month", by_rule, "flags_rule_month",
                                                     wording={"rule": "diversion"})),
        ("涉及经销商 Dealers", lambda: table("涉及经销商 Dealers involved", dealers, "flagged_dealers")),
        ("涉及批次 Batches", lambda: table("涉及批次 Batches involved", cached.run(db, q.flagged_batches, f),
                                        "flagged_batches", wording={"rule": "diversion"})),
        ("负库存 Negative stock", lambda: table("负库存（月度信号） Negative stock, the monthly sign",
                                             cached.run(db, q.negative_stock, f), "negative_stock")),
        (CHARTS, lambda: chart(by_rule, lambda d: st.bar_chart(d, x=header("month"), y=header("flags"),
                                                               color=header("rule")))),
    ])


def finance(db: Source, f: q.Filters) -> None:
    first_view(views.finance(runner(db), f))
    by_month = cached.run(db, q.writeoff_by_month_status, f)
    tabbed("finance", [
        ("按活动 By campaign", lambda: table("核销（按活动） Write-off by campaign", cached.run(db, q.writeoff_by_campaign, f),
                                          "writeoff_campaign")),
        ("活动回报 Campaign ROI", lambda: table(
            "营销活动回报 Campaign ROI", cached.run(db, q.campaign_roi, f), "campaign_roi",
            note="回报率 = (增量毛利 − 核准费用) / 核准费用 · ROI = (incremental gross margin − approved spend) / approved spend")),
        ("返利计提 Rebate accrual", lambda: table("返利计提 Rebate accrual", cached.run(db, q.rebate_accrual, f),
                                               "rebate_accrual")),
        (CHARTS, lambda: chart(by_month, lambda d: st.bar_chart(d, x=header("writeoff_month"),
                                                                y=header("approved_amount"), color=header("status")))),
    ])


def quality(db: Source, f: q.Filters) -> None:
    first_view(views.quality(runner(db), f))
    late = cached.run(db, q.late_reports, f)
    tabbed("quality", [
        ("隔离原因 Quarantine reasons", lambda: table("隔离原因 Quarantine reasons", cached.run(db, q.quarantine_reasons, f),
                                                  "quarantine_reasons", wording={"reason_code": "row"})),
        ("拒收文件 Rejected files", lambda: table("拒收文件 Rejected files", cached.run(db, q.rejected_files, f),
                                               "rejected_files", wording={"reason_code": "file"})),
        ("报备及时性 Timeliness", lambda: table("报备及时性（按月） Reporting timeliness by month",
                                             cached.run(db, q.timeliness_by_month, f), "timeliness_month")),
        ("迟报与未报 Late and missing", lambda: table("迟报与未报 Late and missing reports", late, "late_reports")),
        ("催报 Due or overdue", lambda: table("催报：即将到期与逾期 Reports due soon or overdue",
                                           cached.run(db, q.reporting_status, f), "reporting_status")),
        ("合同续签 Renewals", lambda: table("合同续签 Contract renewals", cached.run(db, q.contract_renewals, f),
                                         "contract_renewals")),
    ])


READY = "dcw-ready"  # the id of the mark a page leaves once every section is sent (tests, bench)
_COUNTS = "_dcw_counts"  # tables and metrics the current render sent (session state)


def start_render() -> None:
    """At the top of the script: the counts start afresh (a render stopped midway, as when a
    filter changes, left its own) and the render's clocks start."""
    st.session_state[_COUNTS] = {"started": (time.perf_counter(), time.thread_time())}


def ready_mark(path: str) -> None:
    """The page's last element: which page, and how many tables and metrics it sent. The
    browser draws elements some time after they arrive, so a page is *data-ready* when this
    mark is there and as many tables and metrics are drawn (tests/ui/test_dashboard.py,
    bench/dashboard.py)."""
    counts = st.session_state.pop(_COUNTS, {})
    wall, cpu = counts.get("started", (time.perf_counter(), time.thread_time()))
    # the server's share of the wait (bench/dashboard.py): the script's run so far, wall and CPU
    timing = f'data-server-ms="{(time.perf_counter() - wall) * 1000:.0f}" data-server-cpu-ms="{(time.thread_time() - cpu) * 1000:.0f}"'
    st.markdown(f'<div id="{READY}" data-page="{path}" data-tables="{counts.get("tables", 0)}" '
                f'data-metrics="{counts.get("metrics", 0)}" {timing}></div>', unsafe_allow_html=True)


# In the browser: true once the page `name` is data-ready (see ready_mark).
DATA_READY_JS = """(name) => {
  const mark = document.getElementById("%s");
  if (!mark || mark.dataset.page !== name) return false;
  const drawn = (id) => document.querySelectorAll(`[data-testid="${id}"]`).length;
  const tables = drawn("stTable") + drawn("stDataFrame");
  return tables >= Number(mark.dataset.tables) && drawn("stMetric") >= Number(mark.dataset.metrics)
    && !document.querySelector('[data-testid="stSkeleton"]');
}""" % READY


RENDER = {"overview": overview, "dealer": dealer, "diversion": diversion, "finance": finance, "quality": quality}
