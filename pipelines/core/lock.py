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
from datetime import datetime
from pathlib import Path

from pipelines.core.errors import UserError

WAIT_SECONDS = 6 * 3600  # longer than any nightly run: waiting is right, failing is not


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder_line() -> str:
    """Who holds the lock, as written into the lock file for those who wait: when this
    process (the run) started, its pid and its command."""
    import sys

    try:
        import psutil

        started = datetime.fromtimestamp(psutil.Process().create_time())
    except Exception:  # no psutil, or no /proc: the time the lock was taken
        started = datetime.now()
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:200]
    return f"{started:%Y-%m-%d %H:%M:%S}\t{os.getpid()}\t{command}\n"


def holder(path: Path) -> str:
    """'the run started at ... by pid ... (command)' from a lock file, or a plain phrase
    when it names no one (an older dcw, or a holder that has not written it yet)."""
    try:
        started, pid, command = Path(path).read_text(encoding="utf-8").rstrip("\n").split("\t", 2)
        return f"the run started at {started} by pid {pid} ({command})"
    except (OSError, ValueError):
        return "another run"


@contextmanager
def warehouse_lock(
    warehouse: Path, wait_seconds: float = WAIT_SECONDS, log: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the warehouse's lock while the block runs; a wait is announced on stderr (and to
    `log`), naming the run it waits for."""
    import sys

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
                    raise UserError(f"the warehouse {warehouse} stayed busy for {wait_seconds:.0f}s "
                                    f"(held by {holder(path)}; lock {path})") from None
                if not told:
                    message = f"[lock] waiting for {holder(path)} to release the warehouse {warehouse}"
                    print(message, file=sys.stderr, flush=True)
                    if log:
                        log(message)
                    told = True
                time.sleep(0.2)
        if told:
            print(f"[lock] got the warehouse {warehouse}", file=sys.stderr, flush=True)
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder_line().encode("utf-8", "replace"), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
