"""Sensors: new files in the landing folder start the intraday job (pipelines/orchestration/
intraday.py: ingestion and only the marts the files feed); a failed run leaves an alert.

The landing sensor never opens the warehouse (DuckDB allows one process to hold the file, and
a running job may be that process). It lists the landing folder and keeps, as its cursor, a
digest of the listing: a changed listing starts one run, whose run key is that digest, so the
same set of files never triggers twice. Which files are new is the ingestion's business (it
compares against its submission log), so a missed or repeated tick cannot lose or double a
file.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from pipelines.core.resource import WarehouseResource
from pipelines.orchestration.intraday import intraday_job


def landing_listing(landing: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every file under the landing folder, sorted."""
    out = []
    for root, _dirs, files in os.walk(landing):
        for name in files:
            p = Path(root, name)
            try:
                st = p.lstat()
            except OSError:  # removed between listing and stat
                continue
            out.append((p.relative_to(landing).as_posix(), st.st_size, st.st_mtime_ns))
    out.sort()
    return out


def listing_digest(listing: list[tuple[str, int, int]]) -> str:
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:32]


@sensor(
    name="landing_files",
    job=intraday_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts the intraday job when files arrive in the landing folder: ingestion, then "
    "only the marts built on the raw tables the files wrote, then their publish.",
)
def landing_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    landing = warehouse.settings.landing
    if not landing.is_dir():
        return SkipReason(f"landing folder {landing} does not exist")
    listing = landing_listing(landing)
    digest = listing_digest(listing)
    if digest == context.cursor:
        return SkipReason(f"no change in {landing} ({len(listing)} files)")
    context.update_cursor(digest)
    return RunRequest(run_key=digest, tags={"dcw/trigger": "landing_files", "dcw/files": str(len(listing))})


def alerts_dir(warehouse: Path) -> Path:
    """Where run failures leave their alerts: data/alerts/ beside the warehouse file."""
    return warehouse.parent / "alerts"


@run_failure_sensor(
    name="run_failure_alert",
    default_status=DefaultSensorStatus.RUNNING,
    description="Writes an alert file naming the failed run, job and step(s) under data/alerts/.",
)
def run_failure_alert(context: RunFailureSensorContext, warehouse: WarehouseResource):
    failed_steps = sorted({e.step_key for e in context.get_step_failure_events() if e.step_key})
    alert = {
        "run_id": context.dagster_run.run_id,
        "job": context.dagster_run.job_name,
        "failed_steps": failed_steps,
        "message": context.failure_event.message,
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    folder = alerts_dir(warehouse.settings.warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run_failed_{alert['run_id']}.json"
    path.write_text(json.dumps(alert, ensure_ascii=False, indent=2), encoding="utf-8")
    context.log.error(f"run {alert['run_id']} of {alert['job']} failed in {', '.join(failed_steps) or '?'}; alert at {path}")
