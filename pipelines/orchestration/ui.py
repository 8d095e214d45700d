"""The browser-facing side of dcw: the Dagster UI (`dcw ui`) and the static docs sites of a
built warehouse (dbt docs and the Great Expectations Data Docs).

`dcw ui` and the UI tests start the server through the same functions, so what the tests
open in a browser is what a user gets: the workspace of workspace.yaml, an instance
configured from pipelines/orchestration/dagster.yaml, a server on loopback that is always stopped,
its whole process group (the webserver starts a code server of its own) killed if it does
not stop in time.
"""

from __future__ import annotations

import errno
import functools
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.errors import UserError
from pipelines.core.settings import PROJECT_ROOT, venv_program

WORKSPACE = PROJECT_ROOT / "workspace.yaml"
DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
INSTANCE_TEMPLATE = Path(__file__).with_name("dagster.yaml")
# The first start imports the definitions (dbt manifest, every asset) in a code server.
READY_TIMEOUT = 120.0
# How long the tree gets to stop on its own after an interrupt before it is killed.
STOP_TIMEOUT = 10.0


def prepare_dagster_home(home: Path) -> Path:
    """Create the Dagster instance folder `home`, with dcw's instance settings unless it
    already has a dagster.yaml (a user's own settings are kept)."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    instance = home / "dagster.yaml"
    if not instance.exists() and INSTANCE_TEMPLATE.exists():
        shutil.copyfile(INSTANCE_TEMPLATE, instance)
    return home


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
                raise UserError(f"port {port} on {host} is already in use (another 'dcw ui'? "
                                f"choose another with --port)") from None
            reason = exc.strerror or exc
            raise UserError(f"cannot listen on {host}:{port}: {reason}") from None


def webserver_command(host: str, port: int, *, daemon: bool) -> list[str]:
    """`dagster dev` (webserver and the daemon that runs schedules and sensors) when `daemon`,
    else `dagster-webserver` alone; both on workspace.yaml."""
    program = [venv_program("dagster"), "dev"] if daemon else [venv_program("dagster-webserver")]
    return [*program, "-w", os.fspath(WORKSPACE), "-h", host, "-p", str(port)]


def start_server(command: list[str], dagster_home: Path, env: Mapping[str, str] | None = None,
                 log: Path | None = None) -> subprocess.Popen:
    """Start `command` with DAGSTER_HOME=`dagster_home` (prepared), the current environment
    plus `env`, output to `log` (else the terminal), in a process group of its own."""
    environment = {**os.environ, **(env or {}),
                   "DAGSTER_HOME": os.fspath(prepare_dagster_home(dagster_home))}
    output = open(log, "wb") if log is not None else None
    try:
        return subprocess.Popen(command, env=environment, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT if output else None,
                                start_new_session=True)
    finally:
        if output is not None:
            output.close()  # the child holds its own copy


class ServerNotUp(Exception):
    """The server exited or did not answer in time."""


def wait_until_serving(process: subprocess.Popen, url: str, timeout: float = READY_TIMEOUT) -> None:
    """Return once `url`/server_info answers; ServerNotUp if `process` exits or `timeout`
    seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerNotUp(f"the server exited with status {process.returncode} before serving")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise ServerNotUp(f"the server did not answer at {url} within {timeout:.0f} s")


def stop_server(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """Interrupt the server and everything it started as Ctrl+C would, then kill whatever of
    that tree still runs after `timeout` seconds. `dagster dev` ignores SIGTERM and leaves
    its webserver, daemon and code servers running when it dies, so every process of the tree
    (its process group, and any descendant that left the group) is signalled, not only it."""
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


class _Stop(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled as Ctrl+C: `dcw ui` stops the whole tree it started."""


def _raise_stop(signum, frame) -> None:
    raise _Stop(signal.Signals(signum).name)


def sensor_notice(landing: Path | None) -> str:
    """What `dcw ui` says first: its daemon runs the landing sensor, which starts the nightly
    job when the landing folder's listing changes, also on the first start of an instance."""
    where = f" {landing}" if landing else " the landing folder"
    return (f"dcw: starting the Dagster UI with its daemon: the landing_files sensor is on, so files in{where} "
            "start the nightly job within a minute (also now, on a new instance); stop the sensor under "
            "Automation in the UI. SIGTERM or Ctrl+C stops the UI and everything it started.")


def run_ui(host: str, port: int, landing: Path | None = None) -> int:
    """`dcw ui`: `dagster dev` on host:port with DAGSTER_HOME=<repo>/.dagster_home until
    Ctrl+C, SIGTERM or SIGHUP, which stop it and everything it started; returns its exit
    status."""
    ensure_port_free(host, port)
    url = f"http://{host}:{port}"
    print(sensor_notice(landing), file=sys.stderr, flush=True)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return _serve(host, port, url)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(host: str, port: int, url: str) -> int:
    process = start_server(webserver_command(host, port, daemon=True), DAGSTER_HOME)
    try:
        try:
            wait_until_serving(process, url, timeout=float("inf"))
        except ServerNotUp as exc:
            raise UserError(f"the Dagster UI did not start: {exc} (see its log above)") from None
        print(f"dcw: the Dagster UI is at {url} (Ctrl+C stops it)", file=sys.stderr, flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        # a second Ctrl+C or SIGTERM must not cut the stop short: it ends in a kill anyway
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        try:
            stop_server(process)
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass(frozen=True)
class DocsSites:
    dbt: Path  # index.html of the dbt docs
    great_expectations: Path  # index.html of the Data Docs


def build_docs_sites(warehouse: Path, out: Path) -> DocsSites:
    """The dbt docs (models, columns as built, lineage) and the Great Expectations Data Docs
    (every suite validated now) of the built `warehouse`, under out/dbt and
    out/great_expectations."""
    from pipelines.dbt import generate_docs
    from pipelines.quality import validate_marts

    out = Path(out)
    dbt_index = generate_docs(warehouse, out / "dbt")
    validate_marts(warehouse, out / "great_expectations")
    return DocsSites(dbt=dbt_index, great_expectations=out / "great_expectations" / "index.html")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # one line per request is noise in tests
        pass


@contextmanager
def serve_folder(folder: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `folder` over HTTP (on a free port unless `port`) while the block runs; yields
    its URL. The dbt docs need it: their page fetches manifest.json and catalog.json, which
    a browser refuses to do from file://."""
    handler = functools.partial(_QuietHandler, directory=os.fspath(folder))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
