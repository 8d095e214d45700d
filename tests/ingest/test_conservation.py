"""The conservation check, run through Dagster, passes on a good warehouse and fails loudly
when a row goes missing."""

import dagster as dg
import duckdb

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings, raw_dir
from pipelines.ingest.assets import ingest_assets, ingest_checks


def _materialize(env):
    cfg = Settings.for_warehouse(env.warehouse, landing=env.landing.root, feedback=env.feedback)
    return dg.materialize([*ingest_assets, *ingest_checks], raise_on_error=False,
                          resources={"warehouse": WarehouseResource.from_settings(cfg)})


def _check(result):
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "conservation"
    return evaluation


def test_conservation_passes_then_fails_when_a_row_is_deleted(env):
    env.landing.sales("D0001", "202501", [env.landing.sale(), env.landing.sale(qty="x")])
    result = _materialize(env)
    assert result.success
    materialized = {ev.asset_key.to_user_string() for ev in result.get_asset_materialization_events()}
    assert {"raw/sales", "raw/submissions", "raw/quarantine", "feedback_files"} <= materialized
    assert _check(result).passed

    [sales_file] = [f for f in (raw_dir(env.warehouse) / "sales").glob("*.parquet") if f.name != "schema.parquet"]
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_parquet('{sales_file}') WHERE source_row <> 1) TO '{sales_file}.new' (FORMAT parquet)")
    sales_file.with_name(sales_file.name + ".new").replace(sales_file)
    result = _materialize(env)  # nothing new to ingest; the check runs again
    evaluation = _check(result)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "dealers/D0001/sales_D0001_202501_20250205T100000.csv" in evaluation.description


def test_conservation_flags_orphan_quarantine_rows(env):
    from pipelines.ingest.raw_layer import conservation_violations

    env.ingest()
    raw = raw_dir(env.warehouse)
    with duckdb.connect(str(env.warehouse)) as con:
        assert conservation_violations(con, raw).height == 0
        # a row of a file that was never logged, and one carrying a batch that never committed
        [(batch,)] = con.execute("SELECT any_value(batch_id) FROM raw.submissions").fetchall()
        con.execute(f"""COPY (SELECT 'erp/ghost.csv' AS source_file, 1 AS source_row, '{batch}' AS batch_id)
                        TO '{raw / "quarantine" / "ghost.parquet"}'""").fetchall()
        con.execute(f"""COPY (SELECT * REPLACE ('no-such-batch' AS batch_id) FROM raw.dealers LIMIT 1)
                        TO '{raw / "dealers" / "ghost.parquet"}'""").fetchall()
        con.execute("UPDATE raw.submissions SET rows_read = rows_read + 1 WHERE source_file = 'erp/regions_20250101.csv'").fetchall()
        [(dealers_file,)] = con.execute("SELECT source_file FROM raw.dealers LIMIT 1").fetchall()
        assert conservation_violations(con, raw).get_column("source_file").to_list() == sorted([
            "erp/ghost.csv", "erp/regions_20250101.csv", dealers_file])
