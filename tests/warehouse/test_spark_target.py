"""The same dbt project builds the same marts on DuckDB and on Spark (docs/at_scale.md).

The generator's demo data is ingested once (raw layer as Parquet) and built with both dbt
targets; every mart must then hold the same rows on both: compared sorted and in full,
numbers within 1e-9 relative. Every SQL mart is compared; fct_forecast and
fct_forecast_accuracy are dbt Python models, enabled on DuckDB only (docs/at_scale.md).

Needs the spark extra (pip install -e '.[spark]') and Java 17+. Select it with `-m spark`.
"""

from __future__ import annotations

import math
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from tests.dcw_runs import dcw

from pipelines.core.errors import UserError
from pipelines.core.settings import raw_dir
from pipelines.dbt import DBT_PROJECT_DIR, build_warehouse, spark_dir
from pipelines.ingest import run_ingestion
from pipelines.synth.generator import generate
from pipelines.synth.params import GeneratorParams

pytestmark = [pytest.mark.spark, pytest.mark.slow]  # Spark starts a JVM and builds every mart twice

# The marts that docs/marts.md defines and dbt builds on both targets.
SPEC_MARTS = (
    "fct_sell_through_monthly",
    "fct_price_deviation",
    "fct_diversion_flags",
    "fct_expense_writeoff",
    "fct_campaign_roi",
    "fct_dealer_scorecard",
    "rpt_inventory_alerts",
    "dq_submissions",
    "dq_quarantine",
)
# Marts built on DuckDB only (docs/at_scale.md): the forecast's Python models and the SQL marts reading them.
DUCKDB_ONLY = ("rpt_replenishment", "fct_sell_in_forecast", "fct_forecast", "fct_forecast_accuracy")
# Every model of the marts layer: those of docs/marts.md and the dimensions and aggregates beside them.
MARTS = tuple(sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql")
                     if p.stem not in DUCKDB_ONLY))

AS_OF = date(2025, 7, 15)
REL_TOL = 1e-9
ORPHAN_BATCH = "20990101T000000-dead00-0001"


def add_uncommitted_batch(raw: Path) -> None:
    """What a batch killed after writing its Parquet leaves: rows of files already in the
    log, under a batch_id the log does not hold. Both engines must ignore them."""
    sales = next(p for p in sorted((raw / "sales").glob("*.parquet")) if p.name != "schema.parquet")
    table = pq.read_table(sales)
    column = table.schema.get_field_index("batch_id")
    table = table.set_column(column, table.schema.field(column), [[ORPHAN_BATCH] * table.num_rows])
    pq.write_table(table, raw / "sales" / f"{ORPHAN_BATCH}.parquet")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{mart: ((columns, rows) on duckdb, (columns, rows) on spark)} for the demo data."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        pytest.fail("the spark target needs the spark extra: pip install -e '.[spark]'")
    root = tmp_path_factory.mktemp("spark")
    # small, with injections scaled up so that every rule and claim outcome occurs
    generate(GeneratorParams(out=root / "landing", seed=11, dealers=12, skus=8, months=9,
                             start=date(2024, 10, 1), injection_scale=3.0))
    warehouse = root / "warehouse.duckdb"
    run_ingestion(root / "landing", warehouse, root / "feedback")
    add_uncommitted_batch(raw_dir(warehouse))

    build_warehouse(warehouse, AS_OF)
    # the DuckDB build already ran the data tests; on Spark only the models are built, and
    # the marts' constraints, which dbt-spark does not enforce, are tested
    build_warehouse(warehouse, AS_OF, target="spark", data_tests=False)
    from pipelines.core.settings import Settings
    from pipelines.dbt import run_dbt

    checks = root / "spark_constraint_tests"
    checks.mkdir()
    run_dbt(["test", "--select", "test_name:contract_constraints"], Settings.for_warehouse(warehouse, as_of=AS_OF),
            target="spark", artifacts=checks)
    # one test per model whose YAML lists it: every mart and the intermediate models it holds
    declared = {y.stem for y in (DBT_PROJECT_DIR / "models").rglob("*.yml")
                if "contract_constraints" in y.read_text() and y.stem not in DUCKDB_ONLY}
    assert set(MARTS) <= declared
    assert len(list((checks / "compiled").rglob("contract_constraints_*.sql"))) == len(declared)

    out = {}
    # dbt-spark ran in dbt's own process: a session of this process opens the same catalog
    home = spark_dir(warehouse)
    spark = (SparkSession.builder.enableHiveSupport().master("local[2]")
             .config("spark.sql.warehouse.dir", f"{home}/warehouse")
             .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                     f"jdbc:derby:;databaseName={home}/metastore_db;create=true")
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home}")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for mart in MARTS:
                cursor = con.execute(f"select * from marts.{mart}")
                on_duckdb = ([c[0] for c in cursor.description], cursor.fetchall())
                frame = spark.table(f"marts.{mart}")
                on_spark = (frame.columns, [tuple(r) for r in frame.collect()])
                out[mart] = (on_duckdb, on_spark)
    finally:
        spark.stop()
    return out


def sort_key(row: tuple) -> tuple:
    """Orders rows the same whichever engine made them: numbers of any type by value
    (rounded, so that a last-digit difference does not reorder), NULLs first."""
    key = []
    for v in row:
        if v is None:
            key.append((0, ""))
        elif isinstance(v, bool):
            key.append((1, str(v)))
        elif isinstance(v, (int, float, Decimal)):
            key.append((2, f"{float(v):+.6e}"))
        else:
            key.append((3, str(v)))
    return tuple(key)


def same_value(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)
    return a == b


def differences(left: list[tuple], right: list[tuple], columns: list[str]) -> list[str]:
    out = []
    for a, b in zip(sorted(left, key=sort_key), sorted(right, key=sort_key)):
        diff = {c: (x, y) for c, x, y in zip(columns, a, b) if not same_value(x, y)}
        if diff:
            out.append(f"{a[:2]}: {diff}")
    return out


def test_every_mart_of_the_spec_is_compared():
    assert set(SPEC_MARTS) <= set(MARTS)


@pytest.mark.parametrize("mart", MARTS)
def test_mart_is_identical_on_duckdb_and_spark(built, mart):
    (duck_columns, duck_rows), (spark_columns, spark_rows) = built[mart]
    assert spark_columns == duck_columns
    assert len(spark_rows) == len(duck_rows)
    diffs = differences(duck_rows, spark_rows, duck_columns)
    assert not diffs, f"{len(diffs)} rows differ, e.g. " + "; ".join(diffs[:3])


def test_the_demo_exercises_the_marts(built):
    """The comparison means something only if the marts are not empty."""
    empty = [m for m in SPEC_MARTS if not built[m][0][1]]
    assert not empty


def test_rows_of_an_uncommitted_batch_are_ignored(built):
    (columns, rows), _ = built["fct_price_deviation"]
    keys = [(r[columns.index("source_file")], r[columns.index("source_row")]) for r in rows]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["build", "--target", "oracle"], "invalid choice: 'oracle'"),
        (["build", "--target", "spark", "--landing", "/nonexistent/landing"], "does not exist"),
    ],
)
def test_build_command_user_errors_are_one_line(args, fragment):
    proc = dcw(*args)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("dcw: error: ") and fragment in proc.stderr


def test_spark_target_without_java_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", os.fspath(tmp_path))
    with pytest.raises(UserError, match="Java 17"):
        build_warehouse(tmp_path / "warehouse.duckdb", target="spark")


@pytest.mark.parametrize("target", ["duckdb", "spark"])
def test_a_warehouse_without_its_raw_layer_is_a_user_error(tmp_path, target):
    with pytest.raises(UserError, match="no raw layer at .*warehouse_raw"):
        build_warehouse(tmp_path / "warehouse.duckdb", target=target)
