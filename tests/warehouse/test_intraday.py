"""The intraday job (pipelines/orchestration/intraday.py): a dealer file landing on a built
warehouse gets its feedback, moves the marts it feeds and leaves the rest (the forecasts) alone."""

from datetime import date

import dagster as dg
import duckdb
import pytest
from tests.landing_builder import DEALERS, Landing

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.dbt import build_warehouse
from pipelines.ingest import run_ingestion
from pipelines.orchestration.definitions import build_definitions
from pipelines.orchestration.intraday import landed_config
from pipelines.serving import publish_marts

AS_OF = date(2025, 2, 10)


def _mark(warehouse, tables) -> None:
    """A comment on each of `tables`, which a table rebuilt by dbt no longer carries (dbt writes
    no comment into the DuckDB warehouse: the serving file carries the descriptions)."""
    con = duckdb.connect(str(warehouse))
    try:
        for t in tables:
            con.execute(f"comment on table marts.{t} is 'before the intraday run'")
    finally:
        con.close()


def _marked(warehouse) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' "
                                          "and comment = 'before the intraday run'").fetchall()}
    finally:
        con.close()


def _count(path, sql: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_a_landed_sales_file_rebuilds_what_it_feeds_and_not_the_forecast(tmp_path):
    cfg = Settings.for_warehouse(tmp_path / "warehouse.duckdb", as_of=AS_OF)
    landing = Landing(cfg.landing)
    landing.standard_erp()
    landing.sales(DEALERS[0], "202501", [Landing.sale()], submitted="20250203T100000")
    run_ingestion(cfg.landing, cfg.warehouse, cfg.feedback, raw=cfg.raw)
    build_warehouse(cfg)
    publish_marts(cfg.warehouse, cfg.serving)
    _mark(cfg.warehouse, ["fct_forecast", "fct_forecast_accuracy"])
    lines = "select count(*) from marts.fct_price_deviation"
    served_before = _count(cfg.serving, lines)

    new = landing.sales(DEALERS[1], "202501", [Landing.sale(invoice_no="INV2"), Landing.sale(qty="abc")],
                        submitted="20250209T100000")
    job = build_definitions(WarehouseResource.from_settings(cfg)).resolve_job_def("intraday")
    with dg.DagsterInstance.ephemeral() as instance:  # told the path, as the landing sensor does
        result = job.execute_in_process(instance=instance,
                                        run_config=landed_config([new.relative_to(cfg.landing).as_posix()]))
    assert result.success

    # the dealer's feedback on the row that failed
    assert any(new.stem in p.name for p in cfg.feedback.rglob("*")), sorted(cfg.feedback.rglob("*"))
    # the line mart was rebuilt (its new line) and published; the forecasts were not
    assert _marked(cfg.warehouse) == {"fct_forecast", "fct_forecast_accuracy"}
    assert _count(cfg.warehouse, lines) == _count(cfg.serving, lines) == served_before + 1
    built = {e.asset_key.to_user_string() for e in result.all_events if e.is_step_materialization}
    assert "marts/fct_price_deviation" in built and "serving_marts" in built and "raw/sales" in built
    assert not {"marts/fct_forecast", "marts/fct_forecast_accuracy", "staging/stg_prices",
                "marts/fct_customer_rfm", "marts/rpt_customer_repurchase_due",
                "intermediate/int_customer_months", "intermediate/int_customer_series"} & built
    # models only, and the incremental models record the file's batch as unseen: the night
    # rebuilds its keys with the data tests of what it writes
    assert not any(e.event_type_value == "ASSET_CHECK_EVALUATION" for e in result.all_events)
    unseen = _count(cfg.warehouse, "select count(*) from raw.submissions where batch_id not in "
                    "(select batch_id from meta.dbt_increments where model = 'int_sales_lines' and batch_id is not null)")
    assert unseen == 1

    # nothing new (a walk of the whole folder): feedback-free, nothing built, nothing published
    with dg.DagsterInstance.ephemeral() as instance:
        again = job.execute_in_process(instance=instance)
    assert again.success
    assert not any(e.asset_key.path[0] == "marts" for e in again.all_events if e.is_step_materialization)
