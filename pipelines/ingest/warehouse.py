"""The raw layer in DuckDB: table definitions, what is already known, loads and status updates.

Table and column names come from the contract (spec.py), never from landed files; every value
that comes from a file or a dealer travels as a bound parameter or inside an Arrow frame.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.contracts.spec import KINDS, ValueType

SQL_TYPES = {
    ValueType.CODE: "VARCHAR", ValueType.TEXT: "VARCHAR", ValueType.DATE: "DATE",
    ValueType.NUMBER: "DECIMAL(18,4)", ValueType.INTEGER: "INTEGER",
}
LINEAGE = {"source_file": "VARCHAR", "source_row": "INTEGER", "submitted_at": "TIMESTAMP"}

SUBMISSIONS = {
    "source_file": "VARCHAR", "kind": "VARCHAR", "source": "VARCHAR",
    "dealer_id": "VARCHAR", "period_start": "DATE", "submitted_at": "TIMESTAMP",
    "content_hash": "VARCHAR", "size_bytes": "BIGINT", "status": "VARCHAR NOT NULL",
    "reason_code": "VARCHAR", "reason_detail": "VARCHAR", "rows_read": "INTEGER",
    "rows_accepted": "INTEGER", "rows_quarantined": "INTEGER", "superseded_by": "VARCHAR",
    "duplicate_of": "VARCHAR", "ingested_at": "TIMESTAMP", "batch_id": "VARCHAR",
}
SUBMISSIONS_POLARS = {
    "source_file": pl.String, "kind": pl.String, "source": pl.String, "dealer_id": pl.String,
    "period_start": pl.Date, "submitted_at": pl.Datetime("us"), "content_hash": pl.String,
    "size_bytes": pl.Int64, "status": pl.String, "reason_code": pl.String,
    "reason_detail": pl.String, "rows_read": pl.Int32, "rows_accepted": pl.Int32,
    "rows_quarantined": pl.Int32, "superseded_by": pl.String, "duplicate_of": pl.String,
    "ingested_at": pl.Datetime("us"), "batch_id": pl.String,
}
QUARANTINE = {
    "source_file": "VARCHAR", "source_row": "INTEGER", "kind": "VARCHAR", "dealer_id": "VARCHAR",
    "reason_codes": "VARCHAR", "reason_detail": "VARCHAR", "raw_values": "VARCHAR",
    "submitted_at": "TIMESTAMP",
}
RAW_TABLES = ("submissions", "quarantine", *KINDS)

# Superseding by submission order: snapshots per kind, sales per dealer+month, inventory per
# dealer+day. Claims and shipments are superseded per row downstream and keep their status.
SUPERSEDING_KINDS = tuple(k.name for k in KINDS.values() if k.mode in ("snapshot", "month", "day"))


def kind_columns(kind: str) -> dict[str, str]:
    cols = {c.name: SQL_TYPES[c.type] for c in KINDS[kind].columns}
    return {**cols, **LINEAGE}


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path))


def _create(con, table: str, columns: dict[str, str]) -> None:
    body = ", ".join(f'"{name}" {sql}' for name, sql in columns.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({body})")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    _create(con, "submissions", SUBMISSIONS)
    _create(con, "quarantine", QUARANTINE)
    for kind in KINDS:
        _create(con, kind, kind_columns(kind))


def known_files(con) -> dict[str, str | None]:
    """source_file -> content_hash of every file already in the submission log."""
    return dict(con.execute("SELECT source_file, content_hash FROM raw.submissions").fetchall())


def originals(con) -> dict[str, str]:
    """content_hash -> the earliest logged file with those bytes (the original a later copy
    duplicates). Files rejected for their name are not considered: they are otherwise ignored."""
    rows = con.execute(
        """SELECT content_hash, arg_min(source_file, (submitted_at, source_file))
           FROM raw.submissions
           WHERE content_hash IS NOT NULL AND coalesce(reason_code, '') <> 'BAD_FILE_NAME'
           GROUP BY content_hash"""
    ).fetchall()
    return dict(rows)


def reference_values(con, kind: str, column: str) -> pl.Series:
    """Values of `column` in the accepted rows of the newest usable snapshot of `kind`."""
    assert kind in KINDS and column in KINDS[kind].column_names
    df = con.sql(
        f"""SELECT DISTINCT "{column}" AS v FROM raw.{kind}
            WHERE source_file IN (SELECT source_file FROM raw.submissions
                                  WHERE kind = ? AND status IN ('accepted', 'partially_accepted'))
              AND "{column}" IS NOT NULL""",
        params=[kind],
    ).to_arrow_table()
    return pl.Series(df.column("v"), dtype=pl.String)


def insert(con, table: str, frame: pl.DataFrame) -> None:
    """Append a frame by column name (the frame may lack optional columns: they are NULL)."""
    if frame.height == 0:
        return
    # Plain Arrow strings (not string views): DuckDB takes them without another conversion.
    con.register("_incoming", frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    try:
        con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")


def apply_superseding(con) -> None:
    """Mark every usable file that a newer one of the same kind (+ dealer + period for dealer
    files) replaces as superseded, pointing at the newest. Rows already right are not touched."""
    kinds = list(SUPERSEDING_KINDS)
    con.execute(
        """
        WITH usable AS (
            SELECT source_file,
                   first_value(source_file) OVER (
                       PARTITION BY kind,
                                    CASE WHEN source = 'dealer' THEN dealer_id END,
                                    CASE WHEN source = 'dealer' THEN period_start END
                       ORDER BY submitted_at DESC, source_file DESC) AS newest
            FROM raw.submissions
            WHERE kind IN (SELECT unnest(?::VARCHAR[]))
              AND status IN ('accepted', 'partially_accepted', 'superseded')
        )
        UPDATE raw.submissions AS s
        SET status = 'superseded', superseded_by = u.newest
        FROM usable AS u
        WHERE s.source_file = u.source_file AND u.newest <> s.source_file
          AND (s.status <> 'superseded' OR s.superseded_by IS DISTINCT FROM u.newest)
        """,
        [kinds],
    )


def conservation_violations(con) -> pl.DataFrame:
    """Files whose logged counts disagree with the rows actually in the raw tables (rows read =
    accepted + quarantined, each counted in the warehouse), and rows whose file is not logged."""
    accepted = " UNION ALL ".join(f"SELECT source_file FROM raw.{k}" for k in KINDS)
    violations = con.sql(
        f"""
        WITH acc AS (SELECT source_file, count(*) AS n FROM ({accepted}) GROUP BY source_file),
             q AS (SELECT source_file, count(*) AS n FROM raw.quarantine GROUP BY source_file)
        SELECT coalesce(s.source_file, acc.source_file, q.source_file) AS source_file,
               s.rows_read, s.rows_accepted, s.rows_quarantined,
               coalesce(acc.n, 0) AS rows_in_raw, coalesce(q.n, 0) AS rows_in_quarantine
        FROM raw.submissions s
        FULL JOIN acc ON acc.source_file = s.source_file
        FULL JOIN q ON q.source_file = coalesce(s.source_file, acc.source_file)
        WHERE s.source_file IS NULL
           OR s.rows_read IS DISTINCT FROM coalesce(acc.n, 0) + coalesce(q.n, 0)
           OR s.rows_accepted IS DISTINCT FROM coalesce(acc.n, 0)
           OR s.rows_quarantined IS DISTINCT FROM coalesce(q.n, 0)
        ORDER BY 1
        """
    ).to_arrow_table()
    return pl.from_arrow(violations)


def table_counts(con) -> dict[str, int]:
    """Rows per raw table (for asset metadata)."""
    return {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in RAW_TABLES}
