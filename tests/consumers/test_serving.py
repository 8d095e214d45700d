import io
import re
import subprocess
import sys
import textwrap

import duckdb
import pytest

from pipelines.core.errors import UserError
from tests.consumers.consumer_data import create_marts
from pipelines.serving import publish_marts, sql_shell

# An analyst's session in another process: holds the serving file open read-only, reads,
# waits while the nightly run publishes, reads again on the same connection, then reconnects.
READER = textwrap.dedent("""
    import sys, duckdb
    path = sys.argv[1]
    def rows(con):
        return con.execute("select count(*) from marts.fct_a").fetchone()[0]
    con = duckdb.connect(path, read_only=True)
    print(rows(con), flush=True)
    sys.stdin.readline()
    print(rows(con), flush=True)
    con.close()
    con = duckdb.connect(path, read_only=True)
    print(rows(con), flush=True)
    con.close()
""")


def build_warehouse(path, rows: int):
    return create_marts(path, f"""
        create or replace table marts.fct_a as select range as id from range({rows});
        create or replace table marts.dim_b as select 'x' as code;
        create schema if not exists raw;
        create or replace table raw.sales as select '13800138000' as customer_phone;
        create schema if not exists staging;
        create or replace view staging.v as select 1 as one;
    """)


def test_publish_copies_only_the_marts(tmp_path):
    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    serving = tmp_path / "serving" / "dcw.duckdb"
    result = publish_marts(wh, serving)
    assert result["tables"] == {"dim_b": 1, "fct_a": 3}
    con = duckdb.connect(str(serving), read_only=True)
    try:
        schemas = {s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts"}
        assert con.execute("select count(*) from duckdb_views() where not internal").fetchone()[0] == 0
    finally:
        con.close()
    assert sorted(p.name for p in serving.parent.iterdir()) == ["dcw.duckdb", "dcw.first"]  # no temp file left


def test_publish_copies_under_the_runs_memory_bound(tmp_path, monkeypatch):
    """The copy's DuckDB holds the bound it is given (the run's DCW_DUCKDB_MEMORY), as every
    other DuckDB of a run: unbounded it takes most of the machine on large marts."""
    import pipelines.serving as serving_module

    seen = []
    comment = serving_module._comment
    monkeypatch.setattr(serving_module, "_comment", lambda con, *a: (
        seen.append(con.execute("select current_setting('memory_limit')").fetchone()[0]), comment(con, *a)))
    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    publish_marts(wh, tmp_path / "serving" / "dcw.duckdb", memory_limit="700MB")
    expected = duckdb.connect(config={"memory_limit": "700MB"}).execute(
        "select current_setting('memory_limit')").fetchone()[0]
    assert seen and set(seen) == {expected}


def test_publish_leaves_no_spill_folder_and_keeps_one_it_did_not_create(tmp_path):
    """The copy spills beside the serving file under a bound; what it made there goes with it,
    and a folder of the same name that was there before stays with its files."""
    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    publish_marts(wh, tmp_path / "a" / "dcw.duckdb", memory_limit="700MB")
    assert not (tmp_path / "a" / ".publish.spill").exists()
    theirs = tmp_path / "b" / ".publish.spill"
    theirs.mkdir(parents=True)
    (theirs / "notes.txt").write_text("kept")
    publish_marts(wh, tmp_path / "b" / "dcw.duckdb", memory_limit="700MB")
    assert (theirs / "notes.txt").read_text() == "kept"


def test_a_reader_holding_the_serving_file_open_does_not_block_a_publish(tmp_path):
    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    serving = tmp_path / "dcw.duckdb"
    publish_marts(wh, serving)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(serving)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "3"
        build_warehouse(wh, 5)
        publish_marts(wh, serving)  # the reader's lock on the old file is no obstacle
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"  # the open connection: the old copy, whole
        assert reader.stdout.readline().strip() == "5"  # reconnected: the new copy
        assert reader.wait(timeout=60) == 0
    finally:
        reader.kill()
    con = duckdb.connect(str(serving), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_a").fetchone()[0] == 5
    finally:
        con.close()


def _served(serving) -> dict:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall()
                for (t,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()}
    finally:
        con.close()


def test_a_publish_rewrites_only_the_marts_that_changed(tmp_path):
    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    serving = tmp_path / "dcw.duckdb"
    assert publish_marts(wh, serving, {})["copied"] == ["dim_b", "fct_a"]
    assert publish_marts(wh, serving, {})["copied"] == []  # nothing changed: nothing rewritten
    create_marts(wh, """
        update marts.fct_a set id = id + 10 where id = 2;
        create table marts.fct_new as select 1 as n;
        drop table marts.dim_b;
    """)
    result = publish_marts(wh, serving, {"fct_a": ("One row per A.", {"id": "The A's number."})})
    assert result["copied"] == ["fct_a", "fct_new"] and result["tables"] == {"fct_a": 3, "fct_new": 1}
    assert _served(serving) == {"fct_a": [(0,), (1,), (12,)], "fct_new": [(1,)]}  # dim_b dropped
    con = duckdb.connect(str(serving), read_only=True)
    try:
        assert con.execute("select comment from duckdb_columns() where table_name = 'fct_a'").fetchone()[0] == "The A's number."
    finally:
        con.close()
    # the caller's word that only fct_new may have changed: fct_a is kept without comparing
    create_marts(wh, "update marts.fct_a set id = 99 where id = 0")
    assert publish_marts(wh, serving, {}, changed={"fct_new"})["copied"] == []
    assert publish_marts(wh, serving, {})["copied"] == ["fct_a"]
    assert _served(serving)["fct_a"] == [(1,), (12,), (99,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dcw.duckdb", "dcw.first", "warehouse.duckdb"]


def test_a_failed_publish_keeps_the_previous_copy(tmp_path):
    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    serving = tmp_path / "dcw.duckdb"
    publish_marts(wh, serving)
    empty = create_marts(tmp_path / "empty.duckdb", "select 1")
    with pytest.raises(UserError, match="no tables in schema marts"):
        publish_marts(empty, serving)
    con = duckdb.connect(str(serving), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_a").fetchone()[0] == 3
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dcw.duckdb", "dcw.first", "empty.duckdb", "warehouse.duckdb"]
    with pytest.raises(UserError, match="does not exist"):
        publish_marts(tmp_path / "missing.duckdb", serving)
    # a file named marts.duckdb is catalog 'marts': 'select * from marts.fct_a' would be ambiguous
    with pytest.raises(UserError, match="must not be named marts.duckdb"):
        publish_marts(wh, tmp_path / "marts.duckdb")


def test_the_serving_file_carries_the_descriptions_as_comments(tmp_path):
    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    serving = tmp_path / "serving" / "dcw.duckdb"
    publish_marts(wh, serving, {"fct_a": ("One row per A.", {"id": "The A's number.", "gone": "not a column"})})
    con = duckdb.connect(str(serving), read_only=True)
    try:
        tables = dict(con.execute("select table_name, comment from duckdb_tables()").fetchall())
        assert tables == {"fct_a": "One row per A.", "dim_b": None}
        columns = con.execute("select table_name, column_name, comment from duckdb_columns() "
                              "where comment is not null").fetchall()
        assert columns == [("fct_a", "id", "The A's number.")]
    finally:
        con.close()


def test_the_descriptions_come_from_the_dbt_manifest():
    from pipelines.serving import mart_descriptions

    described = mart_descriptions()
    table, columns = described["fct_expense_writeoff"]
    assert table and columns["approved_amount"]
    assert "fct_diversion_flags" in described and "stg_sales" not in described


def test_the_data_dictionary_is_current():
    """docs/data_dictionary.md is what `dcw docs dictionary` writes from the dbt project now."""
    from pipelines.serving import DICTIONARY, data_dictionary

    assert DICTIONARY.read_text(encoding="utf-8") == data_dictionary(), \
        "docs/data_dictionary.md is stale: run `dcw docs dictionary`"
    assert "### marts.fct_expense_writeoff" in DICTIONARY.read_text(encoding="utf-8")


def test_dcw_sql_runs_a_query_read_only(tmp_path):
    from tests.dcw_runs import dcw

    wh = build_warehouse(tmp_path / "warehouse.duckdb", 3)
    serving = tmp_path / "serving" / "dcw.duckdb"
    publish_marts(wh, serving, {})
    proc = dcw("sql", "--serving", str(serving), "-c", "select count(*) as n from marts.fct_a")
    assert proc.returncode == 0 and re.search(r"│\s+3\s+│", proc.stdout), proc.stdout
    proc = dcw("sql", "--serving", str(serving), "-c", "drop table marts.fct_a")
    assert proc.returncode == 2 and "read-only" in proc.stderr
    out = io.StringIO()
    sql_shell(serving, stdin=io.StringIO("select 41 + 1\n as answer;\n.tables\ncreate table t (a int);\n"), stdout=out)
    assert "42" in out.getvalue() and "fct_a" in out.getvalue() and "read-only" in out.getvalue()


def test_an_incremental_mart_is_published_by_its_rows_of_the_night(tmp_path):
    """The rows of the files its last build touched replace the served ones; a serving copy
    that missed a build is copied whole instead."""
    wh = create_marts(tmp_path / "warehouse.duckdb", """
        create or replace table marts.fct_lines as
            select range as id, 'f' || (range % 3) as source_file from range(9);
        create schema if not exists meta;
        create or replace table meta.dbt_scope (model varchar, whole boolean, source_file varchar);
        insert into meta.dbt_scope values ('fct_lines', true, null);
    """)
    serving = tmp_path / "dcw.duckdb"
    assert publish_marts(wh, serving, {})["in_place"] == []  # its build was whole
    create_marts(wh, """
        update marts.fct_lines set id = id + 100 where source_file = 'f1';
        delete from meta.dbt_scope;
        insert into meta.dbt_scope values ('fct_lines', false, null), ('fct_lines', false, 'f1');
    """)
    result = publish_marts(wh, serving, {})
    assert result["copied"] == result["in_place"] == ["fct_lines"]
    assert sorted(_served(serving)["fct_lines"]) == sorted(
        (i + 100 * (i % 3 == 1), f"f{i % 3}") for i in range(9))
    # a change outside the last build's files (the serving file missed a build): copied whole
    create_marts(wh, "update marts.fct_lines set id = id + 1000 where source_file = 'f2'")
    result = publish_marts(wh, serving, {})
    assert result["copied"] == ["fct_lines"] and result["in_place"] == []
    assert sorted(_served(serving)["fct_lines"]) == sorted(
        (i + 100 * (i % 3 == 1) + 1000 * (i % 3 == 2), f"f{i % 3}") for i in range(9))


def test_a_mart_keyed_by_month_is_published_from_the_first_month_it_rebuilt(tmp_path):
    """fct_customer_rfm's night rebuilds every month from one on (meta.dcw_scope_months): those
    replace the served ones, although the mart has a customer_key column too."""
    wh = create_marts(tmp_path / "warehouse.duckdb", """
        create or replace table marts.fct_rfm as
            select 'c' || (range % 2) as customer_key, date '2025-01-01' + to_months(range // 2) as month,
                   range as value from range(8);
        create schema if not exists meta;
        create or replace table meta.dbt_scope (model varchar, whole boolean, source_file varchar);
        create or replace table meta.dcw_scope_customers (model varchar, customer_key varchar);
        create or replace table meta.dcw_scope_months (model varchar, month_from date);
        insert into meta.dbt_scope values ('fct_rfm', true, null);
    """)
    serving = tmp_path / "dcw.duckdb"
    publish_marts(wh, serving, {})
    create_marts(wh, """
        update marts.fct_rfm set value = value + 100 where month >= date '2025-03-01';
        delete from meta.dbt_scope;
        insert into meta.dbt_scope values ('fct_rfm', false, null);
        insert into meta.dcw_scope_months values ('fct_rfm', date '2025-03-01');
    """)
    result = publish_marts(wh, serving, {})
    assert result["copied"] == result["in_place"] == ["fct_rfm"]
    assert sorted(v for *_, v in _served(serving)["fct_rfm"]) == [0, 1, 2, 3, 104, 105, 106, 107]
