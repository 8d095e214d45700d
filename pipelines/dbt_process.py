"""The dbt process that dcw starts (`python -m pipelines.dbt_process <dbt arguments>`, the
`dbt` resource of pipelines/dbt.py): dbt's own command line, after which the process leaves
at once instead of tearing the interpreter down.

The teardown frees, one object at a time, everything dbt loaded (the parsed project, dbt's
generated classes, the forecast's libraries): about a second of every invocation spent after
dbt's last event (bench/README.md, "Where dbt's time goes at S"). The exit handlers still run
first (dbt-duckdb's closes the database, checkpointed; logging's flushes dbt's log file), then
the standard streams, which dagster-dbt reads, are flushed.

With a warm dbt server (DCW_DBT_SERVER, `pipelines/dbt_server.py`) the command is handed to
it, and this process only relays interrupts and dbt's exit status; without one, or when it
declines, dbt runs here.

Imports nothing of dcw: it runs in dbt's process, beside the Python models.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import sys

SERVER_VARIABLE = "DCW_DBT_SERVER"  # the warm server's socket (settings: dbt_server)
DECLINED = -1000  # the server's answer to a request it does not run (it is stale)
MESSAGE_BYTES = 1 << 20  # a request: the arguments, the environment and the working directory


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
    server = os.environ.get(SERVER_VARIABLE)
    if server:
        code = hand_over(server, sys.argv[1:])
        if code is not None:
            os._exit(code)
    run_dbt_here()


def run_dbt_here() -> None:
    """dbt's command line (sys.argv) in this process, which then leaves."""
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


def hand_over(path: str, args: list[str]) -> int | None:
    """Run dbt `args` in the server listening on `path`, with this process's environment,
    working directory and standard streams; dbt's exit status, or None when there is no
    server there or it declined (then the caller runs dbt itself)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(path)
        request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(conn, [request], [0, 1, 2])
        child = int(conn.recv(64))
    except (OSError, ValueError):
        conn.close()
        return None
    if child == DECLINED:
        conn.close()
        return None
    for number in (signal.SIGINT, signal.SIGTERM):  # an interrupt of dbt's process reaches dbt
        signal.signal(number, lambda received, _frame: os.kill(child, received))
    try:
        dbt = os.pidfd_open(child)
    except OSError:
        dbt = None  # already ended: the server's answer follows
    answer = conn.recv(64)  # dbt's exit status, once it ended (the wait resumes after a relayed signal)
    conn.close()
    if not answer:  # the server left before answering: wait for dbt itself, its status unknown
        if dbt is not None:
            select.select([dbt], [], [])
        print(f"dcw: the dbt server stopped while dbt ran (process {child}); its exit status is unknown",
              file=sys.stderr, flush=True)
        return 1
    code = int(answer)
    return code if code >= 0 else 128 - code  # killed by signal n: 128 + n, as a shell reports


if __name__ == "__main__":
    main()
