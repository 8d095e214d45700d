"""What a night builds (dbt_project/README.md, "What a night builds"): the selection of what
changed since the last whole build, from the warehouse's record of it, without running dbt."""

import os
from datetime import date

import duckdb
import pytest
from dagster import AssetKey, materialize

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.customers.assets import customer_records
from pipelines.dbt import (as_of_readers, build_state, dbt_monthly_assets, dbt_project, dbt_resource, dbt_warehouse_assets,
                           downstream_of, night_selection, record_build, redated_only_tests)
from pipelines.ingest import run_ingestion
from tests.landing_builder import Landing


@pytest.fixture
def cfg(tmp_path):
    cfg = Settings.for_warehouse(tmp_path / "warehouse.duckdb", as_of=date(2026, 3, 10))
    for table in ("submissions", "sales", "prices"):
        (cfg.raw / table).mkdir(parents=True)
        (cfg.raw / table / "b1.parquet").write_bytes(b"rows")
    with duckdb.connect(str(cfg.warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.submissions (batch_id varchar, kind varchar, status varchar, rows_quarantined int)")
        con.execute("insert into raw.submissions values ('b1', 'sales', 'accepted', 0), ('b1', 'prices', 'accepted', 0)")
    return cfg


def log(cfg, *rows):
    with duckdb.connect(str(cfg.warehouse)) as con:
        con.executemany("insert into raw.submissions values (?, ?, ?, ?)", rows)


def test_without_a_record_of_the_last_build_everything_is_built(cfg):
    assert night_selection(cfg, build_state(cfg)) is None


def test_a_night_with_nothing_new_builds_nothing(cfg):
    record_build(cfg, build_state(cfg))
    assert night_selection(cfg, build_state(cfg)) == []


def test_a_night_builds_what_its_batches_and_raw_folders_feed(cfg):
    record_build(cfg, build_state(cfg))
    # a sales file accepted without rows (it still supersedes) and a rejected prices file
    log(cfg, ("b2", "sales", "accepted", 0), ("b2", "prices", "rejected", 0))
    select = night_selection(cfg, build_state(cfg))
    assert "source:raw.sales+" in select and "source:raw.customer_records+" in select
    assert "stg_submissions+" in select and "source:raw.prices+" not in select
    # a rewritten raw folder counts although no new batch names it
    record_build(cfg, build_state(cfg))
    (cfg.raw / "prices" / "b1.parquet").write_bytes(b"other rows")
    assert night_selection(cfg, build_state(cfg)) == ["source:raw.prices+"]


def test_a_new_business_date_rebuilds_what_reads_it(cfg):
    record_build(cfg, build_state(cfg))
    later = cfg.with_overrides(as_of=date(2026, 3, 11))
    select = night_selection(later, build_state(later))
    assert {"rpt_reporting_status+", "fct_dealer_scorecard+", "fct_forecast+"} <= set(select)
    assert "source:raw.sales+" not in select


def test_a_changed_project_or_full_checks_build_everything(cfg, monkeypatch):
    state = build_state(cfg)
    record_build(cfg, {**state, "project": "an older project"})
    assert night_selection(cfg, state) is None
    record_build(cfg, state)
    monkeypatch.setitem(os.environ, "DCW_FULL_CHECKS", "1")
    assert night_selection(cfg, state) is None


def test_a_night_leaves_the_tests_of_what_only_the_date_selects_to_the_full_check():
    import json

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    tests = {n["name"]: {p.split(".")[-1] for p in n["depends_on"]["nodes"]}
             for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    dated = as_of_readers(manifest)
    # only the date moved: the re-dated marts' tests wait for the full check
    left = set(redated_only_tests(dated, manifest))
    assert {t for t, reads in tests.items() if reads & {"rpt_reporting_status", "rpt_contract_renewals"}} <= left
    assert not {t for t, reads in tests.items() if reads & {"fct_price_deviation", "stg_sales"}} & left
    # a night with sales: what the sales reach keeps its tests, also when the date moved it
    fed = downstream_of(["sales", "submissions", "customer_records"], manifest)
    left = set(redated_only_tests(sorted({*dated, *fed}), manifest))
    assert {t for t, reads in tests.items() if reads & {"rpt_contract_renewals"}} <= left
    assert not {t for t, reads in tests.items() if reads & {"fct_dealer_scorecard", "rpt_reporting_status", "fct_forecast"}} & left
    assert redated_only_tests(fed, manifest) == []


@pytest.mark.slow  # two dbt builds through Dagster
def test_a_dagster_night_builds_what_changed_and_passes_the_rest_on_as_unchanged(tmp_path):
    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    lb.sales("D0001", "202501", [lb.sale()], submitted="20250205T100000")
    cfg = Settings.for_warehouse(tmp_path / "wh.duckdb", as_of=date(2025, 3, 10))
    resources = {"dbt": dbt_resource(), "warehouse": WarehouseResource.from_settings(cfg)}
    assets = [customer_records, dbt_warehouse_assets]
    run_ingestion(lb.root, cfg.warehouse, tmp_path / "feedback", raw=cfg.raw)
    assert materialize(assets, resources=resources).success  # the first build: everything, recorded
    lb.sales("D0002", "202501", [lb.sale(qty="3")], submitted="20250206T100000")
    run_ingestion(lb.root, cfg.warehouse, tmp_path / "feedback", raw=cfg.raw)
    result = materialize(assets, resources=resources)
    assert result.success
    events = result.get_asset_materialization_events()
    # every model is an output (what is downstream in the job runs), the unbuilt ones marked
    assert {e.asset_key for e in events} == set(dbt_warehouse_assets.keys) | set(dbt_monthly_assets.keys) | {customer_records.key}
    # the monthly models are reported for the month partitions the night rebuilt
    lines = AssetKey(["intermediate", "int_sales_lines"])
    assert {e.partition for e in events if e.asset_key == lines} == {"2025-01-01"}
    unchanged = {e.asset_key for e in events if "dcw/unchanged" in e.step_materialization_data.materialization.metadata}
    assert AssetKey(["staging", "stg_prices"]) in unchanged and AssetKey(["marts", "dim_product"]) in unchanged
    assert not {AssetKey(["intermediate", "int_sales_lines"]), AssetKey(["marts", "fct_price_deviation"])} & unchanged
    checks = result.get_asset_check_evaluations()
    assert AssetKey(["marts", "fct_price_deviation"]) in {c.asset_key for c in checks}
    assert [c.asset_check_key for c in checks if not c.passed] == []
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        assert con.execute("select count(distinct dealer_id) from intermediate.int_sales_lines").fetchone()[0] == 2
