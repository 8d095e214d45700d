"""Each file is ingested once; a batch is all or nothing; batch size does not change results."""

import duckdb
import pytest

from pipelines.core.settings import raw_dir
from tests.ingest.ingest_env import Env

from pipelines.ingest import raw_layer as warehouse


def _some_dealer_files(lb):
    sale, st = lb.sale, lb.stock
    lb.sales("D0001", "202501", [sale(), sale(qty="x")], submitted="20250201T080000")
    lb.sales("D0001", "202501", [sale(qty="3")], submitted="20250202T080000")
    lb.sales("D0002", "202501", [sale(customer_name="乙")], fmt="xlsx")
    lb.inventory("D0002", "20250131", [st(), st(sku="NOPE")])
    lb.claims("D0001", [lb.claim()])
    lb.write("dealers/D0001/garbage.csv", b"\x00\x01")


def test_rerun_with_nothing_new_changes_nothing(env):
    _some_dealer_files(env.landing)
    first = env.ingest()
    assert first.files_new == 14
    before = env.snapshot()
    again = env.ingest()
    assert (again.files_seen, again.files_new, again.batches, again.by_status) == (14, 0, 0, {})
    assert env.snapshot() == before


def test_new_files_touch_only_what_they_affect(env):
    _some_dealer_files(env.landing)
    env.ingest()
    before = env.snapshot()
    env.landing.sales("D0002", "202502", [env.landing.sale(sale_date="2025-02-02")])
    summary = env.ingest()
    assert summary.files_new == 1
    after = env.snapshot()
    for table in before:
        gained = [r for r in after[table] if r not in before[table]]
        lost = [r for r in before[table] if r not in after[table]]
        assert lost == []
        assert len(gained) == (1 if table in ("sales", "submissions") else 0), table


def test_crash_mid_batch_leaves_the_warehouse_unchanged_and_next_run_loads(env, monkeypatch):
    env.ingest()  # the ERP set is committed
    before = env.snapshot()
    _some_dealer_files(env.landing)
    real_write = warehouse.write_rows
    files_before = sorted(raw_dir(env.warehouse).rglob("*"))

    def crash_on_quarantine(con, raw, table, frame, batch_id, part=None):
        if table == "quarantine":  # after the batch's sales rows were written
            raise RuntimeError("disk full")
        return real_write(con, raw, table, frame, batch_id, part)

    monkeypatch.setattr(warehouse, "write_rows", crash_on_quarantine)
    with pytest.raises(RuntimeError, match="disk full"):
        env.ingest()
    assert env.snapshot() == before
    assert sorted(raw_dir(env.warehouse).rglob("*")) == files_before  # the batch's files are gone
    assert not env.feedback.exists()  # feedback only follows a committed batch
    monkeypatch.setattr(warehouse, "write_rows", real_write)
    summary = env.ingest()
    assert summary.files_new == 6
    assert env.query("SELECT count(*) n FROM raw.quarantine")["n"][0] == 2


def test_batch_size_does_not_change_the_result(tmp_path):
    results = []
    for name, size in (("one", 1000), ("small", 2)):
        e = Env(tmp_path / name)
        e.landing.standard_erp()
        _some_dealer_files(e.landing)
        summary = e.ingest(max_batch_files=size)
        snap = e.snapshot()
        snap["submissions"] = sorted((r[0], r[8], r[9], r[11], r[12], r[13], r[14]) for r in snap["submissions"])
        results.append(snap)
        assert summary.batches == (1 if size == 1000 else 7)
    assert results[0] == results[1]


def test_known_files_are_not_read_again_unless_size_or_time_changed(env, monkeypatch):
    from pipelines.ingest import load as run_module

    _some_dealer_files(env.landing)
    env.ingest()
    hashed = []
    real_hash = run_module._hash_file
    monkeypatch.setattr(run_module, "_hash_file", lambda path, keep=False: hashed.append(path) or real_hash(path, keep))
    assert env.ingest().files_new == 0
    assert hashed == []  # a night costs what is new, not the whole landing
    p = next((env.landing.root / "dealers" / "D0002").glob("inventory_*"))
    data = p.read_bytes()
    p.write_bytes(data.replace(b"1", b"2", 1))  # same size, other bytes, newer time
    summary = env.ingest()
    # hashed to tell it changed, then read as its second version
    assert hashed == [str(p), str(p)] and summary.files_changed == ["dealers/D0002/" + p.name]


def test_rows_of_a_batch_that_never_committed_are_invisible_and_removed(env):
    env.ingest()
    raw = raw_dir(env.warehouse)
    before = env.snapshot()
    [dealers] = [f for f in (raw / "dealers").glob("*.parquet") if f.name != "schema.parquet"]
    orphan = raw / "dealers" / "20991231T000000-dead00-0001.parquet"  # as a killed batch leaves it
    foreign = raw / "dealers" / "20991231T000000-beef00-0001.parquet"  # another warehouse's batch
    with duckdb.connect() as con:
        for path in (orphan, foreign):
            con.execute(f"COPY (SELECT * REPLACE ('{path.stem}' AS batch_id) FROM '{dealers}') TO '{path}'").fetchall()
    with duckdb.connect(str(env.warehouse)) as con:  # a killed batch has noted its start
        con.execute("INSERT INTO meta.batches VALUES (?, now())", [orphan.stem])
    assert env.snapshot() == before  # its batch is not in the log: the views do not show it
    env.ingest()
    assert not orphan.exists() and env.snapshot() == before
    # a Parquet file this warehouse never wrote is never deleted
    assert foreign.exists()
