"""A resolution with no new sales file since the last one changes nothing and writes nothing
(dbt's build after the night's resolution, docs/customers.md): its records stay as they are."""

from __future__ import annotations

import polars as pl

from pipelines.customers.resolve import SCHEMA, read_state, resolve, table_dir, write_done, write_state


def test_nothing_new_leaves_the_records_untouched(tmp_path):
    raw = tmp_path / "raw"
    (raw / "sales").mkdir(parents=True)
    (raw / "sales" / "batch_1.parquet").write_bytes(b"")  # resolved before: never read again
    state = pl.DataFrame({
        "record_id": ["r1", "r2"], "customer_name": ["瑞丰酒店", "瑞丰酒店有限公司"],
        "customer_city_code": ["440100", "440100"], "name_norm": ["瑞丰酒店", "瑞丰酒店"],
        "name_core": ["瑞丰酒店", "瑞丰酒店"], "phone_hash": [None, None], "lines": [3, 1],
        "customer_key": ["C1", "C1"]}, schema=SCHEMA)
    write_state(raw, state)
    write_done(raw, {"batch_1.parquet"})
    records = table_dir(raw) / "records.parquet"
    before = records.stat().st_mtime_ns

    summary = resolve(raw)

    assert (summary.records, summary.new_records, summary.customers, summary.new_customers) == (2, 0, 1, 0)
    assert records.stat().st_mtime_ns == before
    assert read_state(raw).equals(state.sort("customer_city_code", "customer_name"))
