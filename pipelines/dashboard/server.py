"""Starting the dashboard: `streamlit run` on app.py, bound to one address, told which serving
file to read, answering its health endpoint once it serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from pipelines.core.servers import ServerNotUp, spawn, stop_tree, wait_until_answering

APP = Path(__file__).with_name("launcher.py")  # app.py and the first views (first_view.py)
HEALTH = "/_stcore/health"  # Streamlit's own: 200 "ok" once the server accepts sessions
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def dashboard_command(serving: Path, host: str, port: int) -> list[str]:
    """`streamlit run app.py` of this interpreter: on host:port, headless (no browser opened,
    no usage statistics sent), no file watcher (nothing reloads under a manager's feet)."""
    return [sys.executable, "-m", "streamlit", "run", os.fspath(APP),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--server.fileWatcherType", "none", "--server.runOnSave", "false",
            "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
            "--client.toolbarMode", "viewer", "--theme.base", "light",
            "--", "--serving", os.fspath(serving)]


def start_dashboard(serving: Path, host: str, port: int, log: Path | None = None,
                    env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """The dashboard started in a process group of its own, output to `log` (else the
    terminal)."""
    return spawn(dashboard_command(serving, host, port), env=env, log=log)


NotServing = ServerNotUp  # the dashboard exited or did not answer in time


def wait_until_healthy(process: subprocess.Popen, url: str, timeout: float = READY_TIMEOUT) -> None:
    """Return once `url` + HEALTH answers 200; NotServing if `process` exits or `timeout`
    seconds pass first."""
    wait_until_answering(process, url + HEALTH, timeout, what="the dashboard")


def stop_dashboard(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """Interrupt it as Ctrl+C would; kill what is left of its tree if it has not stopped in time."""
    stop_tree(process, timeout)


def run_dashboard(serving: Path, host: str, port: int) -> int:
    """`dcw dashboard`: serve until Ctrl+C; its exit status."""
    url = f"http://{host}:{port}"
    # Ctrl+C stops it even when it was started with SIGINT ignored (a background job of a
    # non-interactive shell inherits that), as its first line promises
    signal.signal(signal.SIGINT, signal.default_int_handler)
    process = start_dashboard(serving, host, port)
    try:
        wait_until_healthy(process, url, timeout=float("inf"))
        print(f"dcw: the channel dashboard is at {url}/first/ (each page's first view; the interactive "
              f"pages at {url}/), reading {serving} (Ctrl+C stops it)",
              file=sys.stderr, flush=True)
        return process.wait()
    except NotServing:
        return process.returncode if process.returncode is not None else 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_dashboard(process)
