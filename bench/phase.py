"""One measured phase of the benchmark, run in its own process by bench/benchmark.py:

    python -m bench.phase <phase> <result.json>

Each phase is its own process so that its peak memory is its own (Python and the engines
keep freed memory), like a nightly `dcw run`, which is one process. The DCW_* variables of
the environment (set by bench/benchmark.py) say where the landing folder and the warehouse are.

Phases:
- `night`: the nightly chain, stage by stage, as the nightly job runs it (ingest, the
  customer resolution, dbt build, the forecast when it is written outside dbt, publish),
  with the ingestion's own split into discover, parse_validate and load when IngestSummary
  reports it. It reports its chain, so
  the benchmark sums what ran rather than a fixed list.
- `customers`: only the night's first two stages, ingest and the customer resolution (what
  `python -m bench.benchmark --stages customers` measures).
- `bare_parse`: the floor for the ingestion: every file the ingestion parses, read with
  polars alone (no validation, no load).
- `dbt_run`: `dbt run --full-refresh` (models only, no data tests) on a built warehouse.
- `sensor_tick`: the landing sensor's tick before the intraday file lands (its cursor).
- `intraday`: the landing sensor's tick after a file landed on the built warehouse and the
  intraday job it starts (pipelines/orchestration/intraday.py), whole and step by step
  (tick, ingest, dbt, publish).
- `floor`: the transformation's floor (bench/floor.py): dbt's compiled models run as one
  DuckDB script on a built warehouse (stage `floor_sql`), then any dbt Python model and what
  is built on it (stage `floor_python`).
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from bench import floor
from bench.measure import SERVER_PID, Meter
from pipelines.core.settings import Settings


def _count(warehouse: Path, sql: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0] or 0)
    finally:
        con.close()


def ingest_and_resolve(meter: Meter, cfg: Settings) -> tuple[dict, dict]:
    """The night's first two stages, ingest and the customer resolution (the whole chain of
    the `customers` phase): the rows per stage and the night's info so far."""
    from pipelines.customers.quality import resolution_scores
    from pipelines.customers.resolve import resolve as resolve_customers
    from pipelines.ingest.load import run_ingestion

    rows: dict[str, int] = {}
    with meter.stage("ingest"):
        summary = run_ingestion(cfg.landing, cfg.warehouse, cfg.feedback, raw=cfg.raw, duckdb_memory=cfg.duckdb_memory)
    ingest = meter.stages["ingest"]
    split = getattr(summary, "seconds", None) or {}
    for name in ("discover", "parse_validate", "load"):
        if name in split:
            # The ingestion times its own steps; their memory is the whole ingestion's peak.
            meter.record(name, split[name], ingest.peak_rss)
    rows["ingest"] = rows["parse_validate"] = rows["load"] = summary.rows_read
    rows["discover"] = summary.files_seen
    # The customer resolution, a stage of its own as in the nightly job; dbt's build then
    # finds nothing new to resolve. Its rows: the distinct spellings it resolved.
    with meter.stage("customers"):
        resolved = resolve_customers(cfg.raw)
    rows["customers"] = resolved.new_records
    # how right it is, against the generator's identity truth (not timed; none on a real landing)
    scores = resolution_scores(cfg.landing, cfg.raw, cfg.duckdb_memory) if resolved.new_records else None
    return rows, {"rows": rows, "chain": ["ingest", "customers"], "files_seen": summary.files_seen,
                  "files_new": summary.files_new, "rows_read": summary.rows_read, "by_status": summary.by_status,
                  "customers": {"spellings": resolved.records, "new_spellings": resolved.new_records,
                                "customers": resolved.customers, "new_customers": resolved.new_customers,
                                "scores": scores}}


def customers(meter: Meter) -> dict:
    """Only what the customer resolution needs: the ingestion, then the resolution (a full one
    on a fresh raw layer, else the night's new spellings)."""
    return ingest_and_resolve(meter, Settings.from_env())[1]


def night(meter: Meter) -> dict:
    from pipelines.dbt import build_warehouse  # parses the dbt project if stale: before timing
    from pipelines.serving import publish_marts

    cfg = Settings.from_env()
    write_forecasts = separate_forecast()
    rows, info = ingest_and_resolve(meter, cfg)
    chain = info["chain"]
    rows["dbt"] = _count(cfg.warehouse, "select sum(rows_accepted) from raw.submissions")
    with meter.stage("dbt"):
        # as the nightly job: what changed since the last build (everything on the first)
        build_warehouse(cfg, changed_only=True)
    chain.append("dbt")
    if write_forecasts is not None:
        rows["forecast"] = _count(cfg.warehouse, "select count(*) from marts.fct_sell_through_monthly")
        with meter.stage("forecast"):
            write_forecasts(cfg.warehouse, cfg.as_of)
        chain.append("forecast")
    with meter.stage("publish"):
        published = publish_marts(cfg.warehouse, cfg.serving, memory_limit=cfg.duckdb_memory)
    rows["publish"] = sum(published["tables"].values())
    chain.append("publish")
    return info


def separate_forecast():
    """The forecast's writer when the forecast marts are written outside dbt (then the night
    runs it as a stage of its own, as the nightly job does), else None: once they are dbt
    (Python) models, `dbt build` runs them."""
    import pipelines.forecast
    from pipelines.dbt import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    in_dbt = any(n["resource_type"] == "model" and n["language"] == "python" for n in manifest["nodes"].values())
    return None if in_dbt else getattr(pipelines.forecast, "write_forecasts", None)


def parsed_files(landing: Path) -> list:
    """The files the ingestion parses: regular files with a recognised name."""
    from pipelines.ingest.discover import discover

    return [f for f in discover(landing) if f.regular and not f.bad_name and f.ext in ("csv", "xlsx")]


def _bare_read(path: Path) -> int:
    """Rows of one file read by polars as text (the ingestion keeps every cell as text
    before validating); -1 when polars cannot read it (hostile files exist by design)."""
    try:
        if path.suffix.lower() == ".xlsx":
            # calamine is the engine the ingestion's reader uses for XLSX
            frame = pl.read_excel(path, engine="calamine", has_header=False, infer_schema_length=0)
        else:
            data = path.read_bytes()
            frame = pl.read_csv(io.BytesIO(data), has_header=False, infer_schema=False,
                                encoding="utf8-lossy", truncate_ragged_lines=True)
        return frame.height
    except Exception:  # noqa: BLE001 - the floor only counts what polars can read
        return -1


def bare_parse(meter: Meter) -> dict:
    from pipelines.ingest.load import READ_THREADS

    files = parsed_files(Settings.from_env().landing)
    # The same number of reader threads as the ingestion's pool: the floor is what polars
    # does with the same concurrency, not with less.
    with meter.stage("bare_parse"), ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        counts = list(pool.map(_bare_read, [Path(f.path) for f in files]))
    return {"files": len(files), "unreadable": sum(1 for n in counts if n < 0),
            "rows": sum(n for n in counts if n > 0), "threads": READ_THREADS}


def dbt_run(meter: Meter) -> dict:
    from pipelines.dbt import build_warehouse

    cfg = Settings.from_env()
    # every model from its inputs, as the full build and the floor do: on a built warehouse an
    # incremental model would otherwise select only what changed since (nothing)
    with meter.stage("dbt_run"):
        build_warehouse(cfg, data_tests=False, full_refresh=True)
    return {}


def floor_phase(meter: Meter) -> dict:
    """dbt compiles the project for this warehouse (not timed); the floor runs what it compiled."""
    cfg = Settings.from_env()
    manifest, hooks = floor.compile_project()
    plan = floor.plan(manifest, hooks)
    floor.dump(plan, Path(cfg.warehouse).with_suffix(".sql"))
    con = cfg.connect()
    try:
        floor.prepare(con, plan)
        # each stage ends with its tables on disk, as each of dbt's models does
        with meter.stage("floor_sql"):
            floor.run_sql(con, plan)
            con.execute("checkpoint")
        if plan.after_python:
            with meter.stage("floor_python"):
                floor.run_after_python(con, plan)
                con.execute("checkpoint")
        built = floor.tables(con, plan.schemas.values())
    finally:
        con.close()
    return {"schemas": plan.schemas, "tables": built, "script": str(Path(cfg.warehouse).with_suffix(".sql"))}


INTRADAY_STEPS = {"ingest_landed": "intraday_ingest", "build_landed": "intraday_dbt",
                  "publish_landed": "intraday_publish"}


def _tick(cfg: Settings, cursor: str | None):
    """One evaluation of the landing sensor on `cfg`'s landing folder: its result and cursor."""
    import dagster as dg

    from pipelines.core.resource import WarehouseResource
    from pipelines.orchestration.sensors import landing_sensor

    ctx = dg.build_sensor_context(cursor=cursor, resources={"warehouse": WarehouseResource.from_settings(cfg)})
    return landing_sensor(ctx), ctx.cursor


def sensor_tick(meter: Meter) -> dict:
    """The landing sensor's tick before a file lands (bench/benchmark.py): its cursor, for the
    intraday phase's tick after it landed."""
    with meter.stage("sensor_tick"):
        _, cursor = _tick(Settings.from_env(), None)
    return {"cursor": cursor}


def intraday(meter: Meter) -> dict:
    """The intraday job on the built warehouse for what landed since the sensor's last tick
    (its cursor in BENCH_SENSOR_CURSOR, else none: the job walks the whole landing folder):
    from the sensor's tick to the feedback written and the marts published. Its steps are
    reported too (they share the job's peak RSS)."""
    import dagster as dg

    from pipelines.core.resource import WarehouseResource
    from pipelines.orchestration.definitions import build_definitions
    from pipelines.orchestration.nightly import QUIET

    cfg = Settings.from_env()
    job = build_definitions(WarehouseResource.from_settings(cfg)).resolve_job_def("intraday")
    cursor = os.environ.get("BENCH_SENSOR_CURSOR") or None
    with dg.DagsterInstance.ephemeral() as instance:
        with meter.stage("intraday"):
            started = time.perf_counter()
            request, _ = _tick(cfg, cursor) if cursor else (None, None)
            tick = time.perf_counter() - started
            config = request.run_config if isinstance(request, dg.RunRequest) else {}
            result = job.execute_in_process(instance=instance, run_config={**QUIET, **config})
    meter.record("intraday_tick", tick, meter.stages["intraday"].peak_rss)
    steps = {e.step_key: e.event_specific_data.duration_ms / 1000 for e in result.all_events if e.is_step_success}
    for op, name in INTRADAY_STEPS.items():
        meter.record(name, steps[op], meter.stages["intraday"].peak_rss)
    written = [e.asset_key.to_user_string() for e in result.all_events if e.is_step_materialization]
    paths = config.get("ops", {}).get("ingest_landed", {}).get("config", {}).get("paths")
    return {"tables": result.output_for_node("ingest_landed"), "marts": result.output_for_node("build_landed"),
            "materialized": written, "paths": paths}


PHASES = {"sensor_tick": sensor_tick, "night": night, "customers": customers, "bare_parse": bare_parse, "dbt_run": dbt_run, "floor": floor_phase, "intraday": intraday}


def main(argv: list[str]) -> int:
    phase, out_path = argv
    # the warm dbt server's work for this phase is this phase's (bench/benchmark.py, dbt_server)
    server = os.environ.get(SERVER_PID)
    with Meter(also=(int(server),) if server else ()) as meter:
        info = PHASES[phase](meter)
    stages = {name: {"seconds": s.seconds, "peak_rss": s.peak_rss, "cpu_seconds": s.cpu_seconds}
              for name, s in meter.stages.items()}
    Path(out_path).write_text(json.dumps({"stages": stages, "info": info}, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
