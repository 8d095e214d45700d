"""The static docs sites of a built warehouse, opened in a real browser: the dbt docs show
a mart with its columns as built, the Great Expectations Data Docs every drift suite's result."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from tests.ui.ui_helpers import HOST, screenshot

from pipelines.dbt import DBT_ASSETS
from pipelines.quality import load_suites
from pipelines.quality.docs import FAILED, PASSED

pytestmark = pytest.mark.slow  # a built warehouse's docs sites in a headless browser


def test_dbt_docs_show_a_mart_with_its_columns_as_built(docs_url, page, tmp_path):
    page.goto(f"{docs_url}/dbt/index.html#!/model/model.dcw.fct_expense_writeoff")
    # drawn from manifest.json, fetched after the page loads
    page.get_by_text("Expense claim write-off (费用核销)").filter(visible=True).first.wait_for()
    page.get_by_text("warehouse.marts.fct_expense_writeoff").wait_for()
    # the column types come from catalog.json, i.e. from the warehouse as DuckDB built it
    columns = page.locator("tr", has=page.get_by_text("approved_amount", exact=True)).first
    columns.get_by_text("DECIMAL(18,4)").wait_for()
    # the project tree lists every mart under its domain folder (breaking long names over
    # lines); the folders of other domains open on a click
    domains: dict[str, list[str]] = {}
    for key, group in ((k, g) for assets in DBT_ASSETS for k, g in assets.group_names_by_key.items()):
        if key.path[0] == "marts":
            domains.setdefault(group, []).append(key.path[1])
    for domain, marts in sorted(domains.items()):
        if any(m not in "".join(page.inner_text("body").split()) for m in marts):
            page.get_by_text(domain, exact=True).filter(visible=True).first.click()
    shown = "".join(page.inner_text("body").split())
    assert [m for marts in domains.values() for m in marts if m not in shown] == []
    screenshot(page, tmp_path / "dbt_docs.png")


def offline(page) -> list[str]:
    """Block every request that leaves the machine, as on a network without internet; the
    list of blocked URLs, filled as the page asks for them."""
    blocked: list[str] = []

    def route(route):
        url = urlsplit(route.request.url)
        if url.scheme == "file" or url.hostname in (HOST, "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return blocked


def test_data_docs_list_every_suite_offline_and_link_its_result(docs_sites, page, tmp_path):
    """The entry page, opened from disk as an operator would with the network cut off, lists
    every suite with its status; each suite opens its result page, which shows the same
    status and counts as GE rendered them."""
    blocked = offline(page)
    index = docs_sites.great_expectations.as_uri()
    page.goto(index)
    rows = page.locator("#suites tbody tr")
    shown = {rows.nth(i).get_attribute("data-suite"): rows.nth(i).locator("td").all_inner_texts()
             for i in range(rows.count())}
    assert sorted(shown) == sorted(s.name for s in load_suites())
    assert {cells[1] for cells in shown.values()} <= {PASSED, FAILED}
    # nothing on the entry page asks another host for anything
    assert blocked == []
    assert "http://" not in page.content() and "https://" not in page.content()
    screenshot(page, tmp_path / "data_docs_index.png")

    for name, (_, status, _, evaluated, successful, unsuccessful, _) in shown.items():
        page.locator(f'tr[data-suite="{name}"] a.result').click()
        page.wait_for_url("**/validations/**")
        page.wait_for_load_state()
        words = " ".join(page.inner_text("body").split())
        assert f"Expectation Suite: {name} " in words and f"Status: {status} " in words, name
        statistics = {label: page.locator("tr", has=page.get_by_text(label, exact=True))
                      .first.locator("td").last.inner_text().strip()
                      for label in ("Evaluated Expectations", "Successful Expectations",
                                    "Unsuccessful Expectations")}
        assert statistics == {"Evaluated Expectations": evaluated,
                              "Successful Expectations": successful,
                              "Unsuccessful Expectations": unsuccessful}, name
        if name == "drift_dealer_sell_out_qty":
            screenshot(page, tmp_path / f"data_docs_{name}.png")
        page.goto(index)
    # GE's result pages do ask CDNs for their styles and scripts: the block was in force
    assert any("cdn" in url for url in blocked)
