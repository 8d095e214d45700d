"""The dbt project as Dagster sees it (keys, groups, checks), the manifest handling, the
build errors, the docs, and the rules that keep the SQL portable to Spark (issue #9)."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from dagster import AssetKey, materialize

from landing_builder import Landing
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.dbt import (
    DBT_PROJECT_DIR,
    LAYERS,
    PARTIAL_PARSE,
    WarehouseBuildError,
    build_warehouse,
    dbt_project,
    dbt_resource,
    dbt_warehouse_assets,
    ensure_manifest,
    generate_docs,
    keep_parse_state,
    manifest_is_stale,
    run_dbt,
)
from pipelines.ingest import run_ingestion
from pipelines.quality import ge_checks

RAW_TABLES = {"submissions", "quarantine", "regions", "dealers", "territories", "products",
              "prices", "campaigns", "opening_inventory", "shipments", "sales", "inventory",
              "claims"}
MARTS = {"fct_sell_through_monthly", "fct_price_deviation", "fct_diversion_flags",
         "agg_dealer_diversion_monthly", "fct_expense_writeoff", "fct_campaign_roi",
         "dq_submissions", "dq_quarantine", "dim_dealer", "dim_product", "dim_region",
         "dim_campaign", "dim_date"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def test_models_are_keyed_and_grouped_by_layer(manifest):
    specs = {s.key: s for s in dbt_warehouse_assets.specs}
    for node in models(manifest):
        layer = node["fqn"][1]
        assert layer in LAYERS
        key = AssetKey([layer, node["name"]])
        assert specs[key].group_name == layer
        assert node["config"]["schema"] == layer
    marts = {k.path[1] for k in specs if k.path[0] == "marts"}
    assert MARTS <= marts


def test_sources_are_the_raw_assets_of_the_ingestion():
    upstream = {k for k in dbt_warehouse_assets.dependency_keys if k.path[0] == "raw"}
    assert upstream == {AssetKey(["raw", t]) for t in RAW_TABLES}


def test_every_dbt_test_is_an_asset_check(manifest):
    tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    checks = {k.name for k in dbt_warehouse_assets.check_keys}
    assert checks == tests
    assert {"assert_campaign_approved_within_budget",
            "assert_every_sales_line_once_in_price_deviation",
            "assert_closing_is_opening_plus_in_minus_out",
            "assert_approved_within_claimed_and_cap"} <= checks


def test_a_sales_line_missing_or_twice_fails_the_line_key_test(channel_warehouse, tmp_path):
    """The one test that holds the line key of int_sales_lines and fct_price_deviation."""
    import duckdb

    built, _ = channel_warehouse
    warehouse = tmp_path / "tampered.duckdb"
    shutil.copyfile(built, warehouse)
    key_test = ["test", "--select", "assert_every_sales_line_once_in_price_deviation"]
    (tmp_path / "before").mkdir()
    run_dbt(key_test, Settings.for_warehouse(warehouse), artifacts=tmp_path / "before")  # the built warehouse passes
    for n, tamper in enumerate(("INSERT INTO marts.fct_price_deviation SELECT * FROM marts.fct_price_deviation LIMIT 1",
                   "INSERT INTO intermediate.int_sales_lines SELECT * FROM intermediate.int_sales_lines LIMIT 1",
                   "DELETE FROM marts.fct_price_deviation WHERE source_row = 2")):
        shutil.copyfile(built, warehouse)
        con = duckdb.connect(str(warehouse))
        con.execute(tamper)
        con.close()
        artifacts = tmp_path / f"tampered-{n}"
        artifacts.mkdir()
        with pytest.raises(WarehouseBuildError, match="assert_every_sales_line_once_in_price_deviation"):
            run_dbt(key_test, Settings.for_warehouse(warehouse), artifacts=artifacts)


def test_every_model_and_column_is_described(manifest):
    undocumented = []
    for node in models(manifest):
        if not node["description"].strip():
            undocumented.append(node["name"])
        undocumented += [f"{node['name']}.{c}" for c, col in node["columns"].items()
                         if not col["description"].strip()]
    assert undocumented == []


def test_manifest_is_regenerated_when_stale():
    os.utime(dbt_project.manifest_path, (0, 0))
    assert manifest_is_stale()
    ensure_manifest()
    assert not manifest_is_stale()


def test_a_parse_leaves_its_state_for_the_next_invocation(tmp_path):
    cache = tmp_path / "target" / PARTIAL_PARSE
    keep_parse_state(tmp_path / "none", cache)  # an invocation that parsed nothing
    assert not cache.exists()
    artifacts = tmp_path / "run"
    artifacts.mkdir()
    (artifacts / PARTIAL_PARSE).write_bytes(b"state")
    keep_parse_state(artifacts, cache)
    assert cache.read_bytes() == b"state"
    assert [p.name for p in cache.parent.iterdir()] == [PARTIAL_PARSE]  # no scratch copy left

    project_cache = DBT_PROJECT_DIR / dbt_project.target_path / PARTIAL_PARSE
    before = project_cache.stat().st_mtime_ns if project_cache.exists() else 0
    ensure_manifest(force=True)
    assert project_cache.stat().st_mtime_ns > before


def test_docs_generate_documents_every_built_column(channel_warehouse, tmp_path, manifest):
    index = generate_docs(channel_warehouse[0], tmp_path / "docs")
    assert index.exists()
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text())
    built = {n["metadata"]["name"]: set(n["columns"]) for n in catalog["nodes"].values()}
    for node in models(manifest):
        documented = set(node["columns"])
        assert built[node["name"]] == documented, node["name"]


def test_models_use_portable_sql_only():
    """No DuckDB-only syntax in models: `::` casts, QUALIFY, list functions. What differs
    by adapter lives in dispatched macros."""
    forbidden = re.compile(r"::|\bqualify\b|\blist_\w+\(|\bstring_agg\(|\bstrftime\(|\bepoch\(",
                           re.IGNORECASE)
    offenders = [
        f"{p.relative_to(DBT_PROJECT_DIR)}: {line.strip()}"
        for p in [*(DBT_PROJECT_DIR / "models").rglob("*.sql"),
                  *(DBT_PROJECT_DIR / "tests").rglob("*.sql")]
        for line in p.read_text().splitlines()
        if forbidden.search(line)
    ]
    assert offenders == []


def test_build_failure_names_the_failed_test(tmp_path):
    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    dealers = tmp_path / "landing" / "erp" / "dealers_20250101.csv"
    first = dealers.read_text().splitlines()[1]
    # the same dealer id twice, under two names: the ERP sent a broken snapshot
    dealers.write_text(dealers.read_text() + first.replace("经销商D0001", "另一家") + "\n")
    run_ingestion(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "feedback")
    with pytest.raises(WarehouseBuildError) as err:
        build_warehouse(tmp_path / "wh.duckdb")
    message = str(err.value)
    assert "unique_stg_dealers_dealer_id" in message and "\n" not in message


def test_dagster_materializes_the_models_and_runs_the_checks(tmp_path):
    """One Dagster run: dbt builds every model, its data tests run as asset checks, and the
    Great Expectations checks validate the marts after them."""
    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    lb.sales("D0001", "202501", [lb.sale()], submitted="20250205T100000")
    warehouse = tmp_path / "wh.duckdb"
    run_ingestion(tmp_path / "landing", warehouse, tmp_path / "feedback")
    resources = {"dbt": dbt_resource(), "warehouse": WarehouseResource.from_settings(Settings.for_warehouse(warehouse))}
    result = materialize([dbt_warehouse_assets, *ge_checks], resources=resources)
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == set(dbt_warehouse_assets.keys)
    evaluations = result.get_asset_check_evaluations()
    ge_keys = {k for c in ge_checks for k in c.check_keys}
    assert {e.asset_check_key for e in evaluations} == set(dbt_warehouse_assets.check_keys) | ge_keys
    assert [e.asset_check_key for e in evaluations if not e.passed] == []
    assert (tmp_path / "reports" / "great_expectations" / "index.html").exists()
