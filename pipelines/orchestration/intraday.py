"""The intraday job: what the landing sensor starts when files arrive during the day
(docs/ingestion.md, "Intraday runs").

The nightly job builds everything the day changed, the forecasts and their checks
(dbt_project/README.md, "What a night builds"); a dealer who uploads at noon should not wait
for that. This job ingests what landed (the paths the landing sensor saw arrive or change, not
a walk of the whole folder; feedback written as in the night), then builds
with dbt only what is downstream of the raw tables that received rows from this run's batches (`source:raw.<table>+`, known only once the ingestion has committed),
never the forecast models nor the customers' reports as of the date (INTRADAY_EXCLUDE), then
publishes the marts dbt rebuilt. A file that brought no rows
(a duplicate, a rejected file) costs its feedback and nothing more.

Its steps are ops, not the assets' own steps: an asset job fixes its dbt selection when the
run is launched, and a mart left out at run time would skip the publish behind it. Each op
reports what it wrote as asset materializations, so the assets' history in the UI shows the
intraday updates beside the nightly ones.
"""


import json
from typing import Optional

import dagster as dg

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.customers.assets import KEY as CUSTOMER_RECORDS
from pipelines.dbt import FORECAST_SELECTOR, build_warehouse, built_models, dbt_project, downstream_of, tables_of, translator
from pipelines.ingest.assets import ingest_landing
from pipelines.orchestration.jobs import RETRY
from pipelines.serving import SCHEMA as MARTS
from pipelines.serving import serving_marts

SERVING_KEY = serving_marts.key

# What an intraday run never builds: the forecasts, and the customers' reports as of the
# business date (grading by recency, repurchase due), which move with the date the night
# moves, and the models only they read (docs/ingestion.md, "Intraday runs").
INTRADAY_EXCLUDE = (FORECAST_SELECTOR, "fct_customer_rfm+", "rpt_customer_repurchase_due+",
                    "int_customer_months", "int_customer_series")


def committed_batches(cfg: Settings) -> set[str]:
    """The batches the submission log holds (none before the first ingestion)."""
    if not cfg.warehouse.exists():
        return set()
    with cfg.lock(), cfg.connect(read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where schema_name = 'raw' "
                           "and table_name = 'submissions'").fetchone()[0]:
            return set()
        return {b for (b,) in con.execute("select distinct batch_id from raw.submissions").fetchall()}


def touched_tables(cfg: Settings, before: set[str]) -> list[str]:
    """The raw tables (dbt sources `raw.<table>`) that batches committed since `before` wrote
    to (see tables_of)."""
    with cfg.lock(), cfg.connect(read_only=True) as con:
        rows = con.execute("select batch_id, kind, status, coalesce(sum(rows_quarantined), 0) "
                           "from raw.submissions group by all").fetchall()
    return tables_of([(kind, status, quarantined) for batch, kind, status, quarantined in rows if batch not in before])


class LandedConfig(dg.Config):
    """The landing-relative paths the sensor saw arrive or change; None: walk the whole folder."""

    paths: Optional[list[str]] = None


def landed_config(paths: list[str] | None) -> dict:
    """The intraday job's run configuration for `paths` (None: the whole landing folder)."""
    return {"ops": {"ingest_landed": {"config": {"paths": paths}}}}


@dg.op(description="Ingests what landed (the paths the sensor saw arrive or change, else the whole "
                   "landing folder; dealer feedback written); returns the raw tables this run's batches wrote.")
def ingest_landed(context: dg.OpExecutionContext, config: LandedConfig, warehouse: WarehouseResource) -> list[str]:
    cfg = warehouse.settings
    before = committed_batches(cfg)
    for key, meta in ingest_landing(cfg, context.log, only=config.paths):
        yield dg.AssetMaterialization(asset_key=key, metadata=meta)
    tables = touched_tables(cfg, before)
    context.log.info(f"raw tables written: {', '.join(tables) or 'none'}")
    yield dg.Output(tables)


@dg.op(description="dbt run of the models downstream of the raw tables written (forecasts "
                   "excluded; their data tests run in the night, on what this wrote); returns the marts built.")
def build_landed(context: dg.OpExecutionContext, warehouse: WarehouseResource, tables: list[str]) -> list[str]:
    if not tables:
        context.log.info("no rows landed: nothing to build")
        yield dg.Output([])
        return
    cfg = warehouse.settings
    select = downstream_of(tables)
    with cfg.lock(log=context.log.info):
        # the customer resolution runs first inside build_warehouse (a no-op without new sales)
        # models only: the night checks what this wrote (pipelines/dbt.py, INTRADAY_ENV)
        results = build_warehouse(cfg, select=select, exclude=INTRADAY_EXCLUDE, data_tests=False, intraday=True)
    nodes = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))["nodes"]
    built = [nodes[u] for u in built_models(results) if u in nodes]
    if CUSTOMER_RECORDS.path[-1] in tables:
        yield dg.AssetMaterialization(asset_key=CUSTOMER_RECORDS, description="resolved by the intraday run")
    for node in built:
        yield dg.AssetMaterialization(asset_key=translator.get_asset_key(node),
                                      metadata={"dbt_select": " ".join(select)})
    marts = sorted(n.get("alias") or n["name"] for n in built if n.get("schema") == MARTS)
    context.log.info(f"dbt built {len(built)} models ({len(marts)} marts) for {', '.join(select)}")
    yield dg.Output(marts)


@dg.op(description="Publishes the marts built to the serving file (only those that changed).")
def publish_landed(context: dg.OpExecutionContext, warehouse: WarehouseResource, marts: list[str]) -> None:
    from pipelines.serving import publish_marts

    if not marts:
        context.log.info("no mart built: the serving file stays as it is")
        return
    s = warehouse.settings
    with s.lock(log=context.log.info):
        result = publish_marts(s.warehouse, s.serving, changed=set(marts), memory_limit=s.duckdb_memory)
    context.log.info(f"serving: {len(result['copied'])} of {len(result['tables'])} tables rewritten in {result['serving']}")
    context.log_event(dg.AssetMaterialization(asset_key=SERVING_KEY, metadata={
        "path": result["serving"], "copied": dg.MetadataValue.json(result["copied"])}))


@dg.job(
    name="intraday",
    description="Files landed during the day: ingest them (dealer feedback), rebuild only the marts "
    "downstream of the raw tables they wrote (no forecasts), publish those marts. The nightly job "
    "builds everything the day changed, with its checks.",
    op_retry_policy=RETRY,
    tags={"dcw/writes": "warehouse"},
)
def intraday_job():
    publish_landed(build_landed(ingest_landed()))
