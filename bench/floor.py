"""The transformation's floor, derived from the dbt project at benchmark time.

dbt compiles its own models (`dbt compile`: every macro expanded as dbt expands it, for the
warehouse being measured), and the floor runs that compiled code without dbt: the models in
dbt's dependency order, each as one `create or replace table|view` of its compiled select
(materialisation and contract as configured), all SQL in one DuckDB script and one
transaction. What the floor leaves out is dbt itself (process, parsing, adapter, one
transaction and metadata round-trips per model, persisted docs, data tests), so
`dbt build / floor` measures what dbt costs on top of the engine (bench/README.md).

The floor writes into its own schemas (`floor_<schema>`: `floor_staging`, `floor_marts`, ...)
beside dbt's in a copy of the built warehouse, so the two can be compared table by table.
References to anything else (sources, seeds) stay as dbt compiled them: the floor reads the
same raw Parquet files (the sources' `external_location`) and seeds as dbt does.

dbt Python models cannot be part of a SQL script: they, and whatever is built on them, run
after it through their compiled module (as dbt-duckdb runs them, minus dbt) and are timed as
a stage of their own.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from pipelines.core.errors import UserError

PREFIX = "floor_"
# Materialisations the floor can restate. An incremental model's first build is a table, and
# the benchmark always builds from nothing.
TABLE_LIKE = ("table", "incremental")
# The hooks of an incremental model that only keep its books (dbt_project/macros/incremental.sql:
# what a night selects, which batches the model has seen, the signature of its inputs): a first
# build, which is what the floor restates, selects everything and needs none of them.
BOOKKEEPING_HOOKS = ("incremental_scope(", "incremental_done(", "inputs_scope(", "inputs_done(")
# Between hooks compiled in one `dbt compile --inline` call.
HOOK_SEPARATOR = "\n-- dcw floor: next hook --\n"


@dataclass(frozen=True)
class Step:
    """One model of the floor: a SQL statement, or the compiled module of a Python model."""

    unique_id: str
    name: str
    relation: str  # where the floor writes it, e.g. "w"."floor_marts"."dim_date"
    language: str  # "sql" or "python"
    code: str


@dataclass(frozen=True)
class Floor:
    schemas: dict[str, str]  # dbt schema -> the floor's schema
    hooks_start: list[str] = field(default_factory=list)
    sql: list[Step] = field(default_factory=list)  # before any Python model, in dependency order
    after_python: list[Step] = field(default_factory=list)  # Python models and all built on them
    relations: dict[str, str] = field(default_factory=dict)  # dbt's relation -> the floor's
    hooks_end: list[str] = field(default_factory=list)

    def script(self) -> str:
        """The SQL part as one DuckDB script, in one transaction (with the on-run-end hooks
        unless Python models come after it)."""
        body = [*self.hooks_start, *(f"-- {s.unique_id}\n{s.code}" for s in self.sql),
                *([] if self.after_python else self.hooks_end)]
        return "\n\n".join(["begin transaction;", *body, "commit;"])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def models(manifest: dict) -> dict[str, dict]:
    """The enabled models of the manifest (every package's), by unique id."""
    return {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def dependency_order(nodes: dict[str, dict]) -> list[str]:
    """Model ids so that each comes after the models it refers to (manifest depends_on);
    ties in id order, so the script is the same on every run."""
    graph = {uid: sorted(d for d in nodes[uid]["depends_on"]["nodes"] if d in nodes) for uid in sorted(nodes)}
    return list(TopologicalSorter(graph).static_order())


def _check_supported(node: dict) -> None:
    """What dbt would run for this model that the floor cannot restate: better a clear error
    than a floor that quietly does less than dbt."""
    config, name = node["config"], node["name"]
    hooks = [h for key in ("pre-hook", "post-hook") for h in config.get(key) or []
             if not (config["materialized"] == "incremental" and _bookkeeping(h))]
    problems = []
    if hooks:
        problems.append("pre-/post-hooks")
    if config.get("sql_header"):
        problems.append("sql_header")
    if config["materialized"] not in (*TABLE_LIKE, "view", "ephemeral"):
        problems.append(f"materialized={config['materialized']}")
    if node["language"] not in ("sql", "python"):
        problems.append(f"language {node['language']}")
    if node.get("compiled_code") is None and config["materialized"] != "ephemeral":
        problems.append("no compiled code (was the manifest made by dbt compile?)")
    if problems:
        raise UserError(f"the benchmark's floor cannot restate model {name}: {', '.join(problems)}; "
                        "see bench/README.md (the floor)")


def _bookkeeping(hook: dict | str) -> bool:
    """True for a hook of macros/incremental.sql (BOOKKEEPING_HOOKS)."""
    sql = hook.get("sql", "") if isinstance(hook, dict) else hook
    return any(call in sql for call in BOOKKEEPING_HOOKS)


def contract_ddl(node: dict, relation: str) -> str:
    """A table with an enforced contract as dbt-duckdb builds it: declared with the contract's
    columns, types and constraints, then filled with the compiled select's columns by name
    (so the contract's types, not the select's, are the table's)."""
    from dbt.adapters.duckdb import DuckDBAdapter

    columns = node["columns"]
    body = [*DuckDBAdapter.render_raw_columns_constraints(columns),
            *DuckDBAdapter.render_raw_model_constraints(node.get("constraints") or [])]
    names = ", ".join(_quote(c["name"]) if c.get("quote") else c["name"] for c in columns.values())
    return (f"create or replace table {relation} (\n    " + ",\n    ".join(body) + "\n);\n"
            f"insert into {relation} ({names})\nselect {names} from (\n{node['compiled_code']}\n) as model_subq;")


def statement(node: dict, relation: str) -> str:
    """The SQL that builds `node` at `relation`, as its materialisation and contract say."""
    sql = node["compiled_code"].rstrip().rstrip(";")
    if node["config"]["materialized"] == "view":
        return f"create or replace view {relation} as (\n{sql}\n);"
    if (node.get("contract") or {}).get("enforced"):
        return contract_ddl({**node, "compiled_code": sql}, relation)
    return f"create or replace table {relation} as (\n{sql}\n);"


def renamer(relations: dict[str, str]) -> Callable[[str], str]:
    """Replaces every dbt relation name in a text by the floor's, in one pass (a floor name
    is never read as a dbt name again)."""
    if not relations:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(r) for r in sorted(relations, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: relations[m.group(0)], text)


def plan(manifest: dict, hooks: dict[str, list[str]] | None = None, prefix: str = PREFIX) -> Floor:
    """The floor for a compiled manifest: each model (but ephemeral ones, which dbt already
    inlined as CTEs into the compiled code of the models using them) written to
    `<prefix><schema>`, references between models renamed accordingly. `hooks`: the rendered
    on-run-start / on-run-end SQL (see compile_project)."""
    adapter = manifest["metadata"]["adapter_type"]
    if adapter != "duckdb":
        raise UserError(f"the benchmark's floor is a DuckDB script: dbt compiled for {adapter} "
                        "(unset DCW_DBT_TARGET for the benchmark)")
    nodes = models(manifest)
    built = {}
    for uid, node in nodes.items():
        _check_supported(node)
        if node["config"]["materialized"] == "ephemeral":
            continue
        expected = ".".join(_quote(p) for p in (node["database"], node["schema"], node["alias"]))
        if node["relation_name"] != expected:
            raise UserError(f"the benchmark's floor cannot rename model {node['name']}: dbt calls it "
                            f"{node['relation_name']}, expected {expected}")
        built[uid] = ".".join(_quote(p) for p in (node["database"], prefix + node["schema"], node["alias"]))
    relations = {nodes[uid]["relation_name"]: floor for uid, floor in built.items()}
    rename = renamer(relations)
    after_python: set[str] = set()
    sql, later = [], []
    for uid in dependency_order(nodes):
        node = nodes[uid]
        if node["language"] == "python" or after_python & set(node["depends_on"]["nodes"]):
            after_python.add(uid)  # an ephemeral model passes it on to the models inlining it
        if uid not in built:
            continue
        if node["language"] == "python":
            step = Step(uid, node["name"], built[uid], "python", node["compiled_code"])
        else:
            step = Step(uid, node["name"], built[uid], "sql", rename(statement(node, built[uid])))
        (later if uid in after_python else sql).append(step)
    hooks = hooks or {}

    def statements(when: str) -> list[str]:
        # dbt runs each hook as a statement of its own; on DuckDB the project's render empty
        return [rename(h.strip().rstrip(";")) + ";" for h in hooks.get(when, []) if h.strip().rstrip(";")]

    return Floor(
        schemas={nodes[uid]["schema"]: prefix + nodes[uid]["schema"] for uid in built},
        hooks_start=statements("on-run-start"), sql=sql, after_python=later, relations=relations,
        hooks_end=statements("on-run-end"),
    )


def hook_nodes(manifest: dict) -> dict[str, list[dict]]:
    """The project's on-run-start / on-run-end hooks (operation nodes), in their order."""
    out: dict[str, list[dict]] = {"on-run-start": [], "on-run-end": []}
    for node in sorted((n for n in manifest["nodes"].values() if n["resource_type"] == "operation"),
                       key=lambda n: (n["package_name"], n.get("index") or 0)):
        for when in out:
            if when in node["name"]:
                out[when].append(node)
    return out


def compile_project() -> tuple[dict, dict[str, list[str]]]:
    """dbt's manifest with every model compiled, and the project's hooks rendered, for the
    warehouse, raw layer and business date of the run's settings (the benchmark's phase sets
    DCW_WAREHOUSE, DCW_RAW, DCW_AS_OF). The one place the floor runs dbt: through
    pipelines.dbt.run_dbt, as every build does."""
    from pipelines.core.settings import Settings
    from pipelines.dbt import run_dbt

    cfg = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="floor-dbt-") as scratch:
        models_dir, hooks_dir = Path(scratch) / "models", Path(scratch) / "hooks"
        models_dir.mkdir()
        hooks_dir.mkdir()
        # --full-refresh: an incremental model's first build, whatever the warehouse holds
        run_dbt(["compile", "--full-refresh", "--select", "resource_type:model"], cfg, artifacts=models_dir)
        manifest = json.loads((models_dir / "manifest.json").read_text(encoding="utf-8"))
        hooks = hook_nodes(manifest)
        # `dbt compile` renders no hook: render them as an inline query, all in one call.
        raw = [h["raw_code"] for when in hooks.values() for h in when]
        rendered: list[str] = []
        if raw:
            run_dbt(["compile", "--inline", HOOK_SEPARATOR.join(raw)], cfg, artifacts=hooks_dir)
            results = json.loads((hooks_dir / "run_results.json").read_text(encoding="utf-8"))["results"]
            rendered = results[0]["compiled_code"].split(HOOK_SEPARATOR.strip())
            if len(rendered) != len(raw):
                raise UserError("the benchmark's floor could not render dbt's hooks one by one")
    it = iter(rendered)
    return manifest, {when: [next(it) for _ in nodes] for when, nodes in hooks.items()}


def run_python(con, step: Step, relations: dict[str, str]) -> None:
    """A dbt Python model's compiled module run as dbt-duckdb runs it (module.model(dbt,
    session) with refs read through the connection, the frame written as a table), reading
    and writing the floor's relations."""
    namespace: dict[str, Any] = {"__name__": f"floor_{step.name}"}
    exec(compile(step.code, f"<dbt python model {step.name}>", "exec"), namespace)  # noqa: S102 - dbt's own compiled model

    def load(relation: str):
        return con.query(f"select * from {relations.get(relation, relation)}")

    frame = namespace["model"](namespace["dbtObj"](load), con)
    view = f"floor_frame_{step.name}"
    con.register(view, frame)
    try:
        con.execute(f"create or replace table {step.relation} as select * from {view}")
    finally:
        con.unregister(view)


def prepare(con, floor: Floor) -> None:
    """Empty floor schemas (not timed)."""
    for schema in floor.schemas.values():
        con.execute(f"drop schema if exists {_quote(schema)} cascade")
        con.execute(f"create schema {_quote(schema)}")


def run_sql(con, floor: Floor) -> None:
    con.execute(floor.script())


def run_after_python(con, floor: Floor) -> None:
    for step in floor.after_python:
        if step.language == "python":
            run_python(con, step, floor.relations)
        else:
            con.execute(step.code)
    for hook in floor.hooks_end if floor.after_python else []:
        con.execute(hook)


def tables(con, schemas: Iterable[str]) -> dict[str, list[str]]:
    """The relations (tables and views) in each of `schemas`."""
    out = {}
    for schema in schemas:
        rows = con.execute("select table_name from information_schema.tables where table_schema = ? order by 1",
                           [schema]).fetchall()
        out[schema] = [r[0] for r in rows]
    return out


def dump(floor: Floor, path: Path) -> None:
    """The floor as run, for reading or EXPLAIN ANALYZE of one statement (bench/README.md)."""
    parts = [floor.script(), *(f"-- {s.unique_id} ({s.language})\n{s.code}" for s in floor.after_python),
             *(floor.hooks_end if floor.after_python else [])]
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    path.with_suffix(".json").write_text(json.dumps(floor.relations, indent=2), encoding="utf-8")
