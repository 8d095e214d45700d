"""Back-up and restore: `dcw backup` snapshots the warehouse under its lock with a manifest of
checksums; `dcw restore` into a fresh folder gives the same marts; a damaged or tampered
backup is refused in one line and nothing is restored."""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import shutil
import threading

import duckdb
import pytest
from tests.dcw_runs import dcw, marts_contents, one_line_error

from pipelines.core.settings import Settings, raw_dir
from pipelines.orchestration.backup import MANIFEST, backup
from pipelines.core.lock import warehouse_lock

pytestmark = pytest.mark.slow  # every test reads the reference run (a whole `dcw run`)


@pytest.fixture(scope="module")
def backed_up(reference, tmp_path_factory):
    folder = tmp_path_factory.mktemp("backups") / "b1"
    proc = dcw("backup", "--to", str(folder), env=reference.env, cwd=reference.root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(folder)
    return folder


def raw_contents(warehouse) -> tuple[dict[str, list], set[str]]:
    """(sorted rows of every raw.<table> view, the Parquet paths the views read)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        views = con.execute("select view_name, sql from duckdb_views() where schema_name = 'raw'").fetchall()
        rows = {v: sorted(map(repr, con.execute(f"select * from raw.{v}").fetchall())) for v, _ in views}
        rows["submissions"] = sorted(map(repr, con.execute("select * from raw.submissions").fetchall()))
    finally:
        con.close()
    return rows, {m for _, sql in views for m in re.findall(r"read_parquet\('([^']*)'", sql)}


def test_the_backup_holds_the_warehouse_and_every_raw_file(reference, backed_up):
    files = json.loads((backed_up / MANIFEST).read_text())["files"]
    raw = raw_dir(reference.warehouse)
    expected = {"warehouse.duckdb"} | {f"raw/{p.relative_to(raw).as_posix()}" for p in raw.rglob("*") if p.is_file()}
    assert any(name.startswith("raw/sales/") and not name.endswith("schema.parquet") for name in files)
    assert set(files) == expected
    for name, meta in files.items():
        assert hashlib.sha256((backed_up / name).read_bytes()).hexdigest() == meta["sha256"]


def test_restore_into_a_fresh_folder_gives_the_same_marts_and_raw_layer(reference, backed_up, tmp_path):
    proc = dcw("restore", str(backed_up), "--to", str(tmp_path / "restored"), env=reference.env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    restored = tmp_path / "restored" / "warehouse.duckdb"
    assert proc.stdout.strip() == str(restored)
    assert marts_contents(restored) == reference.marts
    rows, paths = raw_contents(restored)
    reference_rows, _ = raw_contents(reference.warehouse)
    assert rows == reference_rows and len(rows["sales"]) > 0
    # the views read the restored raw folder, not the one the backup was taken from
    assert paths and all(p.startswith(str(raw_dir(restored))) for p in paths)


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "extra file", "missing file", "manifest", "raw file"])
def test_a_tampered_backup_is_refused_in_one_line(reference, backed_up, tmp_path, damage):
    bad = tmp_path / "bad"
    shutil.copytree(backed_up, bad)
    member = bad / "warehouse.duckdb"
    if damage == "raw file":  # a Parquet file of raw.sales
        member = next(p for p in (bad / "raw" / "sales").glob("*.parquet") if p.name != "schema.parquet")
    if damage in ("flip a byte", "raw file"):
        data = bytearray(member.read_bytes())
        data[len(data) // 2] ^= 0x01
        member.write_bytes(bytes(data))
    elif damage == "truncate":
        member.write_bytes(member.read_bytes()[:-4096])
    elif damage == "extra file":
        (bad / "evil.duckdb").write_bytes(b"x")
    elif damage == "missing file":
        member.unlink()
    else:
        (bad / MANIFEST).write_text("{not json")
    proc = dcw("restore", str(bad), "--to", str(tmp_path / "restored"), env=reference.env, cwd=tmp_path)
    line = one_line_error(proc)
    assert str(bad) in line
    assert not (tmp_path / "restored" / "warehouse.duckdb").exists()


def test_restore_never_overwrites_a_warehouse(reference, backed_up, tmp_path):
    target = tmp_path / "w"
    target.mkdir()
    (target / "warehouse.duckdb").write_bytes(b"keep me")
    line = one_line_error(dcw("restore", str(backed_up), "--to", str(target), env=reference.env, cwd=tmp_path))
    assert "already exists" in line
    assert (target / "warehouse.duckdb").read_bytes() == b"keep me"


def test_backup_errors_are_one_line(reference, backed_up, tmp_path):
    assert "already exists" in one_line_error(dcw("backup", "--to", str(backed_up), env=reference.env, cwd=tmp_path))
    env = {**reference.env, "DCW_WAREHOUSE": str(tmp_path / "none.duckdb")}
    assert "no warehouse" in one_line_error(dcw("backup", "--to", str(tmp_path / "b"), env=env, cwd=tmp_path))
    assert "not a dcw backup" in one_line_error(dcw("restore", str(tmp_path), env=reference.env, cwd=tmp_path))


def test_backup_waits_for_the_warehouse_lock(reference, tmp_path, monkeypatch):
    """A run holding the lock is writing: the backup must not copy until it is done."""
    done = threading.Event()
    # set when the backup reports that it waits for the lock, or when it is done (the failure)
    tried = threading.Event()
    lock = warehouse_lock

    def lock_that_tells(warehouse, *args, **kwargs):
        return lock(warehouse, *args, **{**kwargs, "log": lambda _message: tried.set()})

    # Settings.lock takes the lock through pipelines.core.lock
    monkeypatch.setattr(importlib.import_module(warehouse_lock.__module__), "warehouse_lock", lock_that_tells)

    def take_backup() -> None:
        try:
            backup(Settings.for_warehouse(reference.warehouse), tmp_path / "b")
            done.set()
        finally:
            tried.set()

    with warehouse_lock(reference.warehouse):
        worker = threading.Thread(target=take_backup)
        worker.start()
        assert tried.wait(60), "the backup neither waited for the lock nor finished"
        assert not done.is_set() and not (tmp_path / "b").exists()
    worker.join(60)
    assert done.is_set() and (tmp_path / "b" / MANIFEST).exists()
