"""Local servers that dcw starts and stops: the Dagster UI (`dcw ui`) and the dashboard
(`dcw dashboard`), and the tests and benchmark that drive them in a browser. One way to start
a server in a session of its own, know that it answers, and stop it with everything it
started, so no test or command leaves a process behind."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from pipelines.core.errors import UserError


class ServerNotUp(Exception):
    """The server exited or did not answer in time."""


def ensure_port_free(host: str, port: int) -> None:
    """Raise UserError when nothing could listen on host:port (taken, or not a local
    address), before a server spends a minute starting only to fail on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as the server will: a port left in TIME_WAIT by a stopped server is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(f"port {port} on {host} is already in use (another server? "
                                f"choose another with --port)") from None
            reason = exc.strerror or exc
            raise UserError(f"cannot listen on {host}:{port}: {reason}") from None


def spawn(command: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None,
          log: Path | None = None) -> subprocess.Popen:
    """`command` with the current environment plus `env`, output to `log` (else the terminal),
    in a session and process group of its own (so stopping it reaches what it starts)."""
    output = open(log, "wb") if log is not None else None
    try:
        return subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT if output else None,
                                start_new_session=True)
    finally:
        if output is not None:
            output.close()  # the child holds its own copy


def wait_until_answering(process: subprocess.Popen, url: str, timeout: float, what: str = "the server",
                         interval: float = 0.2) -> None:
    """Return once `url` answers 200; ServerNotUp if `process` exits or `timeout` seconds pass
    first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerNotUp(f"{what} exited with status {process.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(interval)
    raise ServerNotUp(f"{what} did not answer at {url} within {timeout:.0f} s")


def stop_tree(process: subprocess.Popen, timeout: float) -> None:
    """Interrupt the server and everything it started as Ctrl+C would, then kill whatever of
    that tree still runs after `timeout` seconds. Every process of the tree (its process
    group, and any descendant that left the group) is signalled, not only the server: `dagster
    dev` ignores SIGTERM and leaves its webserver, daemon and code servers running when it dies."""
    import psutil

    try:
        tree = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    _signal_group(process.pid, signal.SIGINT)
    for child in tree:
        _signal(child, signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    _, alive = psutil.wait_procs(tree, timeout=max(0.1, timeout / 2))
    _signal_group(process.pid, signal.SIGKILL)  # the group outlives its leader: code servers
    for child in alive:
        _signal(child, signal.SIGKILL)
    process.wait()
    psutil.wait_procs(alive, timeout=5)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _signal(proc, sig: int) -> None:
    import psutil

    try:
        proc.send_signal(sig)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass
