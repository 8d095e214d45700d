"""The serving file as one page render sees it: a fresh read-only connection, and which marts
and columns the file holds.

A render that needs a figure not cached yet (cache.py) opens its own connection and closes
it at the end. The nightly publish replaces the serving file by an atomic rename (pipelines/serving.py),
so a render sees one whole night, and the next render after a publish sees the new one
without a restart. DuckDB shares one database instance per path inside a process while any
connection to it is open, so connections are kept short: a render that overlaps a publish
may still read the previous night, never half of one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = "marts"


@dataclass(frozen=True)
class Need:
    """The marts and columns a query reads: {table: (column, ...)}."""

    tables: Mapping[str, Sequence[str]]

    def missing(self, schema: Mapping[str, frozenset[str]]) -> list[str]:
        """What the serving file lacks of it: 'table' or 'table.column', sorted."""
        out = []
        for table, columns in self.tables.items():
            if table not in schema:
                out.append(table)
            else:
                out += [f"{table}.{c}" for c in columns if c not in schema[table]]
        return sorted(out)


@dataclass(frozen=True)
class Night:
    """The identity of one published serving file."""

    path: str
    inode: int
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> Night:
        """FileNotFoundError when no night has been published at `path` yet."""
        s = os.stat(path)
        return cls(os.fspath(path), s.st_ino, s.st_mtime_ns, s.st_size)

    @property
    def published_at(self) -> datetime:
        return datetime.fromtimestamp(self.mtime_ns / 1e9)


@dataclass
class Db:
    """A read-only connection to the serving file and the columns of its marts."""

    con: duckdb.DuckDBPyConnection
    schema: dict[str, frozenset[str]] = field(default_factory=dict)
    published_at: datetime | None = None

    def has(self, table: str, *columns: str) -> bool:
        return table in self.schema and all(c in self.schema[table] for c in columns)

    def frame(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        return self.con.execute(sql, list(params or [])).df()

    def scalar(self, sql: str, params: Sequence | None = None):
        row = self.con.execute(sql, list(params or [])).fetchone()
        return row[0] if row else None


def read_schema(con: duckdb.DuckDBPyConnection) -> dict[str, frozenset[str]]:
    rows = con.execute(
        "select table_name, list(column_name) from information_schema.columns "
        "where table_schema = ? group by table_name", [SCHEMA]).fetchall()
    return {t: frozenset(cols) for t, cols in rows}


@contextmanager
def open_serving(path: Path) -> Iterator[Db]:
    """The serving file at `path`, read-only, for one render; FileNotFoundError when no night
    has been published there yet."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        published = datetime.fromtimestamp(path.stat().st_mtime)
        yield Db(con, read_schema(con), published)
    finally:
        con.close()
