"""One measured phase of the benchmark, run in its own process by bench/run.py:

    python -m bench.phase <phase> <result.json>

Each phase is its own process so that its peak memory is its own (Python and the engines
keep freed memory), like a nightly `dcw run`, which is one process. The DCW_* variables of
the environment (set by bench/run.py) say where the landing folder and the warehouse are.

Phases:
- `night`: the nightly chain, stage by stage, as pipelines/orchestration/nightly.py's job runs it
  (ingest, dbt build, forecast, publish), with the ingestion's own split into discover,
  parse_validate and load when IngestSummary reports it.
- `bare_parse`: the floor for the ingestion: every file the ingestion parses, read with
  polars alone (no validation, no load).
- `dbt_run`: `dbt run` (models only, no data tests) on a built warehouse.
- `hand_sql`: bench/marts.sql, the hand-written DuckDB script, on a built warehouse.
"""

from __future__ import annotations

import io
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from bench.measure import Meter
from pipelines.core.settings import Settings

MARTS_SQL = Path(__file__).with_name("marts.sql")
HAND_SCHEMA = "hand"


def _count(warehouse: Path, sql: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0] or 0)
    finally:
        con.close()


def night(meter: Meter) -> dict:
    from pipelines.dbt import build_warehouse  # parses the dbt project if stale: before timing
    from pipelines.forecast import write_forecasts
    from pipelines.ingest.load import run_ingestion
    from pipelines.serving import publish_marts

    cfg = Settings.from_env()
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
    rows["dbt"] = _count(cfg.warehouse, "select sum(rows_accepted) from raw.submissions")
    with meter.stage("dbt"):
        build_warehouse(cfg)
    rows["forecast"] = _count(cfg.warehouse, "select count(*) from marts.fct_sell_through_monthly")
    with meter.stage("forecast"):
        write_forecasts(cfg.warehouse, cfg.as_of)
    with meter.stage("publish"):
        published = publish_marts(cfg.warehouse, cfg.serving)
    rows["publish"] = sum(published["tables"].values())
    return {"rows": rows, "files_seen": summary.files_seen, "files_new": summary.files_new,
            "rows_read": summary.rows_read, "by_status": summary.by_status}


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
    with meter.stage("dbt_run"):
        build_warehouse(cfg, data_tests=False)
    return {}


def hand_sql(meter: Meter) -> dict:
    cfg = Settings.from_env()
    script = MARTS_SQL.read_text(encoding="utf-8")
    with meter.stage("hand_sql"):
        # Under the pipeline's memory bound (DCW_DUCKDB_MEMORY), as dbt's profile sets it: the
        # floor is what the engine does with the memory the pipeline may use (unbounded, the
        # script took 13 GB at M).
        con = cfg.connect()
        try:
            con.execute(f"set variable as_of = date '{cfg.as_of.isoformat()}'")
            con.execute(script)
        finally:
            con.close()
    tables = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        names = [r[0] for r in tables.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by 1", [HAND_SCHEMA]).fetchall()]
    finally:
        tables.close()
    return {"tables": names}


PHASES = {"night": night, "bare_parse": bare_parse, "dbt_run": dbt_run, "hand_sql": hand_sql}


def main(argv: list[str]) -> int:
    phase, out_path = argv
    with Meter() as meter:
        info = PHASES[phase](meter)
    stages = {name: {"seconds": s.seconds, "peak_rss": s.peak_rss, "cpu_seconds": s.cpu_seconds}
              for name, s in meter.stages.items()}
    Path(out_path).write_text(json.dumps({"stages": stages, "info": info}, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
