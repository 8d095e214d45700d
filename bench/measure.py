"""Wall time and peak memory of named stages, measured inside the process that runs them.

Memory is the resident set of the whole process tree (this process plus every descendant,
summed), sampled every ~50 ms by a background thread: dbt, DuckDB and polars run in this
process, but a stage that spawns workers must be charged for them too. The sampler thread
reads /proc through psutil, which releases the GIL, so it keeps sampling while the engines
work; a peak shorter than one interval can be missed, which is the usual price of sampling.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

INTERVAL = 0.05
# The warm dbt server's process, for a phase to charge its work (bench/benchmark.py, dbt_server).
SERVER_PID = "BENCH_DBT_SERVER_PID"


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of `proc` and all its descendants (processes that end mid-way count 0)."""
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in members:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def cpu_seconds(proc: psutil.Process) -> float:
    """User + system CPU seconds of `proc`'s threads and of its children that have ended."""
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


@dataclass
class StageResult:
    seconds: float
    peak_rss: int  # bytes, whole process tree, while the stage ran
    cpu_seconds: float | None = None  # less sensitive than wall time to other work on the machine


@dataclass
class Meter:
    """Times stages (`with meter.stage("dbt"): ...`) and keeps each one's peak tree RSS.
    `also`: processes outside this one's tree whose work is the stages' too (the warm dbt
    server, whose children run dbt for this process): their trees' memory and CPU count."""

    interval: float = INTERVAL
    also: tuple[int, ...] = ()
    stages: dict[str, StageResult] = field(default_factory=dict)
    _current: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "Meter":
        self._procs = [psutil.Process(), *(psutil.Process(pid) for pid in self.also)]
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            rss = self._rss()
            with self._lock:
                self._current = max(self._current, rss)

    def _rss(self) -> int:
        return sum(tree_rss(p) for p in self._procs)

    def _cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self._procs)

    @contextmanager
    def stage(self, name: str):
        """Measure the block as stage `name`: wall seconds and the peak RSS seen meanwhile
        (at least one sample is taken at each end, so short stages get a figure too)."""
        with self._lock:
            self._current = self._rss()
        start, cpu = time.perf_counter(), self._cpu()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            rss = self._rss()
            with self._lock:
                peak = max(self._current, rss)
            self.stages[name] = StageResult(seconds, peak, self._cpu() - cpu)

    def record(self, name: str, seconds: float, peak_rss: int) -> None:
        """A stage timed by the code under test itself (e.g. the ingestion's own split)."""
        self.stages[name] = StageResult(seconds, peak_rss)
