"""`dcw dashboard`: one-line errors for a port it cannot use, and (slow) the real command
serving the demo until Ctrl+C."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from tests.dcw_runs import dcw, one_line_error, start_dcw, stop
from tests.ui.ui_helpers import HOST, free_port

from pipelines.dashboard.server import HEALTH, NotServing, wait_until_healthy


def test_a_port_in_use_is_a_one_line_error():
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = dcw("dashboard", "--port", str(port))
    assert f"port {port} on {HOST} is already in use" in one_line_error(proc)


@pytest.mark.parametrize("args, fragment", [(["--port", "0"], "at least 1"), (["--port", "web"], "whole number")])
def test_a_bad_port_is_a_one_line_error(args, fragment):
    assert fragment in one_line_error(dcw("dashboard", *args))


@pytest.mark.slow  # a Streamlit server started and stopped
def test_dcw_dashboard_serves_the_serving_file_until_interrupted(tmp_path, demo_serving):
    port = free_port()
    url = f"http://{HOST}:{port}"
    log = tmp_path / "dashboard.log"
    with open(log, "wb") as out:
        proc = start_dcw("dashboard", "--port", str(port), stdout=out, extra_env={"DCW_SERVING": str(demo_serving)})
    try:
        try:
            wait_until_healthy(proc, url)
        except NotServing as exc:
            pytest.fail(f"{exc}: {log.read_text(errors='replace')[-3000:]}")
        with urllib.request.urlopen(url + HEALTH, timeout=10) as response:
            assert response.read() == b"ok"
        announced = f"the channel dashboard is at {url}/first/ (each page's first view; the interactive pages at {url}/), reading {demo_serving}"
        deadline = time.monotonic() + 30  # said right after the server first answers
        while announced not in " ".join(log.read_text(errors="replace").split()):
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)  # what Ctrl+C sends to the foreground process
        try:
            status = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"dcw dashboard still runs 60 s after Ctrl+C: {still_running(proc.pid)}; "
                        f"its log: {log.read_text(errors='replace')[-3000:]}")
        assert status == 0, log.read_text(errors="replace")[-3000:]
        with socket.socket() as probe:
            assert probe.connect_ex((HOST, port)) != 0, "the dashboard still answers after Ctrl+C"
    finally:
        stop(proc)


def still_running(pid: int) -> str:
    """What a process that does not stop is doing: its state and threads, and its children."""
    import psutil

    try:
        p = psutil.Process(pid)
        kids = ", ".join(f"{c.pid} {c.name()} {c.status()}" for c in p.children(recursive=True))
        return f"pid {pid} {p.status()} with {p.num_threads()} threads; children: {kids or 'none'}"
    except psutil.NoSuchProcess:
        return f"pid {pid} gone"
