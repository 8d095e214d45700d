"""A warehouse built before an optional column existed reads it once the column is in the
contract: the run rewrites the table's schema file (`<raw>/<table>/schema.parquet`, zero rows
with the contract's columns), so the column is there, empty, for the old rows, before any new
file brings it (docs/input_contract.md, optional columns)."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.core.settings import raw_dir
from pipelines.core.text import sql_literal
from pipelines.ingest import raw_layer

NEW_COLUMN = "delivery_date"  # optional in shipments (docs/input_contract.md)


def as_before_the_column(folder) -> None:
    """Every Parquet file of the table, the schema file included, without the column: what a
    warehouse of the release before it holds."""
    with duckdb.connect() as con:
        for f in sorted(folder.glob("*.parquet")):
            tmp = f.with_name(f".{f.name}.old")
            con.execute(f"COPY (SELECT * EXCLUDE ({NEW_COLUMN}) FROM read_parquet({sql_literal(str(f))})) "
                        f"TO {sql_literal(str(tmp))} (FORMAT parquet)")
            tmp.replace(f)


def columns_of(path) -> list[str]:
    with duckdb.connect() as con:
        return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_literal(str(path))})").fetchall()]


def dbt_reads(folder, sql: str) -> list[tuple]:
    """`sql` over the table as dbt's source reads it (external_location in
    dbt_project/models/staging/_sources.yml)."""
    with duckdb.connect() as con:
        con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet({sql_literal(str(folder / '*.parquet'))}, "
                    "union_by_name = true)")
        return con.execute(sql).fetchall()


def test_an_old_warehouse_reads_a_new_column_once_its_schema_file_is_rewritten(env):
    env.ingest()
    folder = raw_dir(env.warehouse) / "shipments"
    as_before_the_column(folder)
    assert NEW_COLUMN not in columns_of(folder / raw_layer.SCHEMA_FILE)

    # A run with no new shipments at all: the schema file alone brings the column, empty.
    env.landing.sales("D0001", "202501", [env.landing.sale()], submitted="20250201T080000")
    env.ingest()
    assert columns_of(folder / raw_layer.SCHEMA_FILE) == list(raw_layer.parquet_columns("shipments"))
    assert dbt_reads(folder, f"SELECT shipment_id, {NEW_COLUMN} FROM t") == [("S1", None)]
    assert env.query(f"SELECT shipment_id, {NEW_COLUMN} FROM raw.shipments").rows() == [("S1", None)]

    # Then a file with the column: its rows carry their dates, the old row stays empty.
    env.landing.erp("shipments", "20250210", [
        {"shipment_id": "S2", "line_no": "1", "ship_date": "2025-01-30", "dealer_id": "D0001", "sku": "SKU001",
         "qty": "5", "unit_price": "80", "batch_no": "B1", NEW_COLUMN: "2025-02-02"}])
    env.ingest()
    expected = [("S1", None), ("S2", date(2025, 2, 2))]
    assert dbt_reads(folder, f"SELECT shipment_id, {NEW_COLUMN} FROM t ORDER BY 1") == expected
    assert sorted(env.query(f"SELECT shipment_id, {NEW_COLUMN} FROM raw.shipments").rows()) == expected
