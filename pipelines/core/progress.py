"""Progress of long work (generating, ingesting, building): live on a terminal, plain in logs.

Long-running functions take an optional `progress` callable `(done, total, detail)`. A
`Progress` is such a callable: on a terminal it redraws one status line in place; elsewhere
(CI logs, cron, Dagster) it prints a plain line at most every 10% so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

from pipelines.core.text import escape_controls

ProgressFn = Callable[[int, int, str], None]


class Progress:
    def __init__(self, label: str, unit: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.started: float | None = None  # the clock starts with the first report
        self._last_decile = -1
        self._drawn = False

    def __call__(self, done: int, total: int, detail: str = "") -> None:
        if self.started is None:
            self.started = time.monotonic()
        # details are often file names: a control character in one must not forge a log line
        line = f"[{self.label}] {done:,}/{total:,} {self.unit}" + (f" · {escape_controls(detail)}" if detail else "")
        if self.live:
            self.stream.write("\r\x1b[2K" + line)
            self.stream.flush()
            self._drawn = True
            return
        decile = (10 * done // total) if total else 10
        if decile != self._last_decile:
            self._last_decile = decile
            print(line, file=self.stream, flush=True)

    def start(self, message: str) -> None:
        """Say that the work has started (before its first report), and start the clock."""
        self.started = time.monotonic()
        print(f"[{self.label}] {message}", file=self.stream, flush=True)

    def done(self, summary: str) -> None:
        """End the live line and print a one-line summary with the elapsed time."""
        if self._drawn:
            self.stream.write("\r\x1b[2K")
        elapsed = time.monotonic() - (self.started or time.monotonic())
        print(f"[{self.label}] {summary} ({elapsed:.1f}s)", file=self.stream, flush=True)


@contextmanager
def stage(label: str, message: str, stream: TextIO | None = None) -> Iterator[Progress]:
    """A step of a run without counts of its own (checks, publishing): announced when it
    starts, and ended with its elapsed time (or that it failed). Yields a Progress whose
    `done` may give a better summary than "done"."""
    progress = Progress(label, "", stream=stream)
    progress.start(message)
    finished = False
    original = progress.done

    def done(summary: str) -> None:
        nonlocal finished
        finished = True
        original(summary)

    progress.done = done  # type: ignore[method-assign]
    try:
        yield progress
    except BaseException:
        elapsed = time.monotonic() - (progress.started or time.monotonic())
        print(f"[{label}] failed after {elapsed:.1f}s", file=progress.stream, flush=True)
        raise
    if not finished:
        original("done")
