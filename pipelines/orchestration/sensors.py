"""Sensors: new files in the landing folder start the intraday job (pipelines/orchestration/
intraday.py: ingestion and only the marts the files feed); a failed run leaves an alert.

The landing sensor never opens the warehouse (DuckDB allows one process to hold the file, and
a running job may be that process). It lists the landing folder and keeps, as its cursor, a
digest of the listing: a changed listing starts one run, whose run key is that digest, so the
same set of files never triggers twice. The listing itself is kept beside the warehouse
(listings_dir), so the run is told the paths that arrived or changed since the last tick and
reads only those instead of walking the whole folder (docs/ingestion.md, "Intraday runs");
without the last listing, or when many paths changed at once, the run walks the whole folder.
Whether a file is new is still the ingestion's business (it compares against its submission
log), so a repeated tick cannot double a file, and the night's walk reads whatever a failed
run left.
"""

from __future__ import annotations

import gzip
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
from pipelines.orchestration.intraday import intraday_job, landed_config


def landing_listing(landing: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every entry under the landing folder that is not a
    folder (links not followed: a link is listed as itself, as the ingestion's walk logs it),
    sorted. Strings, not Path objects: the sensor lists ~100k files every minute at scale M."""
    out: list[tuple[str, int, int]] = []
    _list(os.fspath(landing), "", out)
    out.sort()
    return out


def _list(folder: str, prefix: str, out: list) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:  # removed or unreadable: the next tick, or the night's walk, sees it
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                _list(entry.path, f"{prefix}{entry.name}/", out)
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError:  # removed between listing and stat
            continue
        out.append((prefix + entry.name, st.st_size, st.st_mtime_ns))


def listing_digest(listing: list[tuple[str, int, int]]) -> str:
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:32]


# More changed paths than this at one tick (a landing folder copied or touched whole): the
# run walks the folder, which costs the same and keeps the run's configuration small.
MAX_PATHS = 1000


def listings_dir(warehouse: Path) -> Path:
    """Where the sensor keeps its last listing: beside the warehouse file, never inside it,
    named after it (data/warehouse.duckdb -> data/warehouse_landing_listings), as its raw
    folder is, so two warehouses in one folder keep their own."""
    return warehouse.with_name(f"{warehouse.stem}_landing_listings")


def changed_paths(before: list | None, after: list[tuple[str, int, int]]) -> list[str] | None:
    """The paths of `after` that are not in `before` or whose size or modification time
    differ, or None (the run walks the whole folder): no `before`, too many, or a name that
    cannot travel in the run's configuration (bytes that are not UTF-8)."""
    if before is None:
        return None
    old = {path: (size, mtime) for path, size, mtime in before}
    paths = [path for path, size, mtime in after if old.get(path) != (size, mtime)]
    if len(paths) > MAX_PATHS:
        return None
    try:
        json.dumps(paths, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return None
    return paths


def read_listing(folder: Path, digest: str | None) -> list | None:
    """The listing kept for `digest` (the cursor), or None."""
    if not digest:
        return None
    try:
        with gzip.open(folder / f"{digest}.json.gz", "rt", encoding="utf-8", errors="surrogateescape") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def keep_listing(folder: Path, digest: str, listing: list, previous: str | None) -> None:
    """Keep `listing` under its digest (written whole, then renamed) and drop older ones but
    `previous` (the cursor until this tick's is committed)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{digest}.tmp"
    with gzip.open(tmp, "wt", encoding="utf-8", errors="surrogateescape", compresslevel=1) as f:
        json.dump(listing, f)
    os.replace(tmp, folder / f"{digest}.json.gz")
    for old in folder.glob("*.json.gz"):
        if old.name not in (f"{digest}.json.gz", f"{previous}.json.gz"):
            old.unlink(missing_ok=True)


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
    folder = listings_dir(warehouse.settings.warehouse)
    paths = changed_paths(read_listing(folder, context.cursor), listing)
    keep_listing(folder, digest, listing, context.cursor)
    context.update_cursor(digest)
    if paths == []:
        return SkipReason(f"files removed from {landing}, none arrived or changed")
    return RunRequest(run_key=digest, run_config=landed_config(paths),
                      tags={"dcw/trigger": "landing_files", "dcw/files": str(len(listing)),
                            "dcw/changed": "all" if paths is None else str(len(paths))})


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
