"""The raw layer: the submission log in DuckDB, the rows in Parquet files that any engine reads.

- `raw.submissions`, the log of record, is a DuckDB table written in one transaction per
  batch; it is mirrored to `<raw>/submissions/submissions.parquet` at the start and the end of
  every run (a reader of the mirror sees the log as of the last run's end).
- The accepted rows of each kind and the quarantined rows are Parquet files,
  `<raw>/<table>/<batch_id>[.<part>].parquet`, each row carrying its `batch_id`. A row counts
  only if its (source_file, batch_id) is in the log, so a batch killed before its commit leaves
  nothing visible; its files are deleted by the next run (`ensure_schema`).
- Only Parquet files of a batch this warehouse started (`meta.batches`) and never committed
  are ever deleted; the warehouse records the landing and raw folders it is built from
  (`check_inputs`) and refuses others.
- The warehouse keeps views `raw.<table>` over those files, restricted to committed rows, for
  the ingestion's own lookups, tests and analysts. dbt reads the Parquet files directly.

Table and column names come from the contract (spec.py), never from landed files; every value
that comes from a file or a dealer travels as a bound parameter or inside an Arrow frame.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from pipelines.core.errors import UserError
from pipelines.core.text import sql_literal
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
    "modified_ns": "BIGINT", "first_seen_at": "TIMESTAMP",
    # A landed file read again after its bytes changed is a new version of itself
    # (docs/input_contract.md, "Files in motion"): its source_file is `<landing_path>@v<N>`.
    "landing_path": "VARCHAR", "file_version": "INTEGER",
}
SUBMISSIONS_POLARS = {
    "source_file": pl.String, "kind": pl.String, "source": pl.String, "dealer_id": pl.String,
    "period_start": pl.Date, "submitted_at": pl.Datetime("us"), "content_hash": pl.String,
    "size_bytes": pl.Int64, "status": pl.String, "reason_code": pl.String,
    "reason_detail": pl.String, "rows_read": pl.Int32, "rows_accepted": pl.Int32,
    "rows_quarantined": pl.Int32, "superseded_by": pl.String, "duplicate_of": pl.String,
    "ingested_at": pl.Datetime("us"), "batch_id": pl.String, "modified_ns": pl.Int64,
    "first_seen_at": pl.Datetime("us"), "landing_path": pl.String, "file_version": pl.Int32,
}
QUARANTINE = {
    "source_file": "VARCHAR", "source_row": "INTEGER", "kind": "VARCHAR", "dealer_id": "VARCHAR",
    "reason_codes": "VARCHAR", "reason_detail": "VARCHAR", "raw_values": "VARCHAR",
    "submitted_at": "TIMESTAMP",
}
# Closed write-off months (docs/marts.md, finance/): written once per month by the close, read
# by dbt; never part of a batch.
CLOSED_TABLES = {
    "closed_months": {"writeoff_month": "DATE", "closed_at": "TIMESTAMP"},
    "writeoff_closed": {
        "claim_id": "VARCHAR", "dealer_id": "VARCHAR", "campaign_id": "VARCHAR", "expense_type": "VARCHAR",
        "description": "VARCHAR", "submitted_at": "TIMESTAMP", "claimed_amount": "DECIMAL(18,4)",
        "eligible_start": "DATE", "eligible_end": "DATE", "verified_sales_value": "DECIMAL(38,8)",
        "cap_amount": "DECIMAL(18,2)", "approved_amount": "DECIMAL(18,4)", "status": "VARCHAR",
        "reason_codes": "VARCHAR", "writeoff_month": "DATE", "source_file": "VARCHAR", "source_row": "INTEGER",
    },
}
RAW_TABLES = ("submissions", "quarantine", *KINDS)
PARQUET_TABLES = ("quarantine", *KINDS)
SCHEMA_FILE = "schema.parquet"  # zero rows: gives a table with no batches yet its columns
MIRROR = Path("submissions") / "submissions.parquet"
# The raw layer holds what dealers sent (customers' names and phones): not for every account.
FILE_MODE, FOLDER_MODE = 0o640, 0o750

# What the warehouse keeps about itself, beside the log, in schema `meta` (docs/ingestion.md):
META = "meta"
BOOKKEEPING = {
    # the landing and raw folders it is built from: a run naming others is refused
    "warehouse_inputs": {"landing": "VARCHAR", "raw": "VARCHAR", "recorded_at": "TIMESTAMP"},
    # every batch before it writes a file: only an abandoned batch of this warehouse's own is
    # ever cleaned up, never Parquet files some other warehouse or run wrote
    "batches": {"batch_id": "VARCHAR", "started_at": "TIMESTAMP"},
    # when a run first saw each file (BAD_SUBMISSION_TIME is judged against it)
    "first_seen": {"source_file": "VARCHAR", "first_seen_at": "TIMESTAMP"},
    # dealer feedback committed with its batch and not yet written (retried every run)
    "feedback_outbox": {"source_file": "VARCHAR", "dealer_id": "VARCHAR", "xlsx": "BOOLEAN",
                        "lines": "BLOB", "batch_id": "VARCHAR", "error": "VARCHAR"},
}

# Superseding by submission order: snapshots per kind, sales per dealer+month, inventory per
# dealer+day. Claims and shipments are superseded per row downstream and keep their status.
SUPERSEDING_KINDS = tuple(k.name for k in KINDS.values() if k.mode in ("snapshot", "month", "day"))


def kind_columns(kind: str) -> dict[str, str]:
    cols = {c.name: SQL_TYPES[c.type] for c in KINDS[kind].columns}
    return {**cols, **LINEAGE}


def parquet_columns(table: str) -> dict[str, str]:
    """Columns of a Parquet table of the raw layer, with their SQL types."""
    return {**(QUARANTINE if table == "quarantine" else kind_columns(table)), "batch_id": "VARCHAR"}


def _create(con, table: str, columns: dict[str, str], schema: str = "raw") -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    body = ", ".join(f'"{name}" {sql}' for name, sql in columns.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{table} ({body})")


def ensure_schema(con: duckdb.DuckDBPyConnection, raw: Path) -> None:
    """The log table, the Parquet folders (with their schema files), no leftovers of a batch of
    this warehouse that never committed, and the `raw.<table>` views over the folder `raw`."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    _create(con, "submissions", SUBMISSIONS)
    con.execute("ALTER TABLE raw.submissions ADD COLUMN IF NOT EXISTS first_seen_at TIMESTAMP")
    for column in ("landing_path", "file_version"):
        con.execute(f"ALTER TABLE raw.submissions ADD COLUMN IF NOT EXISTS {column} {SUBMISSIONS[column]}")
    # A log written before versions existed: every file it holds is the first read of its name.
    con.execute("UPDATE raw.submissions SET landing_path = source_file, file_version = 1 WHERE landing_path IS NULL")
    for table, columns in BOOKKEEPING.items():
        _create(con, table, columns, META)
    committed = {b for (b,) in con.execute("SELECT DISTINCT batch_id FROM raw.submissions").fetchall()}
    started = {b for (b,) in con.execute("SELECT batch_id FROM meta.batches").fetchall()}
    abandoned = started - committed
    private_folder(raw)
    for table in PARQUET_TABLES:
        folder = raw / table
        folder.mkdir(parents=True, exist_ok=True)
        private_folder(folder)
        if not _schema_is_current(con, table, folder / SCHEMA_FILE):
            _copy(con, f"SELECT {_select(table, set())} LIMIT 0", folder / SCHEMA_FILE)
        for f in folder.iterdir():
            # Only what a batch of this warehouse wrote and never committed: a file of another
            # warehouse sharing the folder by mistake is not ours to delete.
            if f.name.lstrip(".").split(".")[0] in abandoned:
                f.unlink()
        kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                           "AND table_name = ?", [table]).fetchone()
        if kind and kind[0] == "BASE TABLE":
            raise UserError("this warehouse keeps raw rows in tables (the layout before the Parquet raw "
                            "layer): remove the warehouse file and run again to rebuild it from the landing")
        con.execute(f"""CREATE OR REPLACE VIEW raw.{table} AS
            SELECT * FROM read_parquet({sql_literal(str(folder / '*.parquet'))}, union_by_name = true) AS r
            WHERE EXISTS (SELECT 1 FROM raw.submissions AS s
                          WHERE s.source_file = r.source_file AND s.batch_id = r.batch_id)""")
    for table, columns in CLOSED_TABLES.items():
        private_folder(raw / table)
        if not (raw / table / SCHEMA_FILE).exists():
            body = ", ".join(f'CAST(NULL AS {sql}) AS "{name}"' for name, sql in columns.items())
            _copy(con, f"SELECT {body} LIMIT 0", raw / table / SCHEMA_FILE)
    write_mirror(con, raw)


def _schema_is_current(con, table: str, schema_file: Path) -> bool:
    """The schema file exists and has the table's columns: a warehouse made before a kind
    gained an optional column gets a new one, so readers see the column (empty) at once."""
    if not schema_file.exists():
        return False
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_literal(str(schema_file))})").fetchall()]
    return names == list(parquet_columns(table))


def write_closed(con, raw: Path, table: str, query: str, name: str) -> Path:
    """Write a closed month's file of `table` (CLOSED_TABLES) from `query`, all at once."""
    assert table in CLOSED_TABLES
    private_folder(raw / table)
    target = raw / table / f"{name}.parquet"
    tmp = target.with_name(f".{target.name}.tmp")
    cols = ", ".join(f'CAST("{c}" AS {sql}) AS "{c}"' for c, sql in CLOSED_TABLES[table].items())
    con.execute(f"COPY (SELECT {cols} FROM ({query})) TO {sql_literal(str(tmp))} (FORMAT parquet)").fetchall()
    replace_private(tmp, target)
    return target


def private_folder(folder: Path) -> None:
    """Create `folder` if needed, readable by the owner and the group only (what dealers sent
    is in it)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(folder, FOLDER_MODE)
    except PermissionError:  # a folder someone else owns keeps its mode
        pass


def has_rows(raw: Path) -> bool:
    """Whether the raw folder holds any batch's Parquet file (not just the schema files)."""
    return any(f.name != SCHEMA_FILE and f.suffix == ".parquet"
               for t in PARQUET_TABLES if (raw / t).is_dir() for f in (raw / t).iterdir())


def _resolved(path: Path) -> str:
    return str(Path(path).resolve())


def check_inputs(con, landing: Path, raw: Path, landed: Callable[[], set[str]]) -> None:
    """Record the landing and raw folders on the warehouse's first run; later, refuse a run that
    names other ones (two landing folders on one warehouse merge two worlds without a word; a
    scratch warehouse on production's raw folder would count or clean files not its own).
    A copy or move of the same folders is taken, and recorded: a landing folder that still
    holds every file the log lists (`landed()`: every file under it now; called only then), a raw folder that holds
    every file of this warehouse's batches and no other batch's."""
    for table, columns in BOOKKEEPING.items():
        _create(con, table, columns, META)
    row = con.execute("SELECT landing, raw FROM meta.warehouse_inputs ORDER BY rowid DESC LIMIT 1").fetchone()
    now = {"landing": _resolved(landing), "raw": _resolved(raw)}
    if row is None:
        con.execute("INSERT INTO meta.warehouse_inputs VALUES (?, ?, current_localtimestamp())",
                    [now["landing"], now["raw"]])
        return
    then = {"landing": row[0], "raw": row[1]}
    if then == now:
        return
    others = []
    if then["landing"] != now["landing"]:
        logged = {f for (f,) in con.execute(
            "SELECT coalesce(landing_path, source_file) FROM raw.submissions").fetchall()}
        if not logged <= landed():
            others.append("landing")
    if then["raw"] != now["raw"] and not _raw_is_ours(con, raw):
        others.append("raw")
    if others:
        was = " and ".join(f"{k} folder {then[k]}" for k in others)
        given = " and ".join(f"{k} folder {now[k]}" for k in others)
        raise UserError(f"this warehouse was built from {was}, this run names {given}: run with the recorded "
                        f"folder(s), or move the warehouse on purpose with 'dcw run --move-inputs'")
    con.execute("INSERT INTO meta.warehouse_inputs VALUES (?, ?, current_localtimestamp())",
                [now["landing"], now["raw"]])


def _raw_is_ours(con, raw: Path) -> bool:
    if not (raw / "submissions").is_dir() and not has_rows(raw):
        return False  # an empty folder holds none of this warehouse's rows
    ours = {b for (b,) in con.execute("SELECT batch_id FROM raw.submissions UNION SELECT batch_id FROM meta.batches")
            .fetchall()}
    batches = {f.name.split(".")[0] for t in PARQUET_TABLES if (raw / t).is_dir()
               for f in (raw / t).iterdir() if f.name != SCHEMA_FILE and f.suffix == ".parquet"}
    return batches <= ours  # a file of ours that is missing is named by missing_raw_files


def move_inputs(con, landing: Path | None, raw: Path | None) -> None:
    """Record new landing and/or raw folders (a deliberate move: `dcw run --move-inputs`, a restore)."""
    _create(con, "warehouse_inputs", BOOKKEEPING["warehouse_inputs"], META)
    row = con.execute("SELECT landing, raw FROM meta.warehouse_inputs ORDER BY rowid DESC LIMIT 1").fetchone()
    new_landing = _resolved(landing) if landing is not None else (row[0] if row else None)
    new_raw = _resolved(raw) if raw is not None else (row[1] if row else None)
    if new_landing is None or new_raw is None:
        return  # nothing recorded yet: the next run records what it is given
    con.execute("INSERT INTO meta.warehouse_inputs VALUES (?, ?, current_localtimestamp())", [new_landing, new_raw])


def start_batch(con, batch_id: str) -> None:
    """Note a batch before it writes any file (committed on its own, outside the batch)."""
    con.execute("INSERT INTO meta.batches VALUES (?, current_localtimestamp())", [batch_id])


def missing_raw_files(con, raw: Path) -> list[Path]:
    """The Parquet files the log says committed batches wrote and that are not in `raw`."""
    rows = con.execute(
        """SELECT batch_id, kind, sum(rows_accepted), sum(rows_quarantined) FROM raw.submissions
           WHERE kind IS NOT NULL AND batch_id IS NOT NULL GROUP BY ALL ORDER BY 1, 2""").fetchall()
    expected = []
    for batch, kind, accepted, quarantined in rows:
        if accepted:
            expected.append(raw / kind / f"{batch}.parquet")
        if quarantined:
            expected.append(raw / "quarantine" / f"{batch}.{kind}.parquet")
    return [p for p in expected if not p.exists()]


def record_first_seen(con, source_files: list[str], now) -> dict[str, object]:
    """When each file was first seen by a run (now, for the ones never seen before)."""
    frame = pl.DataFrame({"source_file": source_files}, schema={"source_file": pl.String})
    con.register("_seen", frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    try:
        con.execute("""INSERT INTO meta.first_seen SELECT DISTINCT source_file, ?::TIMESTAMP FROM _seen
                       WHERE source_file NOT IN (SELECT source_file FROM meta.first_seen)""", [now])
        rows = con.execute("""SELECT f.source_file, min(f.first_seen_at) FROM meta.first_seen f
                              JOIN _seen USING (source_file) GROUP BY 1""").fetchall()
    finally:
        con.unregister("_seen")
    return dict(rows)


def _select(table: str, present: set[str]) -> str:
    """Every column of `table`, cast to its type; the ones the frame lacks are NULL."""
    columns = []
    for name, sql in parquet_columns(table).items():
        value = f'r."{name}"' if name in present else "NULL"
        columns.append(f'CAST({value} AS {sql}) AS "{name}"')
    return ", ".join(columns)


def _copy(con, query: str, target: Path) -> None:
    """Write a query's result to `target` as Parquet, all at once: readers see the whole file or
    none (written under a hidden temporary name, then renamed)."""
    tmp = target.with_name(f".{target.name}.tmp")
    con.execute(f"COPY ({query}) TO {sql_literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd)").fetchall()
    replace_private(tmp, target)


def replace_private(tmp: Path, target: Path) -> None:
    """Move a finished temporary file over `target`, readable by the owner and the group only:
    a reader sees the old file or the new one, whole."""
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, target)


def write_rows(con, raw: Path, table: str, frame: pl.DataFrame, batch_id: str, part: str | None = None) -> Path | None:
    """Write a batch's rows of `table` (the frame may lack optional columns: they are NULL) to
    their own Parquet file; returns it, or None if there were no rows."""
    if frame.height == 0:
        return None
    # Plain Arrow strings (not string views): DuckDB takes them without another conversion.
    con.register("_incoming", frame.with_columns(pl.lit(batch_id).alias("batch_id"))
                 .to_arrow(compat_level=pl.CompatLevel.oldest()))
    target = raw / table / (f"{batch_id}.{part}.parquet" if part else f"{batch_id}.parquet")
    try:
        _copy(con, f"SELECT {_select(table, set(frame.columns) | {'batch_id'})} FROM _incoming AS r", target)
    finally:
        con.unregister("_incoming")
    return target


def write_mirror(con, raw: Path) -> None:
    """The submission log as Parquet, for engines that do not read DuckDB files."""
    private_folder((raw / MIRROR).parent)
    _copy(con, "SELECT * FROM raw.submissions ORDER BY source_file", raw / MIRROR)


def known_files(con) -> dict[str, tuple[str | None, int | None, int | None, int]]:
    """landing_path -> (content_hash, size_bytes, modified_ns, file_version) of the newest
    version of every file in the submission log."""
    rows = con.execute(
        """SELECT landing_path, arg_max((content_hash, size_bytes, modified_ns, file_version), file_version)
           FROM raw.submissions GROUP BY landing_path""").fetchall()
    return {path: tuple(v.values()) if isinstance(v, dict) else tuple(v) for path, v in rows}


def logged_names(con) -> set[str]:
    """Every source_file of the log (a new version's name must not be taken)."""
    return {f for (f,) in con.execute("SELECT source_file FROM raw.submissions").fetchall()}


def note_unchanged(con, touched: list[tuple[str, int]]) -> None:
    """A known file whose modification time changed but not its bytes (touched, copied): its
    newest version's time is updated so later runs need not hash it again. One statement for
    all of them: a copied landing folder touches every file at once."""
    if not touched:
        return
    con.register("_touched", pl.DataFrame(touched, schema={"landing_path": pl.String, "modified_ns": pl.Int64},
                                          orient="row").to_arrow(compat_level=pl.CompatLevel.oldest()))
    try:
        con.execute(
            """UPDATE raw.submissions AS s SET modified_ns = t.modified_ns
               FROM _touched AS t,
                    (SELECT landing_path, max(file_version) AS newest FROM raw.submissions
                     WHERE landing_path IN (SELECT landing_path FROM _touched) GROUP BY landing_path) AS v
               WHERE s.landing_path = t.landing_path AND v.landing_path = t.landing_path
                 AND s.file_version = v.newest""")
    finally:
        con.unregister("_touched")


def originals(con) -> dict[str, tuple[str, str]]:
    """content_hash -> (source_file, landing_path) of the earliest logged file with those bytes
    (the original a later copy duplicates). Files rejected for their name are not considered:
    they are otherwise ignored."""
    rows = con.execute(
        """SELECT content_hash, arg_min((source_file, landing_path), (submitted_at, source_file))
           FROM raw.submissions
           WHERE content_hash IS NOT NULL
             AND coalesce(reason_code, '') NOT IN ('BAD_FILE_NAME', 'BAD_SUBMISSION_TIME')
           GROUP BY content_hash"""
    ).fetchall()
    return {h: tuple(v.values()) if isinstance(v, dict) else tuple(v) for h, v in rows}


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


def log_files(con, frame: pl.DataFrame) -> None:
    """Append rows to the submission log."""
    insert_frame(con, "raw.submissions", frame)


def insert_frame(con, table: str, frame: pl.DataFrame) -> None:
    """Append a frame's rows to `table` by column name, in one statement."""
    if frame.height == 0:
        return
    # Plain Arrow strings (not string views): DuckDB takes them without another conversion.
    con.register("_incoming", frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")


def apply_superseding(con) -> None:
    """Mark every usable file that a newer one replaces as superseded, pointing at the newest:
    of the same kind (+ dealer + period for dealer files) for the kinds replaced whole, and for
    every kind a newer usable version of the same landed file (its bytes changed after it was
    read; claims and shipments are otherwise superseded per row downstream). Versions of one
    name share its submission time, so the newer version comes first by its number. Rows
    already right are not touched."""
    kinds = list(SUPERSEDING_KINDS)
    con.execute(
        """
        WITH usable AS (
            SELECT source_file,
                   first_value(source_file) OVER (
                       PARTITION BY kind,
                                    CASE WHEN kind NOT IN (SELECT unnest(?::VARCHAR[])) THEN landing_path END,
                                    CASE WHEN source = 'dealer' THEN dealer_id END,
                                    CASE WHEN source = 'dealer' THEN period_start END
                       ORDER BY submitted_at DESC, landing_path DESC, file_version DESC) AS newest
            FROM raw.submissions
            WHERE kind IS NOT NULL
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


def conservation_violations(con, raw: Path) -> pl.DataFrame:
    """Files whose logged counts disagree with the rows in the Parquet files of `raw` (rows read =
    accepted + quarantined), and rows in those files that belong to no committed batch of a
    logged file. Reads the files themselves, not the views, which would hide such rows."""
    every = " UNION ALL ".join(
        f"SELECT source_file, batch_id, {sql_literal(t)} AS tbl "
        f"FROM read_parquet({sql_literal(str(raw / t / '*.parquet'))}, union_by_name = true)"
        for t in PARQUET_TABLES)
    violations = con.sql(
        f"""
        WITH rows_ AS ({every}),
             counted AS (
                 SELECT coalesce(s.source_file, r.source_file) AS source_file,
                        count(*) FILTER (WHERE r.tbl <> 'quarantine') AS accepted,
                        count(*) FILTER (WHERE r.tbl = 'quarantine') AS quarantined,
                        bool_or(s.source_file IS NULL) AS unlogged
                 FROM rows_ AS r
                 LEFT JOIN raw.submissions AS s
                   ON s.source_file = r.source_file AND s.batch_id = r.batch_id
                 GROUP BY 1)
        SELECT coalesce(s.source_file, c.source_file) AS source_file,
               s.rows_read, s.rows_accepted, s.rows_quarantined,
               coalesce(c.accepted, 0) AS rows_in_raw, coalesce(c.quarantined, 0) AS rows_in_quarantine
        FROM raw.submissions s
        FULL JOIN counted AS c ON c.source_file = s.source_file
        WHERE s.source_file IS NULL OR coalesce(c.unlogged, false)
           OR s.rows_read IS DISTINCT FROM coalesce(c.accepted, 0) + coalesce(c.quarantined, 0)
           OR s.rows_accepted IS DISTINCT FROM coalesce(c.accepted, 0)
           OR s.rows_quarantined IS DISTINCT FROM coalesce(c.quarantined, 0)
        ORDER BY 1
        """
    ).to_arrow_table()
    return pl.from_arrow(violations)


def table_counts(con) -> dict[str, int]:
    """Rows per raw table (for asset metadata)."""
    return {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in RAW_TABLES}


def claim_owners(con) -> pl.DataFrame:
    """claim_id -> the dealer whose accepted claims row used it first (CLAIM_ID_TAKEN)."""
    return con.sql(
        """SELECT r.claim_id, arg_min(s.dealer_id, (s.submitted_at, s.source_file)) AS owner
           FROM raw.claims AS r
           JOIN raw.submissions AS s ON s.source_file = r.source_file AND s.batch_id = r.batch_id
           WHERE s.status IN ('accepted', 'partially_accepted') AND r.claim_id IS NOT NULL
           GROUP BY 1""").pl()
