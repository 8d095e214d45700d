"""The drift suites of expectations/ on a hand-written channel built with dbt: a dealer whose
newest month jumps far out of its own history is warned about, and no other dealer; the
warnings block nothing; validation fetches profiles from DuckDB, never whole marts; and the
correctness checks that left the suites are dbt tests that catch a broken mart."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import types
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from tests.warehouse.channel_scenario import _sale
from tests.warehouse.scorecard_scenario import HOME, reference_data
from tests.warehouse.warehouse_helpers import build_from_landing

import pipelines.quality.ge as ge
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import PROJECT_ROOT, Settings, raw_dir
from pipelines.dbt import DBT_ASSETS
from pipelines.quality import ge_checks, load_suites, validate_marts

MARTS = {k.path[1] for assets in DBT_ASSETS for k in assets.keys if k.path[0] == "marts"}
MONTHS = [date(2024, m, 1) for m in range(1, 9)]  # January to August 2024
AS_OF = date(2024, 9, 20)  # August's sales are due (5 September)
JUMPER = "E3"


def monthly_qty(dealer: str, i: int) -> int:
    """The quantity of each of a dealer's two lines in month `i`: a little variation, and
    E3's newest month ten times its usual."""
    if dealer == JUMPER and i == len(MONTHS) - 1:
        return 100
    return {"E1": 9 + i % 3, "E2": 10 + i % 2, "E3": 10 - i % 2}[dealer]


def drift_channel(b) -> None:
    """Three dealers reporting two lines of P1 at 10 every month, on time."""
    reference_data(b)
    for i, month in enumerate(MONTHS):
        for dealer in ("E1", "E2", "E3"):
            qty = monthly_qty(dealer, i)
            b.sales(dealer, f"{month:%Y%m}",
                    [{**_sale(month.replace(day=day), "P1", qty, 10, HOME),
                      "invoice_no": f"{dealer}-{month:%Y%m}-{day}"}  # no two files alike
                     for day in (10, 20)],
                    submitted=f"2024{month.month + 1:02d}02T090000")


@pytest.fixture(scope="module")
def drift_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("drift")
    build_from_landing(drift_channel, root, AS_OF)
    return root / "warehouse.duckdb"


def test_every_suite_judges_drift_of_a_mart_and_repeats_no_dbt_test():
    suites = load_suites()
    assert {s.asset for s in suites} <= {f"marts.{m}" for m in MARTS}
    assert len(suites) >= 4
    # not-null, uniqueness, accepted values and ranges are dbt's: a suite only bounds how
    # far the newest period lies from its history
    assert {(e["type"], e["kwargs"]["column"]) for s in suites for e in s.expectations} == {
        ("expect_column_values_to_be_between", "robust_z")}


def test_a_dealer_jumping_out_of_its_history_is_warned_and_no_other(drift_warehouse, tmp_path):
    results = validate_marts(drift_warehouse, tmp_path / "ge")
    qty = results["drift_dealer_sell_out_qty"]
    assert qty.judged == 3 and not qty.success
    assert [w.split(":")[0] for w in qty.failed] == [f"{JUMPER} 2024-08"]
    assert {n: r.failed for n, r in results.items() if n != qty.suite} == {
        "drift_dealer_unit_price": [], "drift_monthly_sales_lines": [],
        "drift_quarantined_row_share": []}
    assert all(r.judged == r.profile_rows for r in results.values())
    assert (tmp_path / "ge" / "index.html").exists()
    assert len(list((tmp_path / "ge" / "validations").rglob("*.html"))) == len(results)


class _Spy:
    """A DuckDB connection that records each statement and how many rows it returned."""

    def __init__(self, con, log: list):
        self._con, self._log = con, log

    def execute(self, sql, *args):
        result = self._con.execute(sql, *args)
        return types.SimpleNamespace(df=lambda: self._record(sql, result.df()))

    def _record(self, sql, frame):
        self._log.append((sql, len(frame)))
        return frame

    def close(self):
        self._con.close()


def test_validation_fetches_profiles_not_marts(drift_warehouse, tmp_path, monkeypatch):
    fetched: list[tuple[str, int]] = []
    spy = types.SimpleNamespace(connect=lambda *a, **k: _Spy(duckdb.connect(*a, **k), fetched))
    monkeypatch.setattr(ge, "duckdb", spy)
    validate_marts(drift_warehouse, tmp_path / "ge")
    assert [rows for _, rows in fetched] == [3, 3, 1, 1]  # a row per dealer, or one row
    assert [sql for sql, _ in fetched if re.search(r"select\s+\*\s+from\s+marts\.", sql, re.I)] == []
    con = duckdb.connect(str(drift_warehouse), read_only=True)
    try:
        read = {s.asset: con.execute(f"select count(*) from {s.asset}").fetchone()[0]
                for s in load_suites()}
    finally:
        con.close()
    assert read["marts.fct_dealer_scorecard"] == 3 * len(MONTHS)
    assert max(rows for _, rows in fetched) < min(read.values())


def test_drift_warnings_block_nothing(drift_warehouse, tmp_path):
    """The checks run in Dagster after their marts; a warning leaves the run successful and
    what depends on the mart is still built."""
    warehouse = WarehouseResource.from_settings(Settings.for_warehouse(drift_warehouse, reports=tmp_path / "reports"))
    checked = {k.asset_key for c in ge_checks for k in c.check_keys}
    # the marts stand in for dbt's (built above); a consumer of the scorecard after them
    stand_ins = [dg.AssetSpec(key) for key in checked]
    scorecard = dg.AssetKey(["marts", "fct_dealer_scorecard"])

    @dg.asset(deps=[scorecard])
    def consumer() -> None:
        return None

    @dg.multi_asset(specs=stand_ins)
    def marts():
        for spec in stand_ins:
            yield dg.MaterializeResult(asset_key=spec.key)

    assert all(not s.blocking for c in ge_checks for s in c.check_specs)
    result = dg.materialize([marts, consumer, *ge_checks], resources={"warehouse": warehouse})
    assert result.success
    evaluations = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
    assert {n: (e.passed, e.severity) for n, e in evaluations.items()} == {
        s.name: (s.name != "drift_dealer_sell_out_qty", dg.AssetCheckSeverity.WARN)
        for s in load_suites()}
    assert dg.AssetKey("consumer") in {e.asset_key for e in result.get_asset_materialization_events()}
    assert (tmp_path / "reports" / "great_expectations" / "index.html").exists()


# What left the suites for dbt: the correctness expectations no dbt test held before (ranges,
# formats, row counts against the submission log and the raw layer) are data tests in the
# marts' YAML (docs/quality.md lists them), named here as Dagster shows them.

VALUE_TESTS = (
    # fct_price_deviation
    "assert_qty_positive", "assert_unit_price_positive", "assert_guide_price_positive",
    "assert_floor_price_positive", "assert_deviation_above_minus_100_pct",
    "assert_price_deviation_lines_match_submission_log",
    # fct_sell_through_monthly, rpt_inventory_alerts
    "assert_sell_through_rate_not_negative", "assert_cover_months_1_to_3",
    "assert_cover_days_28_to_92", "assert_every_sold_pair_has_a_month",
    "assert_alert_cover_months_1_to_3",
    # dim_campaign, dim_product, dim_region
    "assert_reimbursement_rate_0_to_1", "assert_budget_not_negative",
    "assert_campaign_at_least_one_day", "assert_unit_cost_not_negative", "assert_city_code_six_digits",
    # agg_dealer_diversion_monthly, fct_diversion_flags, fct_dealer_scorecard
    "assert_diversion_counts_not_negative", "assert_source_dealer_ids_a_clean_list",
    "assert_score_components_0_to_4",
    # fct_expense_writeoff, fct_campaign_roi
    "assert_cap_amount_not_negative", "assert_verified_sales_value_not_negative",
    "assert_one_writeoff_row_per_current_claim", "assert_campaign_qty_not_negative",
    "assert_baseline_qty_not_negative", "assert_campaign_roi_rows_at_most_claims",
    # dq_submissions, dq_quarantine
    "assert_rows_read_not_negative", "assert_rows_accepted_not_negative",
    "assert_rows_quarantined_not_negative", "assert_every_submitted_file_listed",
    "assert_every_quarantined_row_listed",
)
TAMPERS = {
    "assert_price_deviation_lines_match_submission_log": "delete from marts.fct_price_deviation where source_row = 1",
    "assert_cover_days_28_to_92": "update marts.fct_sell_through_monthly set cover_days = 93",
    "assert_every_submitted_file_listed": "delete from marts.dq_submissions where kind = 'regions'",
    "assert_every_quarantined_row_listed": "delete from marts.dq_quarantine",
    "assert_city_code_six_digits": "update marts.dim_region set city_code = '11000a' where region = 'North'",
}


def failed_value_tests(warehouse, raw, out) -> set[str]:
    """The value tests that fail on `warehouse`, run by dbt's own CLI."""
    dbt = Path(sys.executable).with_name("dbt")
    project = PROJECT_ROOT / "dbt_project"
    env = {**os.environ, "DCW_WAREHOUSE": str(warehouse), "DCW_RAW": str(raw)}
    subprocess.run([str(dbt), "test", "--select", *VALUE_TESTS, "--project-dir", str(project),
                    "--profiles-dir", str(project), "--target-path", str(out),
                    "--log-path", str(out)], env=env, capture_output=True, check=False)
    results = [r for r in json.loads((out / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("test.")]
    assert len(results) == len(VALUE_TESTS)
    return {r["unique_id"].split(".")[2] for r in results if r["status"] != "pass"}


def test_correctness_checks_left_to_dbt_catch_broken_marts(channel_warehouse, tmp_path):
    copy = tmp_path / "wh.duckdb"
    shutil.copy(channel_warehouse[0], copy)
    raw = raw_dir(channel_warehouse[0])
    assert failed_value_tests(copy, raw, tmp_path / "clean") == set()
    con = duckdb.connect(str(copy))
    try:
        for sql in TAMPERS.values():
            con.execute(sql)
    finally:
        con.close()
    assert failed_value_tests(copy, raw, tmp_path / "tampered") == set(TAMPERS)
