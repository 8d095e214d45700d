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

Each table and column carries its dbt description as a DuckDB comment (`COMMENT ON`), read
from the dbt manifest: an analyst sees what a figure means in `duckdb_tables()` /
`duckdb_columns()` or any tool that shows comments, without the docs at hand.

Only what changed is rewritten: when a serving file exists, the new file starts as a byte copy
of it, and a mart is copied again only when its content differs from the warehouse's (its
columns and types, its row count and an order-independent sum of its rows' hashes: a scan of
both, far cheaper than writing the table), or when it is new; a mart no longer in the
warehouse is dropped. The new file still replaces the old one by the one rename.
An incremental mart (dbt_project/README.md, "Incremental models") whose last build was not
whole has only its rows of that build (of the files, dealers or customers it touched)
replaced; its fingerprint must then equal the warehouse's, else (the serving file missed a
build) it is copied whole.

A connection that is already open keeps reading the copy it opened (Linux keeps the old inode
alive until it is closed) and sees the new copy once it reconnects. Within one process DuckDB
caches a database per path while any connection to it is open, so an analyst's notebook must
close its connections to the file before reconnecting (duckdb/duckdb#15912).
"""

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.errors import UserError
from pipelines.core.progress import stage
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import DEFAULT_DUCKDB_MEMORY
from pipelines.core.text import sql_identifier as _quote
from pipelines.core.text import sql_literal as _literal
from pipelines.dbt import DBT_ASSETS, dbt_project

SCHEMA = "marts"
_NEW = "serving_new"
WITHHELD = {"dq_quarantine": ("raw_values", "reason_detail")}  # see the module's docstring

# table -> (its description, {column: description})
Descriptions = dict[str, tuple[str, dict[str, str]]]


def _mart_nodes(manifest: Path | None) -> list[dict]:
    """The manifest's models of schema `marts`, by folder and name."""
    path = Path(manifest) if manifest else Path(dbt_project.manifest_path)
    nodes = json.loads(path.read_text(encoding="utf-8"))["nodes"].values()
    marts = [n for n in nodes if n.get("resource_type") == "model" and n.get("schema") == SCHEMA]
    return sorted(marts, key=lambda n: (_domain(n), n.get("alias") or n["name"]))


def _domain(node: dict) -> str:
    parts = Path(node.get("original_file_path", "")).parts  # models/marts/<domain>/<mart>.sql
    return parts[2] if len(parts) > 3 else ""


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def mart_descriptions(manifest: Path | None = None) -> Descriptions:
    """The dbt descriptions of every model of schema `marts` and of its columns, from the
    manifest (dbt_project/target/manifest.json by default)."""
    return {
        n.get("alias") or n["name"]: (
            _one_line(n.get("description")),
            {c: _one_line(col.get("description")) for c, col in n.get("columns", {}).items()},
        )
        for n in _mart_nodes(manifest)
    }


DICTIONARY = Path(__file__).resolve().parent.parent / "docs" / "data_dictionary.md"


def data_dictionary(manifest: Path | None = None) -> str:
    """docs/data_dictionary.md: every table of the serving file and each of its columns with
    its type and description, by domain, generated from the dbt manifest (`dcw docs
    dictionary` writes it; a test keeps it current)."""
    out = ["# Data dictionary (数据字典)", "",
           "Generated from the dbt project by `dcw docs dictionary`; do not edit by hand. Every table",
           "of schema `marts` in the serving file, with each column's type and meaning. The same",
           "descriptions are comments in the serving file (`select * from duckdb_columns()`); the",
           "rules behind each figure are in [marts.md](marts.md).", ""]
    domain = None
    for n in _mart_nodes(manifest):
        if _domain(n) != domain:
            domain = _domain(n)
            out += [f"## {domain or 'other'}", ""]
        name = n.get("alias") or n["name"]
        out += [f"### marts.{name}", "", _one_line(n.get("description")) or "(no description)", "",
                "| column | type | description |", "|---|---|---|"]
        for c, col in n.get("columns", {}).items():
            desc = _one_line(col.get("description")).replace("|", "\\|")
            out.append(f"| `{c}` | {col.get('data_type') or ''} | {desc} |")
        out.append("")
    return "\n".join(out)


def write_data_dictionary(path: Path = DICTIONARY, manifest: Path | None = None) -> Path:
    Path(path).write_text(data_dictionary(manifest), encoding="utf-8")
    return Path(path)


def publish_marts(warehouse: Path, serving: Path, descriptions: Descriptions | None = None,
                  changed: set[str] | None = None, memory_limit: str = DEFAULT_DUCKDB_MEMORY) -> dict:
    """Copy schema `marts` of `warehouse` into `serving`, replacing it in one step, with the
    marts' descriptions (default: the dbt manifest's) as comments. Of an existing serving file
    only the marts whose content differs are rewritten (see the module's docstring); `changed`,
    when given, names the only marts that may have changed (e.g. those dbt built in this run):
    the others are kept without comparing them. `memory_limit`: DuckDB's bound while it
    copies (the run's, DCW_DUCKDB_MEMORY); beyond it DuckDB spills beside the serving file.
    Returns {"serving": path, "tables": {table: rows}, "copied": [the marts written],
    "in_place": [those of them written by replacing only their rows of the last incremental
    build], "first_views": the dashboard's first views' folder, or None when they failed}."""
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
        if descriptions is None:
            descriptions = mart_descriptions()
        previous = serving if serving.exists() else None
        if previous is not None:
            # a private copy: a reader keeps the serving file as it is until the rename
            shutil.copyfile(previous, tmp)
        tables, copied, in_place = _copy_marts(warehouse, tmp, descriptions, previous is not None, changed,
                                               memory_limit)
        _fsync(tmp)
        os.replace(tmp, serving)
        _fsync(serving.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    return {"serving": str(serving), "tables": tables, "copied": copied, "in_place": in_place,
            "first_views": _first_views(serving)}


def _first_views(serving: Path) -> str | None:
    """The dashboard's static first views of the night just published (docs/dashboard.md), so
    the morning's first visitor does not wait for them; their folder. The night is published
    whatever happens here: the dashboard rebuilds stale first views itself, so a failure is
    a warning."""
    from pipelines.dashboard.first_view import build_first_views

    try:
        return str(build_first_views(serving))
    except Exception as exc:  # noqa: BLE001 - never fails the publish (see above)
        import logging

        logging.getLogger(__name__).warning("dashboard first views not built (the dashboard builds them "
                                            "when first asked): %s", exc)
        return None


def _copy_marts(warehouse: Path, target: Path, descriptions: Descriptions, update: bool = False,
                changed: set[str] | None = None,
                memory_limit: str = DEFAULT_DUCKDB_MEMORY) -> tuple[dict[str, int], list[str], list[str]]:
    """Write schema `marts` of `warehouse` into `target` (when `update`: a copy of the previous
    serving file, of which only differing marts are rewritten, an incremental mart by its rows
    of the last build when that gives the warehouse's content). Returns the rows per mart, the
    marts written and those of them written in place."""
    # The warehouse is attached under its own catalog name (its file stem, as dbt names it),
    # so a view that names its tables with the catalog still resolves.
    source = warehouse.stem
    # Bounded as every other DuckDB of a run: unbounded, copying scale L's line-level marts
    # took the process to 5.9 GB (bench/README.md, "Memory at L"). An in-memory database
    # spills to its working directory unless told otherwise: beside the serving file instead.
    # DuckDB deletes its own spill files on close, and the folder only when it created it, so a
    # folder of that name someone else keeps there is left as it was.
    spill = target.parent / ".publish.spill"
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(spill)})
    try:
        con.execute(f"attach {_literal(str(target))} as {_NEW}")
        con.execute(f"attach {_literal(str(warehouse))} as {_quote(source)} (read_only)")
        names = _tables(con, source)
        if not names:
            raise UserError(f"warehouse {warehouse} has no tables in schema {SCHEMA} (run 'dcw run' first)")
        served = set(_tables(con, _NEW)) if update else set()
        if not update:
            con.execute(f"create schema {_NEW}.{SCHEMA}")
        for gone in sorted(served - set(names)):
            con.execute(f"drop table {_NEW}.{SCHEMA}.{_quote(gone)}")
        rows, copied, in_place = {}, [], []
        for name in names:
            t = f"{SCHEMA}.{_quote(name)}"
            withheld = ", ".join(_quote(c) for c in WITHHELD.get(name, ()))
            columns = f"* exclude ({withheld})" if withheld else "*"
            fresh = f"(select {columns} from {_quote(source)}.{t})"
            # an incremental mart's rows of the night (_delta) replace its served rows in place
            delta = _delta(con, source, name) if name in served and (changed is None or name in changed) else None
            kept = name in served and (
                (changed is not None and name not in changed)
                or (_apply_delta(con, name, fresh, delta) if delta is not None
                    else _fingerprint(con, fresh) == _fingerprint(con, f"{_NEW}.{t}")))
            if not kept:
                con.execute(f"create or replace table {_NEW}.{t} as select {columns} from {_quote(source)}.{t}")
            if not kept or delta is not None:
                copied.append(name)
            if kept and delta is not None:
                in_place.append(name)
            rows[name] = con.execute(f"select count(*) from {_NEW}.{t}").fetchone()[0]
            _comment(con, _NEW, name, *descriptions.get(name, ("", {})))
        con.execute(f"checkpoint {_NEW}")
        con.execute(f"detach {_NEW}")
        con.execute(f"detach {_quote(source)}")
    finally:
        con.close()
    return rows, copied, in_place


def _delta(con: duckdb.DuckDBPyConnection, source: str, name: str) -> str | None:
    """The condition on a row of mart `name` that its last dbt build deleted and selected
    again, when that build was incremental (dbt_project/README.md, "Incremental models"): its
    rows from the first month it rebuilt (a mart keyed by month), else of the files it touched
    (`source_file`), else of the dealers or customers it rebuilt. None when the build was whole
    or the mart is not incremental. (Months a business date moved back took away are outside
    it: the fingerprint then differs and the mart is copied whole.)"""
    meta = f"{_quote(source)}.meta"
    scopes = {t for (t,) in con.execute("select table_name from duckdb_tables() where database_name = ? "
                                        "and schema_name = 'meta'", [source]).fetchall()}
    if "dbt_scope" not in scopes or con.execute(f"select coalesce(bool_or(whole), true) from {meta}.dbt_scope "
                                                "where model = ?", [name]).fetchone()[0]:
        return None
    columns = {c for (c,) in con.execute("select column_name from duckdb_columns() where database_name = ? "
                                         "and schema_name = ? and table_name = ?", [source, SCHEMA, name]).fetchall()}
    model = _literal(name)
    if "dcw_scope_months" in scopes and "month" in columns:
        first = con.execute(f"select month_from from {meta}.dcw_scope_months where model = ?", [name]).fetchone()
        if first is not None:
            return f"month >= (select month_from from {meta}.dcw_scope_months where model = {model})"
    for column, table, key in (("source_file", "dbt_scope", "source_file"), ("dealer_id", "dcw_scope_dealers", "dealer_id"),
                               ("customer_key", "dcw_scope_customers", "customer_key")):
        if column in columns and table in scopes:
            return (f"{_quote(column)} in (select {key} from {meta}.{table} "
                    f"where model = {model} and {key} is not null)")
    return None


def _apply_delta(con: duckdb.DuckDBPyConnection, name: str, fresh: str, delta: str) -> bool:
    """Mart `name` of the new serving file brought to `fresh` (the warehouse's rows) by
    replacing only the rows of `delta` (see _delta); True when the result has the warehouse's
    fingerprint. A serving copy that missed an earlier build (a failed publish, another
    warehouse) differs elsewhere too: False, and the caller copies the mart whole."""
    t = f"{_NEW}.{SCHEMA}.{_quote(name)}"
    con.execute(f"delete from {t} where {delta}")
    con.execute(f"insert into {t} by name select * from {fresh} where {delta}")
    return _fingerprint(con, fresh) == _fingerprint(con, t)


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [t for (t,) in con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = ? order by table_name",
        [catalog, SCHEMA],
    ).fetchall()]


def _fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> tuple:
    """The columns and types of `relation`, its row count and the sum of its rows' hashes (a
    sum, not an xor: repeated rows count). Equal fingerprints: the same content, in any order."""
    shape = con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    count, total = con.execute(f"select count(*), sum(hash(r)::hugeint) from {relation} r").fetchone()
    return shape, count, total


def _comment(con: duckdb.DuckDBPyConnection, catalog: str, name: str, description: str,
             columns: dict[str, str]) -> None:
    """The descriptions as comments on table `catalog.marts.name`, each written only when it
    differs from the comment there (a kept mart has them from the previous publish)."""
    table = f"{catalog}.{SCHEMA}.{_quote(name)}"
    where = "database_name = ? and schema_name = ? and table_name = ?"
    [(current,)] = con.execute(f"select comment from duckdb_tables() where {where}", [catalog, SCHEMA, name]).fetchall()
    if description and description != current:
        con.execute(f"comment on table {table} is {_literal(description)}")
    present = dict(con.execute(f"select column_name, comment from duckdb_columns() where {where}",
                               [catalog, SCHEMA, name]).fetchall())
    for column, text in columns.items():
        if text and column in present and present[column] != text:
            con.execute(f"comment on column {table}.{_quote(column)} is {_literal(text)}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


MARTS_KEYS = [k for assets in DBT_ASSETS for k in assets.keys if k.path[0] == SCHEMA]


@dg.asset(
    name="serving_marts",
    group_name="serving",
    deps=MARTS_KEYS,
    kinds={"duckdb"},
    description="Read-only copy of schema marts for analysts ($DCW_SERVING), replaced atomically.",
)
def serving_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    s = warehouse.settings
    with stage("publish", f"copying the marts to {s.serving}") as progress, s.lock(log=context.log.info):
        result = publish_marts(s.warehouse, s.serving, memory_limit=s.duckdb_memory)
        progress.done(f"{len(result['tables'])} tables published to {result['serving']}")
    context.log.info(f"serving: {len(result['tables'])} tables published to {result['serving']}")
    return dg.MaterializeResult(metadata={
        "path": result["serving"],
        "tables": dg.MetadataValue.json(result["tables"]),
    })


def sql_shell(serving: Path, query: str | None = None, max_rows: int = 40, stdin=None, stdout=None) -> None:
    """`dcw sql`: the serving file opened read-only; `query` run and shown, or else a small
    shell reading statements (ended by ';') from `stdin`: `.tables` lists the tables,
    `.describe TABLE` shows a table's columns with their descriptions, `.quit` leaves. The
    DuckDB command-line program is not a Python package, so this is what the venv offers."""
    import sys

    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    serving = Path(serving)
    if not serving.exists():
        raise UserError(f"no serving file at {serving} (run 'dcw run' first, or set DCW_SERVING / --serving)")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        if query is not None:
            _show(con, query, max_rows, stdout, fail=True)
            return
        interactive = stdin.isatty()
        if interactive:
            try:
                import readline  # noqa: F401  (line editing and history for input())
            except ImportError:
                pass
            print(f"dcw sql: {serving} (read-only). End statements with ';'. .tables, .describe TABLE, .quit",
                  file=stdout)
        pending: list[str] = []
        while True:
            prompt = ("...> " if pending else "dcw> ") if interactive else ""
            try:
                line = input(prompt) if interactive else stdin.readline()
            except EOFError:
                break
            if not interactive and line == "":
                break
            text = line.strip()
            if not pending and text in (".quit", ".exit", ".q"):
                break
            if not pending and text.startswith("."):
                _dot_command(con, text, max_rows, stdout)
                continue
            pending.append(line.rstrip("\n"))
            if text.endswith(";"):
                _show(con, "\n".join(pending), max_rows, stdout)
                pending = []
        if pending and "".join(pending).strip():
            _show(con, "\n".join(pending), max_rows, stdout)
    finally:
        con.close()


def _dot_command(con, text: str, max_rows: int, stdout) -> None:
    word, _, arg = text.partition(" ")
    if word == ".tables":
        _show(con, "select table_name, comment from duckdb_tables() order by table_name", max_rows, stdout)
    elif word == ".describe" and arg.strip():
        table = arg.strip().rstrip(";").split(".")[-1]
        _show(con, "select column_name, data_type, comment from duckdb_columns() "
                   f"where table_name = {_literal(table)} order by column_index", 1000, stdout)
    else:
        print(f"unknown command {word} (.tables, .describe TABLE, .quit)", file=stdout)


def _show(con, statement: str, max_rows: int, stdout, fail: bool = False) -> None:
    try:
        result = con.sql(statement)
        if result is not None:
            print(result.__str__() if result.shape[0] <= max_rows else result.limit(max_rows).__str__()
                  + f"({result.shape[0]:,} rows, first {max_rows} shown)", file=stdout)
    except duckdb.Error as exc:
        message = " ".join(str(exc).split())
        if fail:
            raise UserError(message) from None
        print(f"error: {message}", file=stdout)
