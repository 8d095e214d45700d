"""The static docs sites of a built warehouse, opened in a real browser: the dbt docs show
a mart with its columns as built, the Great Expectations Data Docs every suite's result."""

from __future__ import annotations

from ui_helpers import screenshot

from pipelines.quality import load_suites


def test_dbt_docs_show_a_mart_with_its_columns_as_built(docs_url, page, tmp_path):
    page.goto(f"{docs_url}/dbt/index.html#!/model/model.dcw.fct_expense_writeoff")
    # drawn from manifest.json, fetched after the page loads
    page.get_by_text("Expense claim write-off (费用核销)").filter(visible=True).first.wait_for()
    page.get_by_text("warehouse.marts.fct_expense_writeoff").wait_for()
    # the column types come from catalog.json, i.e. from the warehouse as DuckDB built it
    columns = page.locator("tr", has=page.get_by_text("approved_amount", exact=True)).first
    columns.get_by_text("DECIMAL(18,4)").wait_for()
    # the project tree lists every mart (breaking long names over lines)
    shown = "".join(page.inner_text("body").split())
    assert [s["name"] for s in load_suites() if s["name"] not in shown] == []
    screenshot(page, tmp_path / "dbt_docs.png")


def test_data_docs_hold_every_suite_and_show_its_result(docs_sites, docs_url, page, tmp_path):
    site = docs_sites.great_expectations.parent
    page.goto(f"{docs_url}/{site.name}/index.html")
    page.get_by_text("Validation Results").first.wait_for()
    # the index lists every suite; its table is drawn by scripts from CDNs, so the names are
    # checked in the page as written, which holds without network too
    index = page.content()
    suites = sorted(s["name"] for s in load_suites())
    assert [name for name in suites if f"'expectation_suite_name': '{name}'" not in index] == []
    screenshot(page, tmp_path / "data_docs_index.png")

    for name in ("fct_expense_writeoff", "dq_quarantine"):
        (result,) = (site / "validations" / name).rglob("*.html")
        page.goto(f"{docs_url}/{result.relative_to(site.parent).as_posix()}")
        page.get_by_text(f"Expectation Suite: {name}").wait_for()
        page.get_by_text("Status: Succeeded").wait_for()
        screenshot(page, tmp_path / f"data_docs_{name}.png")
