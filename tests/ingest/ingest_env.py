"""A tiny landing folder and a temporary warehouse, with the queries the ingestion tests ask."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from tests.landing_builder import Landing

from pipelines.ingest import run_ingestion


class Env:
    def __init__(self, root: Path):
        self.landing = Landing(root / "landing")
        self.warehouse = root / "warehouse.duckdb"
        self.feedback = root / "feedback"

    def ingest(self, **kw):
        return run_ingestion(self.landing.root, self.warehouse, self.feedback, **kw)

    def query(self, sql: str, params=None) -> pl.DataFrame:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return pl.from_arrow(con.sql(sql, params=params).to_arrow_table())

    def submission(self, name: str) -> dict:
        """The submission-log row of the file whose name ends with `name`."""
        rows = self.query("SELECT * FROM raw.submissions WHERE source_file LIKE '%' || ?", [name]).to_dicts()
        assert len(rows) == 1, (name, rows)
        return rows[0]

    def quarantine(self, name: str) -> dict[int, str]:
        """source_row -> reason_codes for the file whose name ends with `name`."""
        df = self.query("SELECT source_row, reason_codes FROM raw.quarantine "
                        "WHERE source_file LIKE '%' || ? ORDER BY source_row", [name])
        return dict(df.iter_rows())

    def snapshot(self) -> dict[str, list[tuple]]:
        """Full contents of every raw table (sorted), for before/after comparisons; rows are
        compared without the batch that loaded them (batch boundaries must not matter)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='raw'").fetchall()]
            return {t: sorted(con.execute(f"SELECT * {'' if t == 'submissions' else 'EXCLUDE (batch_id)'} "
                                          f"FROM raw.{t}").fetchall(), key=repr) for t in tables}
