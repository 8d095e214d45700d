"""The ingestion's per-batch writes: the feedback outbox takes a whole batch in one insert, the
log's Parquet mirror is written once a run, the check for over-long CSV values still names
the record holding one, the reader threads take files a few at a time and hand them back in
order, and a run leaves the garbage collector's thresholds as it found them."""

import gc
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import duckdb
import polars as pl
import pytest

from pipelines.core.settings import raw_dir
from pipelines.ingest import load
from pipelines.ingest import raw_layer as wh
from pipelines.ingest.feedback import FileOutcome
from pipelines.ingest.read import MAX_FIELD_BYTES, Rejected, _check_field_sizes


def test_a_batch_of_feedback_goes_into_the_outbox_whole_and_comes_back_as_committed():
    con = duckdb.connect()
    wh._create(con, "feedback_outbox", wh.BOOKKEEPING["feedback_outbox"], wh.META)
    parts = [(f"dealers/D{i:04d}/sales_D{i:04d}_202501_20250205T100000.{ext}", f"D{i:04d}",
              FileOutcome(source_file=f"dealers/D{i:04d}/sales_D{i:04d}_202501_20250205T100000.{ext}",
                          dealer_id=f"D{i:04d}", status="partially_accepted", kind="sales", ext=ext,
                          rows_read=3, rows_quarantined=i),
              [(2, "qty", "x", f"BAD_NUMBER_{i}")])
             for i, ext in enumerate(["csv", "xlsx", "csv"], start=1)]
    load._to_outbox(con, parts, "run-0001")
    load._to_outbox(con, [], "run-0002")  # a batch without feedback writes nothing
    assert load._outbox(con) == parts
    rows = con.execute("SELECT source_file, xlsx, batch_id, error FROM meta.feedback_outbox ORDER BY source_file").fetchall()
    assert rows == [(p[0], p[2].ext == "xlsx", "run-0001", None) for p in parts]


@pytest.mark.parametrize("record", [1, 3])
def test_an_over_long_value_is_refused_naming_its_record(record):
    long = "9" * (MAX_FIELD_BYTES + 1)
    cells = [["sku", "qty"], ["A", "1"], ["B", "2"], ["C", "3"]]
    cells[record][1] = long
    df = pl.DataFrame({"column_0": [r[0] for r in cells], "column_1": [r[1] for r in cells]})
    with pytest.raises(Rejected, match=f"record {record + 1} of the file"):
        _check_field_sizes(df, MAX_FIELD_BYTES * 2)
    cells[record][1] = "9" * MAX_FIELD_BYTES  # at the limit: taken
    _check_field_sizes(pl.DataFrame({"column_0": [r[0] for r in cells], "column_1": [r[1] for r in cells]}),
                       MAX_FIELD_BYTES * 2)


NOW = datetime(2025, 2, 10, 12, 0, 0)


def _mirror(env) -> list[tuple]:
    with duckdb.connect() as con:
        return sorted(con.execute("SELECT * FROM read_parquet(?)", [str(raw_dir(env.warehouse) / wh.MIRROR)]).fetchall(),
                      key=repr)


def test_the_log_mirror_holds_every_batch_of_the_run_also_when_a_later_batch_failed(env, monkeypatch):
    for month in ("202501", "202502", "202503"):
        env.landing.sales("D0001", month, [env.landing.sale()], submitted="20250205T100000")
    env.ingest(now=NOW, max_batch_files=1)
    assert _mirror(env) == env.snapshot()["submissions"] and len(_mirror(env)) > 3
    for month in ("202504", "202505"):
        env.landing.sales("D0002", month, [env.landing.sale()], submitted="20250206T100000")
    real, calls = load._load_batch, []

    def second_fails(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(*args, **kw)

    monkeypatch.setattr(load, "_load_batch", second_fails)
    with pytest.raises(RuntimeError):
        env.ingest(now=NOW, max_batch_files=1)
    logged = env.snapshot()["submissions"]
    assert _mirror(env) == logged and sum("D0002" in row[0] for row in logged) == 1


@pytest.mark.parametrize("files", [0, 1, 7, 8, 9, 63, 64, 65, 200, 1001])
def test_the_reader_tasks_hand_back_every_file_once_in_order(files, monkeypatch):
    monkeypatch.setattr(load, "_read", lambda f: ("read", f))
    with ThreadPoolExecutor(max_workers=load.READ_THREADS) as pool:
        assert list(load._read_all(pool, list(range(files)))) == [("read", f) for f in range(files)]


def test_a_run_raises_the_first_collection_threshold_and_restores_it(tmp_path, monkeypatch):
    seen = []

    def discover(landing):
        seen.append(gc.get_threshold()[0])
        raise RuntimeError("stop here")

    monkeypatch.setattr(load, "discover", discover)
    (tmp_path / "landing").mkdir()
    before = gc.get_threshold()
    with pytest.raises(RuntimeError, match="stop here"):
        load.run_ingestion(tmp_path / "landing", tmp_path / "w.duckdb", tmp_path / "fb")
    assert seen == [load.GC_FIRST_THRESHOLD] and gc.get_threshold() == before
