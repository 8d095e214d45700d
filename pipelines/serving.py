"""The serving copy of the marts: the DuckDB file analysts open (read-only) while the nightly
run rebuilds the warehouse.

DuckDB lets a file have one writer or many readers, not both, so analysts never open the
warehouse itself. `publish_marts` copies every table of schema `marts` (and nothing else: no
raw, staging or intermediate data) into a new file in the serving file's folder, checkpoints
and closes it, then renames it over the serving file. The rename is atomic on POSIX: a reader
who opens the file sees either the previous complete copy or the new one, never a half-built
one, and the publish never waits for a reader's lock (it never opens the serving file).

The serving file is for analysts, and the quarantine is dealers' data that failed: of
`dq_quarantine` it gets which row failed and why (`reason_codes`), not the values as sent
(`raw_values`, and `reason_detail`, which quotes the failing values). Those stay in the
warehouse, for the data-quality team and the dealers' feedback files.

A connection that is already open keeps reading the copy it opened (Linux keeps the old inode
alive until it is closed) and sees the new copy once it reconnects. Within one process DuckDB
caches a database per path while any connection to it is open, so an analyst's notebook must
close its connections to the file before reconnecting (duckdb/duckdb#15912).
"""

import os
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.errors import UserError
from pipelines.core.resource import WarehouseResource
from pipelines.core.text import sql_identifier as _quote
from pipelines.core.text import sql_literal as _literal
from pipelines.dbt import dbt_warehouse_assets

SCHEMA = "marts"
_NEW = "serving_new"
WITHHELD = {"dq_quarantine": ("raw_values", "reason_detail")}  # see the module's docstring


def publish_marts(warehouse: Path, serving: Path) -> dict:
    """Copy schema `marts` of `warehouse` into `serving`, replacing it in one step.
    Returns {"serving": path, "tables": {table: rows}}."""
    warehouse, serving = Path(warehouse).resolve(), Path(serving).resolve()
    if not warehouse.exists():
        raise UserError(f"warehouse {warehouse} does not exist (run 'dcw run' first)")
    if warehouse == serving:
        raise UserError(f"the serving file must not be the warehouse itself ({serving})")
    if serving.name.split(".")[0] == SCHEMA:
        # DuckDB names a file's catalog after it: 'marts.<table>' would then be ambiguous
        raise UserError(f"the serving file must not be named {serving.name} (DuckDB would call it "
                        f"catalog '{SCHEMA}' like the schema); set DCW_SERVING to e.g. {serving.with_name('dcw.duckdb')}")
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.tmp-{os.getpid()}")
    # Copies left by killed publishes (the caller holds the warehouse lock: none is running)
    for leftover in serving.parent.glob(f".{serving.name}.tmp-*"):
        leftover.unlink(missing_ok=True)
    try:
        tables = _copy_marts(warehouse, tmp)
        _fsync(tmp)
        os.replace(tmp, serving)
        _fsync(serving.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    return {"serving": str(serving), "tables": tables}


def _copy_marts(warehouse: Path, target: Path) -> dict[str, int]:
    # The warehouse is attached under its own catalog name (its file stem, as dbt names it),
    # so a view that names its tables with the catalog still resolves.
    source = warehouse.stem
    con = duckdb.connect()
    try:
        con.execute(f"attach {_literal(str(target))} as {_NEW}")
        con.execute(f"attach {_literal(str(warehouse))} as {_quote(source)} (read_only)")
        names = [t for (t,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? order by table_name",
            [source, SCHEMA],
        ).fetchall()]
        if not names:
            raise UserError(f"warehouse {warehouse} has no tables in schema {SCHEMA} (run 'dcw run' first)")
        con.execute(f"create schema {_NEW}.{SCHEMA}")
        rows = {}
        for name in names:
            t = f"{SCHEMA}.{_quote(name)}"
            withheld = ", ".join(_quote(c) for c in WITHHELD.get(name, ()))
            columns = f"* exclude ({withheld})" if withheld else "*"
            con.execute(f"create table {_NEW}.{t} as select {columns} from {_quote(source)}.{t}")
            rows[name] = con.execute(f"select count(*) from {_NEW}.{t}").fetchone()[0]
        con.execute(f"checkpoint {_NEW}")
        con.execute(f"detach {_NEW}")
        con.execute(f"detach {_quote(source)}")
    finally:
        con.close()
    return rows


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


MARTS_KEYS = [k for k in dbt_warehouse_assets.keys if k.path[0] == SCHEMA]


@dg.asset(
    name="serving_marts",
    group_name="serving",
    deps=MARTS_KEYS,
    kinds={"duckdb"},
    description="Read-only copy of schema marts for analysts ($DCW_SERVING), replaced atomically.",
)
def serving_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    s = warehouse.settings
    with s.lock(log=context.log.info):
        result = publish_marts(s.warehouse, s.serving)
    context.log.info(f"serving: {len(result['tables'])} tables published to {result['serving']}")
    return dg.MaterializeResult(metadata={
        "path": result["serving"],
        "tables": dg.MetadataValue.json(result["tables"]),
    })
