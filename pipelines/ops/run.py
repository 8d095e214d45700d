"""`dcw run`: the nightly job executed in this process, then a short summary.

The job is the same one the schedule and `dagster job execute -j nightly` run, so the CLI and
Dagster give the same result. Dagster's own log lines are kept to warnings here; the assets
report progress themselves (live on a terminal, plain lines otherwise).
"""

from __future__ import annotations

import duckdb
from dagster import DagsterInstance

from pipelines.config import Settings, UserError

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run_nightly(cfg: Settings) -> None:
    from pipelines.definitions import defs

    job = defs.resolve_job_def("nightly")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, run_config=QUIET, raise_on_error=False)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise UserError(f"the nightly run failed in step(s) {', '.join(failed) or '?'}; see the log above")
    print(summarise(cfg))


def summarise(cfg: Settings) -> str:
    """What the run produced, and where to look."""
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        by_status = con.execute(
            "select status, count(*) from raw.submissions group by status order by status"
        ).fetchall()
        rows = con.execute(
            "select coalesce(sum(rows_accepted), 0), coalesce(sum(rows_quarantined), 0) from raw.submissions"
        ).fetchone()
        marts = con.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts' order by table_name"
        ).fetchall()
    finally:
        con.close()
    files = ", ".join(f"{n:,} {s}" for s, n in by_status) or "none"
    lines = [
        f"files: {files}",
        f"rows: {rows[0]:,} accepted, {rows[1]:,} quarantined",
        f"marts: {len(marts)} tables in schema marts" if marts else "marts: none built",
        f"warehouse: {cfg.warehouse}",
        f"dealer feedback: {cfg.feedback}",
    ]
    return "\n".join(lines)
