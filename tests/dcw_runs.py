"""`dcw` in its own process, the way a user runs it, and what a run built.

Every test that runs the command line goes through `dcw` (run to the end) or `start_dcw`
(started, to be watched, signalled or killed): the same interpreter as the tests, the
package on its path (the worktree's code when PYTHONPATH points there), stdin closed so a
prompt fails instead of hanging.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import duckdb

# What the `dcw` console script runs (pyproject.toml [project.scripts]).
RUN_CLI = "import sys\nfrom pipelines.cli import main\nsys.exit(main(sys.argv[1:]))"


def dcw_argv(*args: str, prelude: str = "") -> list[str]:
    """The command line of `dcw <args>`; `prelude` is Python run first in the same process (to
    point a module-level path at a temporary folder, say)."""
    if prelude:
        return [sys.executable, "-c", f"{prelude}\n{RUN_CLI}", *args]
    return [sys.executable, "-m", "pipelines.cli", *args]


def _environment(env: Mapping[str, str] | None, extra_env: Mapping[str, str] | None) -> dict[str, str]:
    return {**(os.environ if env is None else env), **(extra_env or {})}


def dcw(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
        extra_env: Mapping[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """`dcw <args>` to its end, stdout and stderr captured as text. `env` replaces the
    environment (default: this process's), `extra_env` is laid over it."""
    return subprocess.run(dcw_argv(*args), env=_environment(env, extra_env), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def start_dcw(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
              extra_env: Mapping[str, str] | None = None, stdout: int | IO = subprocess.PIPE,
              prelude: str = "") -> subprocess.Popen:
    """`dcw <args>` started and left running, stderr merged into `stdout` (a pipe of text lines
    by default, or an open file). It leads its own process group, so `stop` (or a signal to
    the group) reaches everything it started (dbt, the webserver) too."""
    return subprocess.Popen(dcw_argv(*args, prelude=prelude), env=_environment(env, extra_env), cwd=cwd,
                            stdout=stdout, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            text=True, start_new_session=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send `sig` to the process group of a `start_dcw` process still running, and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
    proc.wait()


def dcw_run(env: Mapping[str, str], cwd: Path) -> None:
    """A whole `dcw run`, which must succeed."""
    proc = dcw("run", env=env, cwd=cwd)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The one `dcw: error: ...` line of a user error (exit status 2); fails on anything else."""
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dcw: error: "), proc.stderr
    return lines[0]


def env_for(root: Path, landing: Path) -> dict[str, str]:
    """The environment of a run whose warehouse, feedback, serving file, reports and Dagster
    instance are all under `root`, reading `landing`."""
    return {
        **os.environ,
        "DCW_LANDING": str(landing),
        "DCW_WAREHOUSE": str(root / "warehouse.duckdb"),
        "DCW_FEEDBACK": str(root / "feedback"),
        "DCW_SERVING": str(root / "serving" / "dcw.duckdb"),
        "DCW_REPORTS": str(root / "reports"),
        "DCW_AS_OF": "2025-03-10",
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


# when and in which batch a file was loaded differs between two warehouses by nature
RUN_COLUMNS = ("ingested_at", "batch_id")


def marts_contents(warehouse: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
        out = {}
        for t in tables:
            rel = con.table(f"marts.{t}")
            cols = [f'"{c}"' for c in rel.columns if c not in RUN_COLUMNS]
            out[t] = sorted(map(repr, rel.select(", ".join(cols)).fetchall()))
        return out
    finally:
        con.close()
