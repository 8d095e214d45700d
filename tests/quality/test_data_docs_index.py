"""The Data Docs entry page (pipelines/quality/docs.py): one row per suite with its latest
status, counts and working links, failures first and never shown as a success, and nothing
fetched from another host, so it reads the same offline."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from pipelines.quality import DriftSuite, Profile, validate_marts
from pipelines.quality.docs import FAILED, PASSED, SuiteRun, latest_runs, render_index


class _Rows(HTMLParser):
    """The suite rows of an index page: suite -> {status, cells, result href, suite href};
    plus every URL the page would load or link (src/href)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self.urls: list[str] = []
        self._row: dict | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.urls += [a[k] for k in ("src", "href") if k in a]
        if tag == "tr" and "data-suite" in a:
            self._row = self.rows.setdefault(a["data-suite"], {"cells": [], "links": []})
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "a" and self._row is not None:
            self._row["links"].append(a["href"])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._row = None


def parse_index(page: str) -> _Rows:
    parser = _Rows()
    parser.feed(page)
    return parser


def text_of(page: Path) -> str:
    """The words of an HTML page, tags and spacing dropped."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")).split())


def row_status(row: dict) -> str:
    return row["cells"][1]


T0 = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)


def run(suite: str, success: bool, at: datetime = T0, failed: int = 0) -> SuiteRun:
    return SuiteRun(suite=suite, validated_at=at, success=success, evaluated=5,
                    successful=5 - failed, unsuccessful=failed,
                    result_href=f"validations/{suite}/{at:%H%M}.html",
                    suite_href=f"expectations/{suite}.html")


def test_the_latest_run_of_each_suite_counts_and_failures_come_first():
    later = T0 + timedelta(hours=1)
    runs = [run("dim_date", True), run("fct_price_deviation", False, T0, failed=2),
            run("fct_price_deviation", True, later), run("dq_quarantine", True, later),
            run("dq_quarantine", False, T0, failed=1), run("agg_x", False, later, failed=3)]
    latest = latest_runs(runs)
    assert [(r.suite, r.success, r.validated_at) for r in latest] == [
        ("agg_x", False, later),
        ("dim_date", True, T0),
        ("dq_quarantine", True, later),
        ("fct_price_deviation", True, later),
    ]


def test_the_page_lists_every_suite_with_its_own_status_counts_and_links():
    runs = [run("fct_expense_writeoff", False, failed=2), run("dim_dealer", True)]
    page = render_index(runs)
    index = parse_index(page)
    assert set(index.rows) == {"fct_expense_writeoff", "dim_dealer"}
    failed, passed = index.rows["fct_expense_writeoff"], index.rows["dim_dealer"]
    assert row_status(failed) == FAILED and row_status(passed) == PASSED
    assert failed["cells"][2:6] == ["2026-03-01 02:00:00", "5", "3", "2"]
    assert failed["links"] == ["validations/fct_expense_writeoff/0200.html",
                               "expectations/fct_expense_writeoff.html"]
    assert ("已验证 2 个套件: 1 个通过, 1 个警告 (fct_expense_writeoff)。"
            " / 2 suites validated: 1 succeeded, 1 warned (fct_expense_writeoff).") in page
    assert [u for u in index.urls if "//" in u] == []
    assert "<script" not in page and "http" not in page


def test_validation_times_show_in_utc():
    shanghai = timezone(timedelta(hours=8))
    page = render_index([run("dim_date", True, datetime(2026, 3, 1, 10, 0, tzinfo=shanghai))])
    assert parse_index(page).rows["dim_date"]["cells"][2] == "2026-03-01 02:00:00"


# Through GE: three tiny drift suites, one of which warns, validated twice into one folder.

def suite(name: str, table: str) -> DriftSuite:
    """A drift suite on `marts.<table>` (subject, period, value): the newest month within 3
    robust standard deviations of the history."""
    return DriftSuite(
        name=name, asset=f"marts.{table}", description=name, measure="value",
        profile=Profile(series_sql=f"select subject, period, value from marts.{table}",
                        min_history_periods=3, scale_floor=1.0),
        expectations=[{"type": "expect_column_values_to_be_between",
                       "kwargs": {"column": "robust_z", "min_value": -3, "max_value": 3}}])


SUITES = [suite("mart_ok", "mart_ok"), suite("mart_bad", "mart_bad"),
          suite("mart.dotted", "mart_dotted")]


@pytest.fixture
def tiny_warehouse(tmp_path) -> Path:
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        for table in ("mart_ok", "mart_bad", "mart_dotted"):
            # two subjects, five months of 10 each
            con.execute(f"""create table marts.{table} as
                            select s as subject, make_date(2025, m, 1) as period, 10.0::double as value
                            from unnest(['a', 'b']) as t(s), range(1, 6) as r(m)""")
        # b's newest month of mart_bad jumps: mart_bad warns
        con.execute("update marts.mart_bad set value = 100 where subject = 'b' and period = '2025-05-01'")
    finally:
        con.close()
    return path


def check_index(site: Path, results) -> _Rows:
    """The index of `site` against validate_marts' own `results`: one row per suite, the
    same status and counts, links to pages that exist, nothing from another host."""
    page = (site / "index.html").read_text(encoding="utf-8")
    index = parse_index(page)
    assert sorted(index.rows) == sorted(results)
    for name, result in results.items():
        row = index.rows[name]
        assert row_status(row) == (PASSED if result.success else FAILED), name
        assert row["cells"][3:6] == [str(result.evaluated),
                                     str(result.evaluated - result.unsuccessful),
                                     str(result.unsuccessful)], name
        result_page, suite_page = (site / unquote(href) for href in row["links"])
        shown = text_of(result_page)
        assert f"Expectation Suite: {name} " in shown and f"Status: {row_status(row)} " in shown
        assert suite_page.is_file()
    assert [u for u in index.urls if "//" in u] == []
    assert "<script" not in page and "http" not in page
    return index


def test_ges_index_is_replaced_by_ours_and_follows_the_latest_run(tiny_warehouse, tmp_path):
    site = tmp_path / "docs"
    results = validate_marts(tiny_warehouse, site, SUITES)
    assert {n: r.failed for n, r in results.items()} == {
        "mart_ok": [], "mart.dotted": [],
        "mart_bad": ["b 2025-05: value 100 (历史中位数 / history median 10, ×10.00, "
                     "稳健 z / robust z 90.0)"]}
    index = check_index(site, results)
    assert list(index.rows)[0] == "mart_bad"  # failures first

    con = duckdb.connect(str(tiny_warehouse))
    try:
        con.execute("update marts.mart_bad set value = 10")
    finally:
        con.close()
    results = validate_marts(tiny_warehouse, site, SUITES)
    assert all(r.success for r in results.values())
    check_index(site, results)
    # the first run's pages are gone with its results: one result page per suite
    assert len(list((site / "validations").rglob("*.html"))) == len(SUITES)
