"""One process at a time on the warehouse.

DuckDB lets one process open a database file for writing, and while it does, no other
process can open it at all. Every step that opens the warehouse (ingestion, dbt, checks,
forecasts, publishing, reports) holds this lock while it does, so two runs started together
(two `dcw run`s, a sensor run beside the schedule's, a UI launch during the night) queue
behind each other step by step instead of failing on DuckDB's lock. The Dagster instance
also queues runs (pipelines/orchestration/dagster.yaml); this lock is what holds when runs do not go
through that queue.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.core.errors import UserError

WAIT_SECONDS = 6 * 3600  # longer than any nightly run: waiting is right, failing is not


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def warehouse_lock(
    warehouse: Path, wait_seconds: float = WAIT_SECONDS, log: Callable[[str], None] | None = None
) -> Iterator[None]:
    path = lock_path(Path(warehouse))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise UserError(f"the warehouse {warehouse} stayed busy for {wait_seconds:.0f}s (lock {path})") from None
                if log and not told:
                    log(f"waiting for the warehouse lock {path}: another run is using the warehouse")
                    told = True
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
