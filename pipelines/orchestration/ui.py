"""The browser-facing side of dcw: the Dagster UI (`dcw ui`) and the static docs sites of a
built warehouse (dbt docs and the Great Expectations Data Docs).

`dcw ui` and the UI tests start the server through the same functions, so what the tests
open in a browser is what a user gets: the workspace of workspace.yaml, an instance
configured from pipelines/orchestration/dagster.yaml, a server on loopback that is always stopped,
its whole process group (the webserver starts a code server of its own) killed if it does
not stop in time.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.errors import UserError
from pipelines.core.servers import ServerNotUp, ensure_port_free, spawn, stop_tree, wait_until_answering
from pipelines.core.settings import PROJECT_ROOT, Settings, venv_program
from pipelines.dbt_process import SERVER_VARIABLE
from pipelines.dbt_server import running_server

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


def webserver_command(host: str, port: int, *, daemon: bool) -> list[str]:
    """`dagster dev` (webserver and the daemon that runs schedules and sensors) when `daemon`,
    else `dagster-webserver` alone; both on workspace.yaml."""
    program = [venv_program("dagster"), "dev"] if daemon else [venv_program("dagster-webserver")]
    return [*program, "-w", os.fspath(WORKSPACE), "-h", host, "-p", str(port)]


def start_server(command: list[str], dagster_home: Path, env: Mapping[str, str] | None = None,
                 log: Path | None = None) -> subprocess.Popen:
    """Start `command` with DAGSTER_HOME=`dagster_home` (prepared), the current environment
    plus `env`, output to `log` (else the terminal), in a process group of its own."""
    return spawn(command, env={**(env or {}), "DAGSTER_HOME": os.fspath(prepare_dagster_home(dagster_home))},
                 cwd=PROJECT_ROOT, log=log)


def wait_until_serving(process: subprocess.Popen, url: str, timeout: float = READY_TIMEOUT) -> None:
    """Return once `url`/server_info answers; ServerNotUp if `process` exits or `timeout`
    seconds pass first."""
    wait_until_answering(process, f"{url}/server_info", timeout, interval=0.5)


def stop_server(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """Stop the server and everything it started (pipelines/core/servers.py)."""
    stop_tree(process, timeout)


class _Stop(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled as Ctrl+C: `dcw ui` stops the whole tree it started."""


def _raise_stop(signum, frame) -> None:
    raise _Stop(signal.Signals(signum).name)


def sensor_notice(landing: Path | None) -> str:
    """What `dcw ui` says first: its daemon runs the landing sensor, which starts the intraday
    job when the landing folder's listing changes, also on the first start of an instance."""
    where = f" {landing}" if landing else " the landing folder"
    return (f"dcw: starting the Dagster UI with its daemon: the landing_files sensor is on, so files in{where} "
            "start the intraday job within a minute (also now, on a new instance); stop the sensor under "
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


DBT_SERVER_SOCKET = DAGSTER_HOME / "dbt.sock"
DBT_SERVER_LOG = DAGSTER_HOME / "logs" / "dbt-server.log"


@contextmanager
def warm_dbt(configured: Path | None, socket: Path = DBT_SERVER_SOCKET,
             log: Path = DBT_SERVER_LOG) -> Iterator[dict[str, str]]:
    """The environment that hands the runs' dbt to a warm dbt server (pipelines/dbt_server.py):
    the one `configured` (DCW_DBT_SERVER, run by the operator) as it is, else one started on
    `socket` (what it says in `log`) for as long as the UI runs. Where none can start, the
    runs start dbt afresh, as without a server; `dcw ui` says so."""
    with ExitStack() as stack:
        env = {}
        if configured is None:
            try:
                socket.parent.mkdir(parents=True, exist_ok=True)  # .dagster_home on a first start
                stack.enter_context(running_server(socket, log))
                env = {SERVER_VARIABLE: os.fspath(socket)}
            except (OSError, ValueError) as exc:
                print(f"dcw: no warm dbt server ({exc}): the runs start dbt afresh", file=sys.stderr, flush=True)
        yield env


def _serve(host: str, port: int, url: str) -> int:
    with warm_dbt(Settings.from_env().dbt_server) as dbt:
        return _serve_with(host, port, url, dbt)


def _serve_with(host: str, port: int, url: str, env: Mapping[str, str]) -> int:
    process = start_server(webserver_command(host, port, daemon=True), DAGSTER_HOME, env=env)
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
