"""The dbt project as Dagster sees it (keys, groups, checks), the manifest handling, the
build errors, the docs, the rules that keep the SQL portable to Spark, and the project's
own conventions (dbt_project/README.md): one YAML beside each model, enforced contracts on
the marts, short files, and the dbt-score bar."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, materialize

from tests.landing_builder import Landing
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.customers.assets import customer_records
from pipelines.dbt import (
    DBT_ASSETS,
    DBT_PROJECT_DIR,
    LAYERS,
    PARTIAL_PARSE,
    WarehouseBuildError,
    build_warehouse,
    dbt_monthly_assets,
    dbt_project,
    dbt_resource,
    dbt_warehouse_assets,
    ensure_manifest,
    generate_docs,
    keep_parse_state,
    manifest_is_stale,
    run_dbt,
)
from pipelines.ingest import run_ingestion
from pipelines.quality import ge_checks

RAW_TABLES = {"submissions", "quarantine", "regions", "dealers", "territories", "products",
              "prices", "campaigns", "opening_inventory", "shipments", "sales", "inventory",
              "claims", "targets", "rebate_programs", "alert_thresholds"}
MARTS = {"fct_sell_through_monthly", "fct_price_deviation", "fct_diversion_flags",
         "agg_dealer_diversion_monthly", "fct_expense_writeoff", "fct_campaign_roi",
         "dq_submissions", "dq_quarantine", "dim_dealer", "dim_product", "dim_region",
         "dim_campaign", "dim_date", "fct_target_attainment", "fct_rebate_accrual",
         "dim_customer", "fct_customer_rfm", "rpt_customer_repurchase_due", "agg_dealer_coverage_monthly",
         "rpt_reporting_status", "rpt_contract_renewals"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def test_models_are_keyed_by_layer_and_grouped_by_domain(manifest):
    """Key `<layer>/<model>`, schema = layer; a mart's group is its domain folder
    (models/marts/<domain>/), a staging or intermediate model's its layer."""
    specs = {s.key: s for assets in DBT_ASSETS for s in assets.specs}
    for node in models(manifest):
        layer = node["fqn"][1]
        assert layer in LAYERS
        key = AssetKey([layer, node["name"]])
        folder = node["original_file_path"].split("/")[-2]
        assert specs[key].group_name == (folder if layer == "marts" else layer)
        assert node["config"]["schema"] == layer
    marts = {k.path[1] for k in specs if k.path[0] == "marts"}
    assert MARTS <= marts
    groups = {specs[AssetKey(["marts", m])].group_name for m in MARTS}
    assert groups == {"channel", "pricing", "diversion", "finance", "dealers", "reference", "data_quality",
                      "targets", "customers", "reminders"}


def test_sources_are_the_raw_assets_of_the_ingestion():
    upstream = {k for assets in DBT_ASSETS for k in assets.dependency_keys if k.path[0] == "raw"}
    # the ingestion's tables, the customer resolution's (written between the ingestion and dbt)
    # and the closed write-off months (pipelines/reports/close.py)
    assert upstream == {AssetKey(["raw", t]) for t in RAW_TABLES | {"customer_records", "closed_months", "writeoff_closed"}}


# Rules across models, each a data test of the mart it is about (named in its YAML)
CROSS_MODEL_RULES = {
    "assert_campaign_approved_within_budget": "fct_expense_writeoff",
    "assert_every_sales_line_once_in_price_deviation": "fct_price_deviation",
    "assert_closing_is_opening_plus_in_minus_out": "fct_sell_through_monthly",
    "assert_every_sold_pair_has_a_month": "fct_sell_through_monthly",
    "assert_campaign_roi_rows_at_most_claims": "fct_campaign_roi",
}


def test_every_dbt_test_is_an_asset_check(manifest):
    tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    checks = {(k.asset_key, k.name) for assets in DBT_ASSETS for k in assets.check_keys}
    assert {name for _, name in checks} == tests
    assert {(AssetKey(["marts", mart]), name) for name, mart in CROSS_MODEL_RULES.items()} <= checks
    assert (AssetKey(["marts", "fct_expense_writeoff"]), "assert_approved_within_claimed_and_cap") in checks


def test_a_marts_tests_live_in_its_yaml(manifest):
    """A newcomer finds a mart's tests in its folder: every data test of a model is defined in
    that model's YAML; the few singular tests left in dbt_project/tests/ (rules over the whole
    schema) are each named in dbt_project/README.md, which says why they stay there."""
    readme = (DBT_PROJECT_DIR / "README.md").read_text()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        attached = node.get("attached_node")
        if attached in manifest["nodes"]:
            model = manifest["nodes"][attached]
            assert node["original_file_path"] == model["original_file_path"].rsplit(".", 1)[0] + ".yml"
        elif not attached:
            assert node["original_file_path"].startswith("tests/"), node["name"]
            assert node["name"] in readme, f"{node['name']} is not explained in dbt_project/README.md"


def failing_tests(built: Path, tmp_path: Path, tests: list[str], name: str, *tampers: str) -> set[str]:
    """Of the dbt `tests`, those that fail on a copy of the warehouse `built` changed by `tampers`."""
    import duckdb

    warehouse = tmp_path / f"{name}.duckdb"
    shutil.copyfile(built, warehouse)
    con = duckdb.connect(str(warehouse))
    for sql in tampers:
        con.execute(sql)
    con.close()
    artifacts = tmp_path / name
    artifacts.mkdir()
    try:
        run_dbt(["test", "--select", *tests], Settings.for_warehouse(warehouse), artifacts=artifacts)
    except WarehouseBuildError as e:
        return {t for t in tests if f"test {t}:" in str(e)}
    return set()


def test_rules_across_models_fail_on_a_broken_mart(channel_warehouse, tmp_path):
    """The cross-model rules pass on the built warehouse and each fails on a mart broken for it."""
    built, _ = channel_warehouse

    def failing(name: str, *tampers: str) -> set[str]:
        return failing_tests(built, tmp_path, CROSS_MODEL_RULES, name, *tampers)

    # the channel has no campaign: one, and a claim approved within its budget
    campaign = ("insert into marts.dim_campaign (campaign_id, budget) values ('K1', 300)",
                "insert into marts.fct_expense_writeoff (claim_id, dealer_id, campaign_id, submitted_at, "
                "claimed_amount, approved_amount, status, writeoff_month) values "
                "('C1', 'D1', 'K1', timestamp '2024-01-10 09:00', 200, 200, 'approved', date '2024-01-01')")
    assert failing("clean", *campaign) == set()
    assert failing("independent", *campaign,
                   # the approved claim now over the campaign's budget
                   "update marts.dim_campaign set budget = 100",
                   # one month's stock no longer balances
                   "update marts.fct_sell_through_monthly set closing_qty = closing_qty + 1 "
                   "where is_first_month and sku = (select min(sku) from marts.fct_sell_through_monthly)",
                   # a campaign x dealer row without a current claim
                   "insert into marts.fct_campaign_roi (campaign_id, dealer_id, roi) values ('K1', 'D1', 0)",
                   ) == {"assert_campaign_approved_within_budget",
                         "assert_closing_is_opening_plus_in_minus_out",
                         "assert_campaign_roi_rows_at_most_claims"}
    # a month missing in the middle of a pair's run: the next month opens with a closing
    # that is not the previous row's, a month after a gap
    assert failing("gap",
                   "delete from marts.fct_sell_through_monthly where (dealer_id, sku, month) in "
                   "(select dealer_id, sku, month from (select *, row_number() over "
                   "(partition by dealer_id, sku order by month) as n from marts.fct_sell_through_monthly) "
                   "where n = 2 and month < (select max(month) from marts.fct_sell_through_monthly) limit 1)",
                   ) == {"assert_closing_is_opening_plus_in_minus_out"}
    assert failing("pairs", "delete from marts.fct_sell_through_monthly") == {"assert_every_sold_pair_has_a_month"}


CODE_TESTS = ["assert_writeoff_codes_in_seed", "assert_writeoff_status_in_seed", "assert_diversion_codes_in_seed",
              "assert_quarantine_codes_in_seed", "assert_submission_codes_in_seed", "assert_submission_status_in_seed"]


def test_a_code_outside_the_seed_fails_the_codes_tests(channel_warehouse, tmp_path):
    """The marts' codes are held to the one table of codes (the seed dcw_codes)."""
    built, _ = channel_warehouse
    claim = ("insert into marts.fct_expense_writeoff (claim_id, dealer_id, campaign_id, submitted_at, "
             "claimed_amount, approved_amount, status, writeoff_month, reason_codes) values "
             "('C1', 'D1', 'K1', timestamp '2024-01-10 09:00', 200, 0, 'rejected', date '2024-01-01', '{}')")
    assert failing_tests(built, tmp_path, CODE_TESTS, "clean", claim.format("CAPPED_BY_SALES,BUDGET_EXHAUSTED")) == set()
    assert failing_tests(
        built, tmp_path, CODE_TESTS, "tampered",
        claim.format("BUDGET_EXHAUSTED,CAPPED_BY_SALES"),  # out of rule order
        "update marts.dq_submissions set status = 'acepted' where rowid = (select min(rowid) from marts.dq_submissions)",
        "update marts.dq_quarantine set reason_codes = reason_codes || ',NOT_A_CODE'",
    ) == {"assert_writeoff_codes_in_seed", "assert_submission_status_in_seed", "assert_quarantine_codes_in_seed"}


@pytest.mark.slow  # a second dbt build
def test_a_sales_line_missing_or_twice_fails_the_line_key_test(channel_warehouse, tmp_path):
    """The one test that holds the line key of int_sales_lines and fct_price_deviation."""
    import duckdb

    built, _ = channel_warehouse
    warehouse = tmp_path / "tampered.duckdb"
    shutil.copyfile(built, warehouse)
    key_test = ["test", "--select", "assert_every_sales_line_once_in_price_deviation"]
    (tmp_path / "before").mkdir()
    run_dbt(key_test, Settings.for_warehouse(warehouse), artifacts=tmp_path / "before")  # the built warehouse passes
    for n, tamper in enumerate(("INSERT INTO marts.fct_price_deviation SELECT * FROM marts.fct_price_deviation LIMIT 1",
                   "INSERT INTO intermediate.int_sales_lines SELECT * FROM intermediate.int_sales_lines LIMIT 1",
                   "DELETE FROM marts.fct_price_deviation WHERE source_row = 2")):
        shutil.copyfile(built, warehouse)
        con = duckdb.connect(str(warehouse))
        con.execute(tamper)
        con.close()
        artifacts = tmp_path / f"tampered-{n}"
        artifacts.mkdir()
        with pytest.raises(WarehouseBuildError, match="assert_every_sales_line_once_in_price_deviation"):
            run_dbt(key_test, Settings.for_warehouse(warehouse), artifacts=artifacts)


def test_every_model_and_column_is_described(manifest):
    undocumented = []
    for node in models(manifest):
        if not node["description"].strip():
            undocumented.append(node["name"])
        undocumented += [f"{node['name']}.{c}" for c, col in node["columns"].items()
                         if not col["description"].strip()]
    assert undocumented == []


def test_manifest_is_regenerated_when_stale():
    os.utime(dbt_project.manifest_path, (0, 0))
    assert manifest_is_stale()
    ensure_manifest()
    assert not manifest_is_stale()


def test_a_parse_leaves_its_state_for_the_next_invocation(tmp_path):
    cache = tmp_path / "target" / PARTIAL_PARSE
    keep_parse_state(tmp_path / "none", cache)  # an invocation that parsed nothing
    assert not cache.exists()
    artifacts = tmp_path / "run"
    artifacts.mkdir()
    (artifacts / PARTIAL_PARSE).write_bytes(b"state")
    keep_parse_state(artifacts, cache)
    assert cache.read_bytes() == b"state"
    assert [p.name for p in cache.parent.iterdir()] == [PARTIAL_PARSE]  # no scratch copy left

    project_cache = DBT_PROJECT_DIR / dbt_project.target_path / PARTIAL_PARSE
    before = project_cache.stat().st_mtime_ns if project_cache.exists() else 0
    ensure_manifest(force=True)
    assert project_cache.stat().st_mtime_ns > before


def test_each_warehouse_starts_from_its_own_parse_state(tmp_path):
    """dbt re-parses everything when the profile (the warehouse path) differs from the saved
    state's: a warehouse's state survives another warehouse's build."""
    from pipelines.dbt import parse_state_cache, reuse_parse_state

    one, other = ({"DCW_WAREHOUSE": str(tmp_path / name)} for name in ("one.duckdb", "other.duckdb"))
    assert parse_state_cache(one) != parse_state_cache(other)
    assert parse_state_cache({**one, "DCW_AS_OF": "2025-01-01"}) == parse_state_cache(one)  # not the profile's
    shared = tmp_path / "shared" / PARTIAL_PARSE
    for env, state in ((one, b"one"), (other, b"other")):
        run = tmp_path / state.decode()
        run.mkdir()
        (run / PARTIAL_PARSE).write_bytes(state)
        keep_parse_state(run, shared, env=env)
    assert shared.read_bytes() == b"other"  # the last one, as before
    again = tmp_path / "again"
    reuse_parse_state(again, one)
    assert (again / PARTIAL_PARSE).read_bytes() == b"one"
    for env in (one, other):
        parse_state_cache(env).unlink()


@pytest.mark.slow  # dbt docs generate over a built warehouse
def test_docs_generate_documents_every_built_column(channel_warehouse, tmp_path, manifest):
    index = generate_docs(channel_warehouse[0], tmp_path / "docs")
    assert index.exists()
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text())
    built = {n["metadata"]["name"]: set(n["columns"]) for n in catalog["nodes"].values()}
    for node in models(manifest):
        documented = set(node["columns"])
        assert built[node["name"]] == documented, node["name"]


def test_models_use_portable_sql_only():
    """No DuckDB-only syntax in models: `::` casts, QUALIFY, list functions. What differs
    by adapter lives in dispatched macros."""
    forbidden = re.compile(r"::|\bqualify\b|\blist_\w+\(|\bstring_agg\(|\bstrftime\(|\bepoch\(",
                           re.IGNORECASE)
    offenders = [
        f"{p.relative_to(DBT_PROJECT_DIR)}: {line.strip()}"
        for p in [*(DBT_PROJECT_DIR / "models").rglob("*.sql"),
                  *(DBT_PROJECT_DIR / "tests").rglob("*.sql")]
        for line in p.read_text().splitlines()
        if forbidden.search(line)
    ]
    assert offenders == []


@pytest.mark.slow  # a dbt build
def test_build_failure_names_the_failed_test(tmp_path):
    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    dealers = tmp_path / "landing" / "erp" / "dealers_20250101.csv"
    first = dealers.read_text().splitlines()[1]
    # the same dealer id twice, under two names: the ERP sent a broken snapshot
    dealers.write_text(dealers.read_text() + first.replace("经销商D0001", "另一家") + "\n")
    run_ingestion(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "feedback")
    with pytest.raises(WarehouseBuildError) as err:
        build_warehouse(tmp_path / "wh.duckdb")
    message = str(err.value)
    assert "unique_stg_dealers_dealer_id" in message and "\n" not in message


@pytest.mark.slow  # every asset materialized through Dagster
def test_dagster_materializes_the_models_and_runs_the_checks(tmp_path):
    """One Dagster run: dbt builds every model, its data tests run as asset checks, and the
    Great Expectations checks validate the marts after them."""
    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    lb.sales("D0001", "202501", [lb.sale()], submitted="20250205T100000")
    warehouse = tmp_path / "wh.duckdb"
    run_ingestion(tmp_path / "landing", warehouse, tmp_path / "feedback")
    resources = {"dbt": dbt_resource(), "warehouse": WarehouseResource.from_settings(Settings.for_warehouse(warehouse))}
    # the customer resolution is upstream of the staging of sales (pipelines/customers/assets.py)
    result = materialize([customer_records, dbt_warehouse_assets, *ge_checks], resources=resources)
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    # the monthly models (their own asset definition) are built in the same dbt run
    assert materialized == set(dbt_warehouse_assets.keys) | set(dbt_monthly_assets.keys) | {customer_records.key}
    evaluations = result.get_asset_check_evaluations()
    ge_keys = {k for c in ge_checks for k in c.check_keys}
    assert {e.asset_check_key for e in evaluations} == (set(dbt_warehouse_assets.check_keys)
                                                        | set(dbt_monthly_assets.check_keys) | ge_keys)
    assert [e.asset_check_key for e in evaluations if not e.passed] == []
    assert (tmp_path / "reports" / "great_expectations" / "index.html").exists()


def test_each_model_has_its_yaml_beside_it(manifest):
    misplaced = []
    for node in models(manifest):
        code = Path(node["original_file_path"])
        if node["patch_path"] != f"dcw://{code.with_suffix('.yml')}":
            misplaced.append(f"{code}: {node['patch_path']}")
    assert misplaced == []


def test_no_file_under_models_exceeds_200_lines():
    long = {}
    for path in (DBT_PROJECT_DIR / "models").rglob("*"):
        if path.is_file() and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 200:
            long[str(path.relative_to(DBT_PROJECT_DIR))] = lines
    assert long == {}


def test_sql_marts_enforce_a_contract_on_every_column(manifest):
    """The published marts: contract enforced (on DuckDB), a data type on every column, and
    contract_constraints listed for the targets that enforce no constraint."""
    marts = [n for n in models(manifest) if n["fqn"][1] == "marts" and n["language"] == "sql"]
    assert {n["name"] for n in marts} >= MARTS
    fallback = {n["name"] for n in manifest["disabled"].values() for n in n
                if n["resource_type"] == "test" and n["name"].startswith("contract_constraints_")}
    for node in marts:
        assert node["contract"]["enforced"], node["name"]
        assert [c for c, col in node["columns"].items() if not col["data_type"]] == [], node["name"]
        assert f"contract_constraints_{node['name']}_" in fallback, node["name"]
    keyed = {n["name"] for n in marts
             if any(c["type"] == "primary_key" for c in n["constraints"])
             or any(c["type"] == "primary_key" for col in n["columns"].values() for c in col["constraints"])}
    assert {"fct_sell_through_monthly", "fct_expense_writeoff", "fct_dealer_scorecard", "dim_dealer"} <= keyed


def test_python_marts_check_their_keys_and_required_columns_in_one_test(manifest):
    """No engine enforces a dbt Python model's constraints: each forecast mart declares its
    key and required columns as constraints, held by one contract_constraints test on DuckDB
    (a node of its own costs a night as much as a column test: dbt_project/README.md,
    "Contracts and tests"), not by a not_null or key test per column."""
    python = [n for n in models(manifest) if n["fqn"][1] == "marts" and n["language"] == "python"]
    assert {n["name"] for n in python} >= {"fct_forecast", "fct_forecast_accuracy"}
    for node in python:
        tests = [t for t in manifest["nodes"].values() if t["resource_type"] == "test"
                 and t.get("attached_node") == node["unique_id"]]
        assert f"contract_constraints_{node['name']}" in {t["name"] for t in tests}, node["name"]
        assert [t["name"] for t in tests if t["test_metadata"]["name"] in ("not_null", "unique_combination_of_columns")] == []
        assert [c for c in node["constraints"] if c["type"] == "primary_key"], node["name"]
        assert sum(1 for col in node["columns"].values() for c in col["constraints"] if c["type"] == "not_null") >= 10


def test_duckdb_refuses_a_mart_row_that_breaks_its_contract(channel_warehouse, tmp_path):
    import duckdb

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(channel_warehouse[0], warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into marts.dim_dealer select * from marts.dim_dealer limit 1")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("update marts.fct_sell_through_monthly set sku = null")
        # a row rule (a check constraint, dbt_project/README.md "Contracts and tests")
        with pytest.raises(duckdb.ConstraintException, match="composite_score"):
            con.execute("update marts.fct_dealer_scorecard set composite_score = 101 where composite_score is not null")
        with pytest.raises(duckdb.ConstraintException, match="timeliness"):
            con.execute("update marts.fct_dealer_scorecard set timeliness = 'early'")
    finally:
        con.close()


def test_row_rules_of_table_marts_are_check_constraints(manifest):
    """An unnamed range, accepted-values or row-expression rule of a contracted table mart is a
    check constraint (DuckDB holds it as it writes the table), not a test node of its own; a
    Python mart's checks are held by its contract_constraints test."""
    nodes = manifest["nodes"]
    for test in nodes.values():
        meta = test.get("test_metadata") or {}
        model = nodes.get(test.get("attached_node") or "", {})
        if meta.get("name") not in ("accepted_range", "accepted_values", "expression_is_true") or not model:
            continue
        contracted_table = model["config"]["materialized"] == "table" and (
            model["language"] == "python" or model["config"]["contract"]["enforced"])
        named = not test["name"].startswith(meta["name"] + "_")
        jinja = "{{" in json.dumps({k: v for k, v in meta["kwargs"].items() if k != "model"})
        assert not contracted_table or named or jinja or test["config"]["severity"].lower() != "error", test["name"]
    checks = {n["name"]: [c["expression"] for c in [*n["constraints"], *(c for col in n["columns"].values()
                                                                        for c in col["constraints"])]
                          if c["type"] == "check"] for n in nodes.values() if n["resource_type"] == "model"}
    assert "composite_score >= 0 and composite_score <= 100" in checks["fct_dealer_scorecard"]
    assert "level in ('sku_region', 'category_region', 'national')" in checks["fct_forecast"]


def test_contract_constraints_finds_a_broken_check_of_a_python_mart(channel_warehouse, tmp_path):
    """A Python mart's check constraints, which no engine enforces, fail its one
    contract_constraints test, which names each broken check by its expression."""
    import duckdb

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(channel_warehouse[0], warehouse)
    check = ["test", "--select", "fct_forecast,test_name:contract_constraints"]
    (tmp_path / "clean").mkdir()
    run_dbt(check, Settings.for_warehouse(warehouse), artifacts=tmp_path / "clean")  # the built mart passes
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.fct_forecast set level = 'planet', forecast_lo = -1 "
                "where rowid = (select min(rowid) from marts.fct_forecast)")
    con.close()
    (tmp_path / "broken").mkdir()
    with pytest.raises(WarehouseBuildError, match=r"contract_constraints_fct_forecast: Got 2 results"):
        run_dbt(check, Settings.for_warehouse(warehouse), artifacts=tmp_path / "broken")
    # each row of the test names a broken rule by its expression
    compiled = next((tmp_path / "broken").rglob("contract_constraints_fct_forecast.sql")).read_text()
    assert "check (level in" in compiled and "check (0 <= forecast_lo" in compiled


def test_contract_constraints_finds_a_second_key_and_a_null(channel_warehouse, tmp_path):
    """What holds a mart's constraints where the engine does not (Spark), shown on DuckDB
    (switched on by its var) with a table that has lost its constraints."""
    import duckdb

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(channel_warehouse[0], warehouse)
    check = ["test", "--select", "test_name:contract_constraints",
             "--vars", "{check_contract_constraints: true}"]
    (tmp_path / "clean").mkdir()
    run_dbt(check, Settings.for_warehouse(warehouse), artifacts=tmp_path / "clean")  # the built marts pass
    con = duckdb.connect(str(warehouse))
    con.execute("create table marts.unchecked as select * from marts.dim_dealer")
    con.execute("drop table marts.dim_dealer")
    con.execute("alter table marts.unchecked rename to dim_dealer")
    con.execute("insert into marts.dim_dealer select * from marts.dim_dealer limit 1")
    con.execute("insert into marts.dim_dealer (dealer_name) values ('no id')")
    con.close()
    (tmp_path / "broken").mkdir()
    with pytest.raises(WarehouseBuildError, match=r"contract_constraints_dim_dealer_: Got 2 results"):
        run_dbt(check, Settings.for_warehouse(warehouse), artifacts=tmp_path / "broken")


def test_dbt_score_holds_the_project_bar():
    """dbt-score with the project's configuration ([tool.dbt-score] in pyproject.toml, read
    from the repository root) scores the project 9.5 or more."""
    ensure_manifest()
    run = subprocess.run(
        [sys.executable, "-m", "dbt_score", "lint", "--format", "json",
         "--manifest", os.fspath(dbt_project.manifest_path)],
        cwd=DBT_PROJECT_DIR.parent, capture_output=True, text=True, check=False,
    )
    report = json.loads(run.stdout)
    failing = sorted({rule.rsplit(".", 1)[-1] for item in report["evaluables"].values()
                      for rule, r in item["results"].items() if r["result"] != "OK"})
    assert report["project"]["score"] >= 9.5, failing
    assert run.returncode == 0, run.stderr
