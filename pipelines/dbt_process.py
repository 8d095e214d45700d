"""The dbt process that dcw starts (`python -m pipelines.dbt_process <dbt arguments>`, the
`dbt` resource of pipelines/dbt.py): dbt's own command line, after which the process leaves
at once instead of tearing the interpreter down.

The teardown frees, one object at a time, everything dbt loaded (the parsed project, dbt's
generated classes, the forecast's libraries): about a second of every invocation spent after
dbt's last event (bench/README.md, "Where dbt's time goes at S"). The exit handlers still run
first (dbt-duckdb's closes the database, checkpointed; logging's flushes dbt's log file), then
the standard streams, which dagster-dbt reads, are flushed.

Imports nothing of dcw: it runs in dbt's process, beside the Python models.
"""

from __future__ import annotations

import atexit
import os
import sys


def exit_code(code: object) -> int:
    """The process's exit status for a `SystemExit` code, as Python's own exit gives it: None
    is 0, an integer itself, anything else (a message, printed to stderr) 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def main() -> None:
    from dbt.cli.main import cli  # dbt's console script

    try:
        cli(prog_name="dbt")  # click ends the command with SystemExit
        code = 0
    except SystemExit as done:
        code = exit_code(done.code)
    # What the interpreter's exit does before its teardown: the exit handlers, among them
    # dbt-duckdb's, which closes the database dbt kept open (its checkpoint writes the
    # write-ahead log into the file and removes it and the spill folder's marker), and
    # multiprocessing's, which unlinks the named semaphores of dbt's locks, and logging's,
    # which flushes dbt's log file.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
