"""The ingestion's per-batch writes: the feedback outbox takes a whole batch in one insert, and
the check for over-long CSV values still names the record holding one."""

import duckdb
import polars as pl
import pytest

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
