"""The channel dashboard (`dcw dashboard`) in headless Chromium on the demo serving file:
every page opens with no error in the page or the server's log, shows at least one figure
equal to the mart's (worked out here with SQL of its own), a filter changes a figure as the
mart says, and a downloaded table is the mart's rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from tests.ui.ui_helpers import HOST, free_port

from pipelines.dashboard.pages import DATA_READY_JS
from pipelines.dashboard.server import NotServing, start_dashboard, stop_dashboard, wait_until_healthy

pytestmark = pytest.mark.slow  # a Streamlit server and a browser

PAGES = {"overview": "", "dealer": "dealer", "diversion": "diversion", "finance": "finance", "quality": "quality"}
EXCEPTION = '[data-testid="stException"]'
LOG_ERRORS = re.compile(r"Traceback|Error|Exception|Uncaught")


class Dashboard:
    def __init__(self, url: str, log: Path, serving: Path):
        self.url, self.log, self.serving = url, log, serving

    def mart(self, sql: str, *params):
        con = duckdb.connect(str(self.serving), read_only=True)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()

    def log_errors(self) -> list[str]:
        return [line for line in self.log.read_text(errors="replace").splitlines() if LOG_ERRORS.search(line)]


@pytest.fixture(scope="session")
def dashboard(demo_serving, tmp_path_factory) -> Iterator[Dashboard]:
    """`streamlit run` of the dashboard on loopback and a free port, ready once its health
    endpoint answers; stopped after the last test."""
    root = tmp_path_factory.mktemp("dashboard")
    port = free_port()
    log = root / "dashboard.log"
    process = start_dashboard(demo_serving, HOST, port, log=log)
    url = f"http://{HOST}:{port}"
    try:
        try:
            wait_until_healthy(process, url)
        except NotServing as exc:
            pytest.fail(f"{exc}; its log:\n{log.read_text(errors='replace')[-5000:]}")
        yield Dashboard(url, log, demo_serving)
    finally:
        stop_dashboard(process)


def open_page(page, dashboard: Dashboard, name: str) -> None:
    """Open a page and wait until it is data-ready (every table and metric it sent is drawn)
    or shows an error."""
    page.goto(f"{dashboard.url}/{PAGES[name]}")
    page.wait_for_function(f"(name) => ({DATA_READY_JS})(name) || !!document.querySelector('{EXCEPTION}')", arg=name)
    assert_no_error(page, dashboard)


def metric(page, label: str) -> float:
    """The number a metric shows, by the start of its label."""
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return number(box.locator('[data-testid="stMetricValue"]').inner_text())


def number(text: str) -> float:
    return float(text.strip().replace(",", ""))


def assert_no_error(page, dashboard: Dashboard) -> None:
    exceptions = page.locator(EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert dashboard.log_errors() == []


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_without_error(page, dashboard, name):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, dashboard, name)
    assert page.locator('[data-testid="stMetric"]').count() >= 3
    assert page.locator('[data-testid="stTable"], [data-testid="stDataFrame"]').count() >= 2
    assert_no_error(page, dashboard)
    assert errors == []


def test_overview_shows_the_marts_sell_out_and_stock(page, dashboard):
    open_page(page, dashboard, "overview")
    (sell_out, sell_in), = dashboard.mart(
        "select sum(sell_out_qty), sum(sell_in_qty) from marts.fct_sell_through_monthly")
    (stock,), = dashboard.mart("select sum(closing_qty) from marts.fct_sell_through_monthly "
                               "where month = (select max(month) from marts.fct_sell_through_monthly)")
    assert metric(page, "销量 Sell-out") == float(sell_out)
    assert metric(page, "进货量 Sell-in") == float(sell_in)
    assert metric(page, "期末库存 Stock") == float(stock)


def test_dealer_page_shows_the_scorecard_and_flags_of_the_dealer(page, dashboard):
    open_page(page, dashboard, "dealer")
    first = dashboard.mart("select min(dealer_id) from marts.dim_dealer")[0][0]
    (score,), = dashboard.mart("select composite_score from marts.fct_dealer_scorecard where dealer_id = ? "
                               "order by month desc limit 1", first)
    (flags,), = dashboard.mart("select count(*) from marts.fct_diversion_flags where dealer_id = ?", first)
    assert metric(page, "综合评分 Score") == round(score, 2)
    assert metric(page, "窜货标记 Diversion flags") == flags


def test_diversion_page_counts_the_marts_flags(page, dashboard):
    open_page(page, dashboard, "diversion")
    (flags, dealers), = dashboard.mart("select count(*), count(distinct dealer_id) from marts.fct_diversion_flags")
    assert flags > 0
    assert metric(page, "窜货标记 Flags") == flags
    assert metric(page, "涉及经销商 Dealers") == dealers


def test_finance_page_sums_the_write_off_to_the_cent(page, dashboard):
    open_page(page, dashboard, "finance")
    (claims, approved), = dashboard.mart("select count(*), sum(approved_amount) from marts.fct_expense_writeoff")
    assert metric(page, "申请数 Claims") == claims
    assert metric(page, "核准金额 Approved") == float(round(approved, 2))


def test_quality_page_counts_the_marts_rejections_and_quarantine(page, dashboard):
    open_page(page, dashboard, "quality")
    (rejected, quarantined), = dashboard.mart(
        "select count(*) filter (where status = 'rejected'), sum(rows_quarantined) "
        "from marts.dq_submissions where source = 'dealer'")
    assert metric(page, "已拒收 Rejected") == rejected
    assert metric(page, "隔离行数 Quarantined rows") == quarantined


def test_a_region_filter_narrows_the_overview_as_the_mart_does(page, dashboard):
    from playwright.sync_api import expect

    open_page(page, dashboard, "overview")
    region = dashboard.mart("select min(region) from marts.dim_dealer")[0][0]
    (expected,), = dashboard.mart(
        "select sum(t.sell_out_qty) from marts.fct_sell_through_monthly t join marts.dim_dealer d using (dealer_id) "
        "where d.region = ?", region)
    (everything,), = dashboard.mart("select sum(sell_out_qty) from marts.fct_sell_through_monthly")
    assert expected != everything
    select = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="大区 Region")
    select.locator("input").fill(region)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    value = page.locator('[data-testid="stMetric"]').filter(has_text="销量 Sell-out").locator('[data-testid="stMetricValue"]')
    expect(value).to_have_text(f"{float(expected):,.0f}")
    assert_no_error(page, dashboard)


def test_the_flags_download_is_the_marts_rows(page, dashboard):
    open_page(page, dashboard, "diversion")
    with page.expect_download() as download:
        page.locator(".st-key-csv_flag_lines button").click()
    text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    got = sorted((r["来源文件 source_file"], int(r["来源行号 source_row"]), r["规则 rule"], r["证据 evidence"]) for r in rows)
    want = sorted(dashboard.mart("select source_file, source_row, rule, evidence from marts.fct_diversion_flags"))
    assert got == want
    assert download.value.suggested_filename == "flag_lines.csv"


@pytest.mark.parametrize("name", list(PAGES))
def test_each_first_view_shows_the_interactive_pages_figures_and_opens_it(page, dashboard, name):
    """The static first view (/first/<page>) shows the same headline figures as the Streamlit
    page, whose figures the tests above check against the marts, and links to it."""
    page.goto(f"{dashboard.url}/first/{name}")
    static = page.locator('[data-testid="stMetric"]').all_inner_texts()
    assert len(static) >= 3 and page.locator("table tbody tr").count() > 0
    assert page.locator("script").count() == 0  # plain HTML: nothing for the browser to run
    page.locator("#dcw-interactive").click()
    page.wait_for_function(f"(name) => ({DATA_READY_JS})(name) || !!document.querySelector('{EXCEPTION}')",
                           arg=name)
    assert_no_error(page, dashboard)
    interactive = [" ".join(box.split()) for box in page.locator('[data-testid="stMetric"]').all_inner_texts()]
    assert [" ".join(box.split()) for box in static] == interactive


def test_the_dashboard_bench_measures_every_page(browser, dashboard):
    """bench/dashboard.py on the demo, once per page, so the benchmark cannot rot."""
    from bench.dashboard import measure_pages

    result = measure_pages(browser, dashboard.url, runs=1)
    assert list(result) == list(PAGES)
    for times in result.values():
        assert 0 < times["fcp_median_ms"] <= times["data_ready_median_ms"]
        assert times["switch_median_ms"] > 0 and times["returning_median_ms"] > 0
        assert times["server_ms_median"] > 0  # the ready mark carries the server's script time
        assert 0 < times["script_ms_median"] <= times["main_thread_ms_median"]
        assert times["renderer_cpu_ms_median"] > 0  # the browser's renderer processes' CPU
        assert 0 < times["first_view_median_ms"] and times["returning_renderer_cpu_ms_median"] > 0
    assert dashboard.log_errors() == []


def test_the_elements_bench_measures_an_empty_page_and_a_table(browser):
    """bench/dashboard_elements.py once per kind, so the element-by-element figures cannot rot."""
    from bench.dashboard_elements import cases, markdown, measure_kinds

    result = measure_kinds(browser, cases(["table"], [5]), runs=1)
    assert list(result) == ["empty:5", "table:5"]
    for times in result.values():
        assert 0 < times["fcp_ms_median"] <= times["drawn_ms_median"]
        assert 0 < times["script_ms_median"] <= times["main_thread_ms_median"]
        assert times["renderer_cpu_ms_median"] > 0
    assert "| table:5 |" in markdown(result)
