"""The floor's derivation (bench/floor.py) on a small hand-made manifest, without dbt: the
dependency order, the renaming into the floor's schemas, ephemeral models, enforced
contracts, Python models and what it refuses. The harness test checks the same on the real
project against dbt's own marts; these fail closer to the cause."""

from __future__ import annotations

import duckdb
import pytest

from bench import floor
from pipelines.core.errors import UserError

DB = "memory"  # DuckDB's catalog of an in-memory database


def rel(schema: str, name: str) -> str:
    return f'"{DB}"."{schema}"."{name}"'


def model(name: str, schema: str, code: str, deps=(), materialized="table", language="sql", **extra) -> dict:
    return {
        "unique_id": f"model.p.{name}", "resource_type": "model", "name": name, "alias": name,
        "database": DB, "schema": schema, "relation_name": rel(schema, name), "language": language,
        "compiled_code": code, "depends_on": {"nodes": [f"model.p.{d}" for d in deps]},
        "config": {"materialized": materialized, "pre-hook": [], "post-hook": [], **extra.pop("config", {})},
        "columns": {}, "constraints": [], "contract": {"enforced": False}, "package_name": "p", **extra,
    }


def manifest(*nodes: dict) -> dict:
    return {"metadata": {"adapter_type": "duckdb"}, "nodes": {n["unique_id"]: n for n in nodes}}


# A compiled dbt Python model as dbt-duckdb's manifest holds it: the model, then dbt's glue
# (ref() maps names to relation names).
PYTHON_MODEL = '''
def model(dbt, session):
    return dbt.ref("b").df().assign(n2=lambda f: f["n"] * 2)


def ref(*args, **kwargs):
    refs = {"b": "\\"memory\\".\\"marts\\".\\"b\\""}
    return kwargs.get("dbt_load_df_function")(refs['.'.join(args)])


class dbtObj:
    def __init__(self, load_df_function) -> None:
        self.ref = lambda *args, **kwargs: ref(*args, **kwargs, dbt_load_df_function=load_df_function)
'''

CONTRACT = {
    "contract": {"enforced": True},
    "columns": {"n": {"name": "n", "data_type": "decimal(18,2)", "constraints": [{"type": "not_null"}]},
                "label": {"name": "label", "data_type": "varchar", "constraints": []}},
    "constraints": [{"type": "primary_key", "columns": ["n"]}],
}


def project() -> dict:
    a = model("a", "staging", "select * from raw_numbers", materialized="view")
    e = model("e", "intermediate", "select 1", materialized="ephemeral")
    # compiled code of a model using an ephemeral one carries it as a CTE already
    b = model("b", "marts", f"with __dbt__cte__e as (select 1 as one) select n from {rel('staging', 'a')}, __dbt__cte__e",
              deps=["a", "e"])
    # select order and types differ from the contract: the contract's win, by name
    c = model("c", "marts", f"select 'x' || n as label, n * 1.0 as n from {rel('marts', 'b')}", deps=["b"], **CONTRACT)
    py = model("py", "marts", PYTHON_MODEL, deps=["b"], language="python")
    d = model("d", "marts", f"select sum(n2) as total from {rel('marts', 'py')}", deps=["py"])
    return manifest(d, py, c, b, e, a)  # not in dependency order


def test_plan_orders_renames_and_splits_at_python_models():
    plan = floor.plan(project())
    assert [s.name for s in plan.sql] == ["a", "b", "c"]  # no ephemeral model, dependencies first
    assert [(s.name, s.language) for s in plan.after_python] == [("py", "python"), ("d", "sql")]
    assert plan.schemas == {"staging": "floor_staging", "marts": "floor_marts"}
    script = plan.script()
    assert rel("floor_staging", "a") in script and rel("floor_marts", "b") in script
    assert rel("staging", "a") not in script and rel("marts", "b") not in script
    assert script.startswith("begin transaction;") and script.rstrip().endswith("commit;")


def test_plan_runs_on_duckdb_as_dbt_would_build():
    plan = floor.plan(project(), hooks={"on-run-start": ["create table hook_ran as select 1 as x", ""]})
    con = duckdb.connect()
    con.execute("create table raw_numbers as select range as n from range(1, 4)")
    floor.prepare(con, plan)
    floor.run_sql(con, plan)
    floor.run_after_python(con, plan)
    assert floor.tables(con, ["floor_staging", "floor_marts"]) == {
        "floor_staging": ["a"], "floor_marts": ["b", "c", "d", "py"]}
    assert con.execute("select * from hook_ran").fetchall() == [(1,)]
    # the contract's column order and types, its constraints enforced
    assert con.execute("select column_name, data_type from information_schema.columns "
                       "where table_schema = 'floor_marts' and table_name = 'c' order by ordinal_position"
                       ).fetchall() == [("n", "DECIMAL(18,2)"), ("label", "VARCHAR")]
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into floor_marts.c values (null, 'y')")
    # the Python model read the floor's b, and d the floor's py
    assert con.execute("select total from floor_marts.d").fetchone()[0] == 12


def test_floor_refuses_what_it_cannot_restate():
    hooked = model("h", "marts", "select 1", config={"post-hook": ["grant select on {{ this }} to x"]})
    with pytest.raises(UserError, match="model h: pre-/post-hooks"):
        floor.plan(manifest(hooked))
    # an incremental model's bookkeeping hooks (dbt_project/macros/incremental.sql) are not
    # needed by its first build, which is what the floor restates; any other hook still stops it
    books = {"pre-hook": [{"sql": "{{ incremental_scope(['sales']) }}"}], "post-hook": ["{{ incremental_done() }}"]}
    assert floor.plan(manifest(model("i", "marts", "select 1", materialized="incremental", config=books))).sql
    inputs = {"pre-hook": ["{{ inputs_scope(months_inputs()) }}"], "post-hook": ["{{ inputs_done(months_inputs()) }}"]}
    assert floor.plan(manifest(model("k", "marts", "select 1", materialized="incremental", config=inputs))).sql
    with pytest.raises(UserError, match="model j: pre-/post-hooks"):
        floor.plan(manifest(model("j", "marts", "select 1", materialized="incremental",
                                  config={**books, "post-hook": ["grant select on {{ this }} to x"]})))
    snapshot_like = model("m", "marts", "select 1", materialized="materialized_view")
    with pytest.raises(UserError, match="materialized=materialized_view"):
        floor.plan(manifest(snapshot_like))
    with pytest.raises(UserError, match="compiled for spark"):
        floor.plan({**manifest(model("s", "marts", "select 1")), "metadata": {"adapter_type": "spark"}})
