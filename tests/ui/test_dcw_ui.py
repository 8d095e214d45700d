"""`dcw ui`: the Dagster UI from the command line, one-line errors for a port it cannot use,
a Dagster instance prepared from dcw's settings, and a clean stop on Ctrl+C."""

from __future__ import annotations

import os
import signal
import socket
import time

import psutil

import pytest
import yaml
from tests.dcw_runs import dcw, one_line_error, start_dcw, stop
from tests.ui.ui_helpers import HOST, free_port

from pipelines.orchestration.ui import INSTANCE_TEMPLATE, prepare_dagster_home


def assert_one_line_error(proc, fragment: str) -> None:
    assert fragment in one_line_error(proc)


def test_a_port_in_use_is_a_one_line_error():
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = dcw("ui", "--port", str(port))
    assert_one_line_error(proc, f"port {port} on {HOST} is already in use")


@pytest.mark.parametrize("args, fragment", [
    (["--port", "70000"], "up to 65535"),
    (["--port", "web"], "whole number"),
    (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1"),  # not an address of this machine
])
def test_bad_host_or_port_is_a_one_line_error(args, fragment):
    assert_one_line_error(dcw("ui", *args), fragment)


def test_the_instance_gets_dcws_settings_and_keeps_its_own(tmp_path):
    home = prepare_dagster_home(tmp_path / "home")
    settings = yaml.safe_load((home / "dagster.yaml").read_text())
    # one run at a time: every run writes the one DuckDB warehouse
    assert settings["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert settings == yaml.safe_load(INSTANCE_TEMPLATE.read_text())

    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    prepare_dagster_home(home)
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"


@pytest.mark.slow  # `dagster dev` started and stopped
def test_dcw_ui_serves_until_interrupted(tmp_path):
    """The real command (its instance moved to a temporary folder): it says where the UI is
    once it answers, and Ctrl+C stops it and everything it started."""
    port = free_port()
    moved = f"import pathlib, pipelines.orchestration.ui as ui; ui.DAGSTER_HOME = pathlib.Path({str(tmp_path / 'home')!r})"
    log = tmp_path / "dcw_ui.log"
    with open(log, "wb") as out:
        proc = start_dcw("ui", "--port", str(port), stdout=out, prelude=moved)
    try:
        announced = f"dcw: the Dagster UI is at http://{HOST}:{port}"
        deadline = time.monotonic() + 120
        while announced not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        assert (tmp_path / "home" / "dagster.yaml").exists()

        proc.send_signal(signal.SIGINT)  # what Ctrl+C sends to the foreground process
        assert proc.wait(timeout=60) == 0, log.read_text(errors="replace")[-3000:]
        with socket.socket() as probe:
            assert probe.connect_ex((HOST, port)) != 0, "the UI still answers after Ctrl+C"
    finally:
        stop(proc)


@pytest.mark.slow  # `dagster dev` started and stopped
def test_sigterm_stops_the_whole_process_tree_within_seconds(tmp_path):
    """What `kill` and service managers send: the webserver, the daemon and the code servers
    stop with `dcw ui`, not only `dcw ui` itself. The first thing it says is that the
    landing sensor will start the intraday job."""
    port = free_port()
    moved = f"import pathlib, pipelines.orchestration.ui as ui; ui.DAGSTER_HOME = pathlib.Path({str(tmp_path / 'home')!r})"
    log = tmp_path / "dcw_ui.log"
    with open(log, "wb") as out:
        proc = start_dcw("ui", "--port", str(port), stdout=out, prelude=moved)
    tree: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 150
        while f"http://{HOST}:{port}" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        first = log.read_text(errors="replace").splitlines()[0]
        assert "landing_files sensor" in first and "intraday job" in first
        tree = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in tree)
        assert "dagster_webserver" in names and "dagster._daemon" in names, names

        os.kill(proc.pid, signal.SIGTERM)  # to dcw alone, as `kill <pid>` does
        started = time.monotonic()
        proc.wait(timeout=30)
        _, alive = psutil.wait_procs(tree, timeout=30)
        took = time.monotonic() - started
        assert not alive, [p.cmdline() for p in alive]
        assert took < 20, took
        with socket.socket() as probe:
            assert probe.connect_ex((HOST, port)) != 0, "the UI still answers after SIGTERM"
    finally:
        stop(proc)
        for p in tree:  # what a failed stop left behind
            if p.is_running():
                p.kill()
