"""Helpers for the warehouse tests: build a warehouse from a hand-written landing folder
(ingestion + dbt build) and query it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
from tests.landing_builder import Landing

from pipelines.dbt import build_warehouse
from pipelines.ingest import run_ingestion

Query = Callable[..., list[tuple]]


def make_query(warehouse: Path) -> Query:
    def query(sql: str, *params) -> list[tuple]:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()

    return query


def build_from_landing(write: Callable[[Landing], None], root: Path, as_of: date | None = None) -> Query:
    """Write a landing folder with `write`, ingest it, run dbt build (as of `as_of`, default
    today); a query function."""
    write(Landing(root / "landing"))
    warehouse = root / "warehouse.duckdb"
    run_ingestion(root / "landing", warehouse, root / "feedback")
    build_warehouse(warehouse, as_of)
    return make_query(warehouse)


def approx(value: float | None, expected: float | None, places: int = 6) -> bool:
    if value is None or expected is None:
        return value is expected
    return round(float(value), places) == round(expected, places)
