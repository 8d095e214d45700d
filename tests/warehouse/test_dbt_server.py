"""The warm dbt server (pipelines/dbt_server.py): dbt's invocations handed to it run as forks
of it with the caller's environment, streams and exit status; without a server they run in
the caller; a server whose code changed on disk declines and restarts."""

from __future__ import annotations

import importlib
import os
import queue
import shutil
import signal
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
        self.reader = threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True)
        self.reader.start()

    def rest(self) -> list[str]:
        """The lines not read yet, once the server has left (its stderr closed)."""
        self.reader.join()
        return [self.lines.get() for _ in range(self.lines.qsize())]

    def readline(self) -> str:
        # The server writes a request's line before the caller hears back from it: once the
        # call returned, the line is there (the bound only ends a test that would hang).
        try:
            return self.lines.get(timeout=60)
        except queue.Empty:
            return "(no line from the server)"


def start_server(folder: Path, preload: tuple[str, ...] | None = None, pythonpath: Path | None = None):
    """A server on `folder`/dbt.sock (a Unix socket's path is at most 107 bytes: a short
    folder), ready when it says so; with `preload`, importing only those modules (fast)."""
    path = folder / "dbt.sock"
    command = [sys.executable, "-m", "pipelines.dbt_server", str(path)] if preload is None else \
        [sys.executable, "-c", f"from pathlib import Path; from pipelines.dbt_server import serve; serve(Path({str(path)!r}), {preload!r})"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (PROJECT_ROOT, pythonpath) if p)}
    proc = subprocess.Popen(command, cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True, env=env)
    log = ServerLog(proc.stderr)
    ready = log.readline()
    assert "ready" in ready, ready
    return path, proc, log


def dbt_through(path: Path, *args: str) -> subprocess.Popen:
    """dbt's process (pipelines.dbt_process) with DCW_DBT_SERVER naming `path`."""
    return subprocess.Popen([sys.executable, "-m", "pipelines.dbt_process", *args], cwd=PROJECT_ROOT,
                            env={**os.environ, "DCW_DBT_SERVER": str(path)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture
def short_folder():
    folder = Path(tempfile.mkdtemp(prefix="dcw-srv-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    """The server as `dcw dbt-server` runs it; its stderr, a line per request, for the tests."""
    folder = Path(tempfile.mkdtemp(prefix="dcw-srv-", dir="/tmp"))
    path, proc, log = start_server(folder)
    yield path, log
    proc.terminate()
    proc.wait()
    shutil.rmtree(folder, ignore_errors=True)


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


def test_a_stopped_server_answers_what_runs_then_leaves(short_folder):
    """SIGTERM (or Ctrl+C) while dbt runs in a child: that dbt ends and its caller gets its
    status; a request meanwhile runs in its caller; then the server leaves, socket removed."""
    path, proc, log = start_server(short_folder, preload=())
    running = dbt_through(path, "--version")
    assert "served dbt" in log.readline()
    proc.send_signal(signal.SIGTERM)  # the child is still importing dbt (nothing preloaded)
    later = dbt_through(path, "--version")
    for dbt in (running, later):
        out, _ = dbt.communicate()
        assert dbt.returncode == 0 and "Core:" in out
    assert proc.wait() == 0
    # (the second request came in before or after the server saw the signal: served or declined)
    assert "stopped" in log.rest()[-1] and not path.exists()


def test_a_server_whose_code_changed_declines_and_restarts(short_folder):
    module = short_folder / "dcw_server_probe.py"
    module.write_text("VALUE = 1\n", encoding="utf-8")
    path, proc, log = start_server(short_folder, preload=("dcw_server_probe",), pythonpath=short_folder)
    try:
        first = dbt_through(path, "--version")
        assert first.wait() == 0 and "served dbt" in log.readline()
        stat = module.stat()
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        declined = dbt_through(path, "--version")
        out, _ = declined.communicate()
        assert declined.returncode == 0 and "Core:" in out  # run in its caller
        assert "dcw_server_probe.py changed since the start" in log.readline()
        assert "ready" in log.readline()  # the same process, started again on the code as it is
        again = dbt_through(path, "--version")
        assert again.wait() == 0 and "served dbt" in log.readline()
    finally:
        proc.terminate()
        proc.wait()


def test_dcw_ui_runs_its_runs_dbt_through_a_server_of_its_own(short_folder, capsys):
    """`dcw ui` (pipelines/orchestration/ui.py) starts a server for the runs it launches, unless
    the operator runs one (DCW_DBT_SERVER), and goes on without one where none can start."""
    from pipelines.orchestration.ui import warm_dbt

    path, log = short_folder / "home" / "dbt.sock", short_folder / "logs" / "dbt-server.log"
    with warm_dbt(None, path, log) as env:
        assert env == {"DCW_DBT_SERVER": str(path)}
        assert dbt_through(path, "--version").wait() == 0
    assert "served dbt --version" in log.read_text(encoding="utf-8") and not path.exists()
    with warm_dbt(short_folder / "theirs.sock", path, log) as env:
        assert env == {} and not path.exists()
    with warm_dbt(None, short_folder / ("x" * SOCKET_PATH_BYTES), log) as env:
        assert env == {}
    assert "no warm dbt server" in capsys.readouterr().err


def test_a_socket_a_server_cannot_use_is_one_line(tmp_path):
    with pytest.raises(ValueError, match="longer than"):
        usable_socket(Path("/tmp") / ("x" * SOCKET_PATH_BYTES))
    with pytest.raises(ValueError, match="no folder"):
        usable_socket(tmp_path / "missing" / "dbt.sock")
    other_file = tmp_path / "notes.txt"
    other_file.write_text("kept", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a socket"):
        usable_socket(other_file)
    assert other_file.read_text(encoding="utf-8") == "kept"
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
