"""The run driver of `dcw run`: the nightly job executed in this process, then a short summary.

The job is the same one the schedule and `dagster job execute -j nightly` run, so the CLI and
Dagster give the same result. Dagster's own log lines are kept to warnings here; the assets
report progress themselves (live on a terminal, plain lines otherwise). dbt's log, which
dagster-dbt echoes to stdout, goes to `<warehouse folder>/logs/last_run.log` and is turned
into a progress line ("[dbt] 120/180 nodes").
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import time
from datetime import datetime

from dagster import DagsterInstance

from pipelines.core.errors import UserError
from pipelines.core.progress import Progress
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.core.text import escape_controls

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# dbt's per-node result lines: "12 of 180 OK created sql table model marts.dim_date ..."
DBT_NODE_DONE = re.compile(r"^\s*(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b\s*(.*?)\s*\.{2,}")
# The forecast marts are dbt Python models: their start and end are the forecast stage.
FORECAST_NODE = re.compile(r"^\s*\d+ of \d+ (START|OK|ERROR|SKIP)\b.*?\bmodel (marts\.fct_forecast\w*)(.*?\[(.*)\])?")


class DbtLogStream(io.TextIOBase):
    """A stdout stand-in: keeps everything in a log file, reports dbt's finished nodes."""

    def __init__(self, log, progress: Progress) -> None:
        self.log = log
        self.progress = progress
        self.nodes = 0

    def write(self, text: str) -> int:
        self.log.write(text)
        for line in text.splitlines():
            f = FORECAST_NODE.match(line)
            if f:
                what = "fitting" if f.group(1) == "START" else f.group(1)
                print(f"[forecast] {what} {f.group(2)}" + (f" [{f.group(4)}]" if f.group(4) and what != "fitting" else ""),
                      file=sys.stderr, flush=True)
            m = DBT_NODE_DONE.match(line)
            if m:
                self.nodes = int(m.group(2))
                self.progress(int(m.group(1)), self.nodes, f"{m.group(3)} {m.group(4)}")
        return len(text)


def run_nightly(cfg: Settings) -> None:
    """The nightly job on the warehouse of `cfg`, in this process; then a summary."""
    from pipelines.orchestration.definitions import build_definitions

    started, clock = datetime.now(), time.monotonic()
    log_path = cfg.logs / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    dbt_progress = Progress("dbt", "nodes")
    job = build_definitions(WarehouseResource.from_settings(cfg)).resolve_job_def("nightly")
    with open(log_path, "w", encoding="utf-8") as log, DagsterInstance.ephemeral() as instance:
        stream = DbtLogStream(log, dbt_progress)
        with contextlib.redirect_stdout(stream):
            result = job.execute_in_process(instance=instance, run_config=QUIET, raise_on_error=False)
    if stream.nodes:
        dbt_progress.done(f"{stream.nodes} models and tests")
    if not result.success:
        failures = [e for e in result.all_events if e.is_step_failure]
        for e in failures:  # a cause an operator can fix is told as it is, in one line
            told = e.step_failure_data.user_failure_data
            if told is not None and (told.metadata or {}).get("user_error") is not None:
                raise UserError(told.description)
        failed = ", ".join(e.step_key for e in failures) or "?"
        # dbt's log only when dbt wrote one: an empty file sends the operator nowhere
        where = f"; dbt's log is in {log_path}" if log_path.exists() and log_path.stat().st_size else "; see the messages above"
        raise UserError(f"the nightly run failed in step(s) {failed} after {time.monotonic() - clock:.0f}s{where}")
    print(f"[dcw] nightly run done in {time.monotonic() - clock:.1f}s", file=sys.stderr, flush=True)
    print(summarise(cfg, since=started))
    pending = pending_feedback(cfg)
    if pending:
        first, why = pending[0]
        raise UserError(f"feedback for {len(pending)} file(s) could not be written to {cfg.feedback} "
                        f"({escape_controls(first)}: {why}); it is kept and written by the next run")


def pending_feedback(cfg: Settings) -> list[tuple[str, str | None]]:
    """The dealer feedback committed but not written (the ingestion's outbox)."""
    from pipelines.ingest.load import pending_feedback as outbox

    with cfg.lock(), cfg.connect(read_only=True) as con:
        return outbox(con)


def _files_and_rows(con, since: datetime | None) -> tuple[str, tuple]:
    where = "where ingested_at >= ?" if since else ""
    params = [since] if since else []
    by_status = con.execute(
        f"select status, count(*) from raw.submissions {where} group by status order by status", params).fetchall()
    rows = con.execute(
        f"select coalesce(sum(rows_accepted), 0), coalesce(sum(rows_quarantined), 0) from raw.submissions {where}",
        params).fetchone()
    return ", ".join(f"{n:,} {s}" for s, n in by_status) or "none", rows


def summarise(cfg: Settings, since: datetime | None = None) -> str:
    """What the run produced (the files it ingested, when `since` is its start), then the
    warehouse's totals, and where to look."""
    # under the lock: another run may be writing the warehouse, which DuckDB then keeps closed
    with cfg.lock(), cfg.connect(read_only=True) as con:
        this_run = _files_and_rows(con, since) if since else None
        files, rows = _files_and_rows(con, None)
        marts = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts'"
        ).fetchone()[0]
    head = []
    if this_run:
        new_files, new_rows = this_run
        head = [f"this run: files {new_files}; rows {new_rows[0]:,} accepted, {new_rows[1]:,} quarantined"]
    return "\n".join([
        *head,
        f"warehouse totals: files {files}; rows {rows[0]:,} accepted, {rows[1]:,} quarantined",
        f"marts: {marts} tables in schema marts",
        f"warehouse: {cfg.warehouse}",
        f"analysts' copy: {cfg.serving}",
        f"dealer feedback: {cfg.feedback}",
        f"reports: {cfg.reports}",
    ])
