"""Reading the marts a finance report is made of: the warehouse opened read-only, the marts it
needs checked, the dealer asked for checked against dim_dealer, amounts as Decimal. Shared by
every report, so a missing warehouse, mart or dealer reads the same one line in each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.core.errors import UserError


@contextmanager
def open_marts(warehouse: Path, needed: Sequence[str], dealer: str | None
               ) -> Iterator[tuple[duckdb.DuckDBPyConnection, set[str], dict[str, str]]]:
    """(connection, the marts present, dealer_id -> dealer_name); refuses in one line when the
    warehouse, a needed mart or the dealer asked for is not there."""
    if not Path(warehouse).exists():
        raise UserError(f"warehouse {warehouse} does not exist (run 'dcw run' first)")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' and database_name = current_database()"
        ).fetchall()}
        for mart in ("dim_dealer", *needed):
            if mart not in tables:
                raise UserError(f"warehouse {warehouse} has no marts.{mart} (run 'dcw run' first)")
        names = dict(con.execute("select dealer_id, dealer_name from marts.dim_dealer").fetchall())
        if dealer is not None and dealer not in names:
            raise UserError(f"unknown dealer {dealer!r}: not in marts.dim_dealer ({len(names)} dealers, "
                            f"e.g. {', '.join(sorted(names)[:3])})")
        yield con, tables, names
    finally:
        con.close()


def dict_rows(cur: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[str]]:
    """The rows of an executed query as dicts, and its column names."""
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row)) for row in cur.fetchall()], columns


def as_decimal(value) -> Decimal | None:
    """DECIMAL columns arrive as Decimal; a DOUBLE goes through its shortest text."""
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


def decimals(rows: list[dict], keys: Sequence[str]) -> list[dict]:
    for r in rows:
        for k in keys:
            r[k] = as_decimal(r[k])
    return rows
