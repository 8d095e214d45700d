"""The warm dbt server (pipelines/dbt_server.py): dbt's invocations handed to it run as forks
of it with the caller's environment, streams and exit status; without a server they run in
the caller; a server whose code changed on disk declines and restarts."""

from __future__ import annotations

import importlib
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import duckdb
import pytest

from pipelines.core.settings import PROJECT_ROOT, Settings
from pipelines.dbt import WarehouseBuildError, run_dbt
from pipelines.dbt_server import SOCKET_PATH_BYTES, Fingerprint, usable_socket


class ServerLog:
    """The server's stderr, a line per request, read as it comes."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()

    def readline(self) -> str:
        # The server writes a request's line before the caller hears back from it: once the
        # call returned, the line is there (the bound only ends a test that would hang).
        try:
            return self.lines.get(timeout=60)
        except queue.Empty:
            return "(no line from the server)"


@pytest.fixture(scope="module")
def server():
    """A server on a short socket path (a Unix socket's path is at most 107 bytes), ready
    when it says so on stderr; its stderr, one line per request, for the tests to read."""
    folder = Path(tempfile.mkdtemp(prefix="dcw-srv-", dir="/tmp"))
    path = folder / "dbt.sock"
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.dbt_server", str(path)], cwd=PROJECT_ROOT,
                            stderr=subprocess.PIPE, text=True)
    log = ServerLog(proc.stderr)
    ready = log.readline()
    assert "ready" in ready, ready
    yield path, log
    proc.terminate()
    proc.wait()
    path.unlink(missing_ok=True)
    folder.rmdir()


def test_a_build_handed_to_the_server_runs_there_with_the_caller_s_settings(server, tmp_path):
    path, log = server
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb").with_overrides(dbt_server=path)
    run_dbt(["seed"], cfg, artifacts=tmp_path / "dbt")
    assert "served dbt seed" in log.readline()
    # the child had the caller's environment: the warehouse of these settings, closed and checkpointed
    assert not cfg.warehouse.with_name("w.duckdb.wal").exists()
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from reference.dcw_codes").fetchone()[0] > 0
    finally:
        con.close()
    # dbt's failure comes back as the caller's: its exit status and its log
    with pytest.raises(WarehouseBuildError, match=r"dbt test failed: test not_null_stg_regions_city_code"):
        run_dbt(["test", "--select", "not_null_stg_regions_city_code"], cfg, artifacts=tmp_path / "test")
    assert "served dbt test" in log.readline()


def test_dbt_s_exit_status_and_streams_come_back_through_the_caller(server):
    path, log = server
    env = {**os.environ, "DCW_DBT_SERVER": str(path)}
    unknown = subprocess.run([sys.executable, "-m", "pipelines.dbt_process", "build", "--no-such-option"],
                             env=env, capture_output=True, text=True)
    assert unknown.returncode == 2 and "no-such-option" in unknown.stderr
    assert "served dbt build" in log.readline()


def test_without_a_server_dbt_runs_in_the_caller(tmp_path):
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb").with_overrides(dbt_server=tmp_path / "nobody.sock")
    run_dbt(["seed"], cfg, artifacts=tmp_path / "dbt")
    assert cfg.warehouse.exists()


def test_a_module_changed_on_disk_is_noticed(tmp_path, monkeypatch):
    module = tmp_path / "dcw_fingerprint_probe.py"
    module.write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("dcw_fingerprint_probe")
    try:
        fingerprint = Fingerprint()
        assert fingerprint.changed() == []
        stat = module.stat()
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert fingerprint.changed() == [str(module)]
    finally:
        sys.modules.pop("dcw_fingerprint_probe", None)


def test_a_socket_a_server_cannot_use_is_one_line(tmp_path):
    with pytest.raises(ValueError, match="longer than"):
        usable_socket(Path("/tmp") / ("x" * SOCKET_PATH_BYTES))
    with pytest.raises(ValueError, match="no folder"):
        usable_socket(tmp_path / "missing" / "dbt.sock")
    listening = Path(tempfile.mkdtemp(prefix="dcw-srv-", dir="/tmp")) / "s.sock"
    other = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    other.bind(str(listening))
    other.listen(1)
    try:
        with pytest.raises(ValueError, match="already listens"):
            usable_socket(listening)
    finally:
        other.close()
    assert usable_socket(listening) == listening  # left by a server that stopped: reused
    listening.unlink()
    listening.parent.rmdir()
