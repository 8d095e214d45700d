"""Each file is ingested once; a batch is all or nothing; batch size does not change results."""

import pytest
from ingest_env import Env

from pipelines.ingest import warehouse


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


def test_changed_bytes_under_a_known_name_are_reported_not_reloaded(env):
    p = env.landing.claims("D0001", [env.landing.claim()])
    env.ingest()
    before = env.snapshot()
    p.write_bytes(p.read_bytes() + b"CL9,C001,x,1,2025-01-01,2025-01-02,\n")
    summary = env.ingest()
    assert summary.files_changed == ["dealers/D0001/" + p.name]
    assert env.snapshot() == before


def test_crash_mid_batch_leaves_the_warehouse_unchanged_and_next_run_loads(env, monkeypatch):
    env.ingest()  # the ERP set is committed
    before = env.snapshot()
    _some_dealer_files(env.landing)
    real_insert = warehouse.insert

    def crash_on_quarantine(con, table, frame):
        if table == "quarantine":
            raise RuntimeError("disk full")
        real_insert(con, table, frame)

    monkeypatch.setattr(warehouse, "insert", crash_on_quarantine)
    with pytest.raises(RuntimeError, match="disk full"):
        env.ingest()
    assert env.snapshot() == before
    assert not env.feedback.exists()  # feedback only follows a committed batch
    monkeypatch.setattr(warehouse, "insert", real_insert)
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
