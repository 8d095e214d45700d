"""The warm dbt server: a long-lived process that has imported dbt, its DuckDB adapter and
the forecast's libraries once, and starts each dbt invocation as a fork of itself.

Every dbt invocation otherwise starts a fresh interpreter that imports dbt (about 2 s) and,
when a forecast is refitted, statsforecast (about 1.5 s), before its first node: a quarter of
a night at the demo's scale (bench/README.md, "Where dbt's time goes at S"). With the server
running (`dcw dbt-server`, beside Dagster's daemon) and DCW_DBT_SERVER naming its socket,
dbt's process (`pipelines/dbt_process.py`) hands its command over: the server forks a child
with the caller's arguments, environment, working directory and standard streams, so the
child is dbt's process as it would have been, only already imported. The caller relays
interrupts to the child and leaves with its exit status; dagster-dbt reads the same output.

What the server never does: keep anything of dcw between invocations (each child parses the
project and opens the warehouse itself, and is gone after), or run code older than the
files: when any module it imported changed on disk since it started (dcw deployed again, a
library upgraded), it declines the request, which then runs cold in the caller, and
restarts itself once the invocations running have ended. Stopped (Ctrl+C, SIGTERM), it also
lets those end and answers their callers first. Each child is in a session of its own, so
the server's terminal does not interrupt it; its caller relays its own interrupts. Without a
server, or when it cannot be reached, dbt runs in the caller as before. Linux only (fork,
pidfd, file descriptors passed over a Unix socket).

Started by `dcw dbt-server` (a deployment's service), by `dcw ui` for the runs of its daemon
and by the benchmark (`running_server`).

The caller's side, and the protocol's constants, are in pipelines/dbt_process.py.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.dbt_process import DECLINED, MESSAGE_BYTES, run_dbt_here

# What the server imports once: dbt with the adapter of every night, and the libraries of the
# forecast's Python models. Third-party only, so that a child runs the repository's dcw code as
# it is on disk (a change to it is also noticed: see `Fingerprint`).
PRELOAD = ("dbt.cli.main", "dbt.adapters.duckdb", "duckdb", "numpy", "polars",
           "statsforecast.models", "statsforecast.utils")


class Fingerprint:
    """The modification times of every module file imported, to tell when the code a server
    holds in memory is no longer what is on disk."""

    def __init__(self) -> None:
        self.files = self._now()

    @staticmethod
    def _now() -> dict[str, int]:
        times = {}
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path:
                try:
                    times[path] = os.stat(path).st_mtime_ns
                except OSError:
                    times[path] = -1
        return times

    def changed(self) -> list[str]:
        """The files of the modules imported at the start that differ on disk now."""
        changed = []
        for path, mtime in self.files.items():
            try:
                now = os.stat(path).st_mtime_ns
            except OSError:
                now = -1
            if now != mtime:
                changed.append(path)
        return changed


SOCKET_PATH_BYTES = 107  # a Unix socket's path: at most 107 bytes on Linux


def usable_socket(path: Path) -> Path:
    """`path` when a server can listen there: short enough for a Unix socket, in a folder
    that exists, and with no server already listening (a socket left by one that stopped is
    replaced; any other file there is left alone). Raises ValueError saying what is wrong."""
    if len(os.fsencode(path)) > SOCKET_PATH_BYTES:
        raise ValueError(f"the socket path {path} is longer than {SOCKET_PATH_BYTES} bytes: choose a shorter one")
    if not path.parent.is_dir():
        raise ValueError(f"no folder {path.parent} for the socket {path.name}")
    if path.exists() and not stat.S_ISSOCK(path.stat().st_mode):
        raise ValueError(f"{path} exists and is not a socket: choose another path")
    if path.exists():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            probe.connect(os.fspath(path))
        except OSError:
            return path  # nobody listens: a stopped server's socket file
        finally:
            probe.close()
        raise ValueError(f"a dbt server already listens on {path}")
    return path


def serve(path: Path, preload: tuple[str, ...] = PRELOAD) -> None:
    """Listen on the Unix socket `path` and run each request as a fork of this process. On
    an interrupt or SIGTERM, or when the code imported changed on disk, stop taking requests
    (they run in their callers), answer the running ones when their dbt ends, then leave or,
    for changed code, start again in place."""
    import importlib

    for module in preload:
        importlib.import_module(module)
    fingerprint = Fingerprint()
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(os.fspath(path))
    listener.listen(16)
    # a signal only marks the server as stopping; the loop sees it through this pair
    wake_read, wake_write = socket.socketpair()
    wake_write.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno())
    ending: list[str] = []  # why the server stops taking requests ("stop" or "restart")
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: ending.append("stop"))
    print(f"dcw dbt-server: ready on {path} (process {os.getpid()})", file=sys.stderr, flush=True)
    running: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (child, its caller)
    while not (ending and not running):
        ready, _, _ = select.select([listener, wake_read, *running], [], [])
        for item in ready:
            if item is wake_read:
                wake_read.recv(64)
            elif item is listener:
                caller, _ = listener.accept()
                if not ending and (stale := fingerprint.changed()):
                    print(f"dcw dbt-server: {stale[0]} changed since the start: restarting once idle",
                          file=sys.stderr, flush=True)
                    ending.append("restart")
                if ending:
                    _answer(caller, DECLINED)
                    continue
                started = _start(caller, (listener, wake_read, wake_write))
                if started is not None:
                    running[os.pidfd_open(started)] = (started, caller)
            else:
                child, caller = running.pop(item)
                os.close(item)
                _, status = os.waitpid(child, 0)
                _answer(caller, os.waitstatus_to_exitcode(status))
    listener.close()
    if "restart" in ending and "stop" not in ending:
        os.execv(sys.executable, [sys.executable, "-m", "pipelines.dbt_server", os.fspath(path)])
    path.unlink(missing_ok=True)
    print("dcw dbt-server: stopped", file=sys.stderr, flush=True)


def _start(caller: socket.socket, own: tuple[socket.socket, ...]) -> int | None:
    """Fork the child that runs the caller's request; its pid (sent to the caller too), or
    None when the request could not be read (the caller then runs dbt itself)."""
    try:
        message, fds, _, _ = socket.recv_fds(caller, MESSAGE_BYTES, 3)
        if not message:  # a probe (usable_socket): connected and left
            caller.close()
            return None
        request = json.loads(message)
        if len(fds) != 3:
            raise ValueError("expected the three standard streams")
    except (OSError, ValueError) as e:
        print(f"dcw dbt-server: a request could not be read ({e})", file=sys.stderr, flush=True)
        _answer(caller, DECLINED)
        return None
    child = os.fork()
    if child == 0:  # dbt's process from here on: never returns to the server's loop
        code = 70
        try:
            # dbt's process: its own session (the server's terminal signals are not its),
            # Python's own signal handling, none of the server's sockets
            os.setsid()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            for sock in (*own, caller):
                sock.close()
            for number, fd in enumerate(fds):
                os.dup2(fd, number)
                os.close(fd)
            os.chdir(request["cwd"])
            # This process's own environment: the caller's, as a process started by it gets.
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = ["dbt", *request["args"]]
            run_dbt_here()
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    args = request["args"]
    command = next((a for a in args if not a.startswith("-")), " ".join(args[:1]))
    print(f"dcw dbt-server: served dbt {command} as process {child}", file=sys.stderr, flush=True)
    try:
        caller.send(str(child).encode())
    except OSError:
        pass  # the caller is gone: the child is still reaped when it ends
    return child


def _answer(caller: socket.socket, code: int) -> None:
    try:
        caller.send(str(code).encode())
    except OSError:
        pass  # the caller is gone (interrupted): nothing waits for the status
    caller.close()


@contextmanager
def running_server(path: Path, log: Path) -> Iterator[subprocess.Popen]:
    """A server on the socket `path` in a process (and session) of its own, ready to serve
    when this yields; what it says goes to the file `log`. Stopped on leaving: its running
    invocations end first (`serve`)."""
    path = usable_socket(path)
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.dbt_server", os.fspath(path)],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    with open(log, "w", encoding="utf-8") as out:
        ready = proc.stderr.readline()
        out.write(ready)
        out.flush()
        if "ready" not in ready:
            proc.kill()
            proc.wait()
            raise OSError(f"the dbt server did not start: {ready.strip() or 'it left without a word'} (log: {log})")
        drain = threading.Thread(target=lambda: [out.write(line) or out.flush() for line in proc.stderr], daemon=True)
        drain.start()
        try:
            yield proc
        finally:
            proc.terminate()
            proc.wait()
            drain.join()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m pipelines.dbt_server <socket path>", file=sys.stderr)
        return 2
    serve(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
