"""The Great Expectations suites of expectations/ on the hand-written channel: they pass on a
correct build, and catch a mart that disagrees with the raw layer or leaks a phone number."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.dbt import dbt_warehouse_assets
from pipelines.quality import load_suites, validate_marts

MARTS = {k.path[1] for k in dbt_warehouse_assets.keys if k.path[0] == "marts"}


def test_every_mart_has_a_suite():
    assert {s["name"] for s in load_suites()} == MARTS
    assert all(s["meta"]["table"] == f"marts.{s['name']}" for s in load_suites())


def test_suites_pass_on_a_correct_build_and_write_data_docs(channel_warehouse, tmp_path):
    results = validate_marts(channel_warehouse[0], tmp_path / "ge")
    assert {n: r.failed for n, r in results.items() if not r.success} == {}
    assert all(r.evaluated >= 2 for r in results.values())
    assert (tmp_path / "ge" / "index.html").exists()
    pages = list((tmp_path / "ge" / "validations").rglob("*.html"))
    assert len(pages) == len(results)


@pytest.fixture
def broken_warehouse(channel_warehouse, tmp_path):
    """A copy of the channel warehouse with a line missing from fct_price_deviation and a
    phone number in clear in dq_quarantine."""
    copy = tmp_path / "broken.duckdb"
    shutil.copy(channel_warehouse[0], copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("delete from marts.fct_price_deviation where source_row = 1")
        con.execute("""update marts.dq_quarantine
                       set raw_values = '{"customer_phone":"13987654321"}'""")
    finally:
        con.close()
    return copy


def test_suites_catch_broken_marts(broken_warehouse, tmp_path):
    suites = [s for s in load_suites() if s["name"] in ("fct_price_deviation", "dq_quarantine")]
    results = validate_marts(broken_warehouse, tmp_path / "ge", suites)
    assert results["fct_price_deviation"].failed == [
        "expect_table_row_count_to_equal: observed 3"]
    assert [f.split(":")[0] for f in results["dq_quarantine"].failed] == [
        "expect_column_values_to_not_match_regex raw_values"]
