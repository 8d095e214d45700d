"""Crash safety: `dcw run` killed with SIGKILL (its whole process group, dbt included) in the
middle of ingesting, of dbt and of publishing; the next runs finish with marts identical to
an uninterrupted run, and the serving file is never seen half-written.

The kill points are found from outside, as an operator would see them: the run's progress
lines ("[ingest] k/N files", "[dbt] k/N nodes") and the temporary file the publish writes
beside the serving file. No fault hook is needed in production code."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import duckdb
import pytest
from tests.dcw_runs import dcw_run, marts_contents, start_dcw, stop
from tests.reliability.reliability_env import fresh_root

from pipelines.core.settings import raw_dir
from pipelines.ingest import raw_layer as wh

pytestmark = pytest.mark.slow  # four whole `dcw run`s, three of them killed


def serving_state(serving: Path) -> dict[str, int] | None:
    """Rows per marts table of the serving file, None if there is none; raises if a file is
    there but does not open as a complete DuckDB database."""
    existed = serving.exists()
    try:
        con = duckdb.connect(str(serving), read_only=True)
    except duckdb.IOException as e:
        # absent when the open began: the first publish may rename it into place in between
        if not existed or not serving.exists():
            return None
        raise AssertionError(f"serving file does not open: {e}") from None
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]
        return {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


class ServingWatcher(threading.Thread):
    """Opens the serving file over and over while runs go on and records every state that is
    neither absent nor the complete reference marts."""

    def __init__(self, serving: Path, complete: dict[str, int]):
        super().__init__(daemon=True)
        self.serving, self.complete = serving, complete
        self.bad: list[str] = []
        self.seen = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                state = serving_state(self.serving)
            except AssertionError as e:
                self.bad.append(str(e))
                continue
            if state is not None:
                self.seen += 1
                if state != self.complete:
                    self.bad.append(f"incomplete serving file: {state}")
            self.stop.wait(0.05)


def run_killed(env: dict[str, str], cwd: Path, kill_when) -> list[str]:
    """Start `dcw run` in its own process group; SIGKILL the group as soon as
    `kill_when(lines so far)` is true. Fails if the run ends on its own first."""
    proc = start_dcw("run", env=env, cwd=cwd)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 900
    try:
        while proc.poll() is None:
            if kill_when(lines):
                stop(proc)
                return lines
            assert time.monotonic() < deadline, \
                "the run neither reached the kill point nor ended:\n" + "".join(lines[-40:])
            time.sleep(0.002)
        pytest.fail("the run ended before the kill point:\n" + "".join(lines[-40:]))
    finally:
        stop(proc)
        reader.join(5)


def progress_at(label: str, fraction: float):
    """True once a '[label] k/N' progress line with 0 < k < N and k/N >= fraction was printed."""
    pattern = re.compile(rf"^\[{label}\] (\d+)/(\d+) ")

    def reached(lines: list[str]) -> bool:
        for line in lines:
            m = pattern.match(line)
            if m and 0 < int(m[1]) < int(m[2]) and int(m[1]) >= fraction * int(m[2]):
                return True
        return False

    return reached


def publishing(serving: Path):
    """True once anything in the serving file's folder is created or changes: the publish has
    started writing (its temporary copy, or whatever it writes)."""
    serving.parent.mkdir(parents=True, exist_ok=True)

    def listing() -> dict[str, tuple[int, int]]:
        out = {}
        for entry in os.scandir(serving.parent):
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            out[entry.name] = (st.st_mtime_ns, st.st_size)
        return out

    before = listing()

    def reached(_lines) -> bool:
        return listing() != before

    return reached


def test_killed_mid_ingest_mid_dbt_and_mid_publish_then_rerun_gives_the_same_marts(reference, tmp_path):
    root, env = fresh_root(tmp_path / "crashed", reference.landing)
    warehouse, serving = root / "warehouse.duckdb", root / "serving" / "dcw.duckdb"
    complete = serving_state(reference.serving)
    watcher = ServingWatcher(serving, complete)
    watcher.start()
    try:
        run_killed(env, root, progress_at("ingest", 0.3))
        assert serving_state(serving) is None
        run_killed(env, root, progress_at("dbt", 0.3))
        assert serving_state(serving) is None
        dcw_run(env, root)
        assert serving_state(serving) == complete
        # killed while publishing over the published file: the file stays whole
        run_killed(env, root, publishing(serving))
        assert serving_state(serving) == complete
    finally:
        watcher.stop.set()
        watcher.join(5)
    assert watcher.bad == []
    assert watcher.seen > 0  # the watcher did open the published file
    assert marts_contents(warehouse) == reference.marts
    assert marts_contents(serving) == marts_contents(reference.serving)
    # nothing a killed batch wrote is left in the raw layer
    raw = raw_dir(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        committed = {b for (b,) in con.execute("select distinct batch_id from raw.submissions").fetchall()}
        assert wh.conservation_violations(con, raw).height == 0
    finally:
        con.close()
    # (the batches' files: the customer resolution's and closed months' files are not batches)
    written = {p.name.split(".")[0] for t in wh.PARQUET_TABLES if (raw / t).is_dir()
               for p in (raw / t).glob("*.parquet")} - {"schema", "submissions"}
    assert written and written <= committed
