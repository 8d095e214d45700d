"""The marts on the generator's demo data agree with its injected ground truth (truth/):
every diversion flag, below-floor line, negative stock month and claim decision."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.dbt import build_warehouse
from pipelines.ingest import run_ingestion
from pipelines.quality import validate_marts
from pipelines.synth.generator import generate
from pipelines.synth.params import GeneratorParams
from tests.warehouse.warehouse_helpers import make_query

pytestmark = pytest.mark.slow  # a generated world ingested, built and checked whole

RULES = ("OUT_OF_TERRITORY", "FOREIGN_BATCH", "UNKNOWN_BATCH", "DOUBLE_REPORTED")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    # a small world with injections scaled up, so that every rule has cases
    generate(GeneratorParams(out=root / "landing", seed=11, dealers=12, skus=8, months=9,
                             start=date(2024, 10, 1), injection_scale=3.0))
    warehouse = root / "warehouse.duckdb"
    run_ingestion(root / "landing", warehouse, root / "feedback")
    build_warehouse(warehouse)
    return root, make_query(warehouse)


def truth(root: Path, name: str) -> list[dict[str, str]]:
    with open(root / "truth" / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("rule", RULES)
def test_diversion_flags_have_precision_and_recall_one(demo, rule):
    root, q = demo
    expected = {(r["source_file"], int(r["source_row"])): r["source_dealer_ids"] or None
                for r in truth(root, "double_reported.csv" if rule == "DOUBLE_REPORTED" else "diversion.csv")
                if r["rule"] == rule}
    found = {(f, r): ids for f, r, ids in q(
        """select source_file, source_row, source_dealer_ids from marts.fct_diversion_flags
           where rule = ?""", rule)}
    assert expected, f"the demo data has no {rule} case to check"
    assert set(found) - set(expected) == set(), "false positives"
    assert set(expected) - set(found) == set(), "missed"
    assert found == expected


def test_below_floor_lines(demo):
    root, q = demo
    expected = {(r["source_file"], int(r["source_row"])) for r in truth(root, "below_floor.csv")}
    found = set(q("select source_file, source_row from marts.fct_price_deviation "
                  "where is_below_floor"))
    assert expected and found == expected


def test_negative_stock_months(demo):
    root, q = demo
    expected = {(r["dealer_id"], r["sku"], date.fromisoformat(r["month"]))
                for r in truth(root, "negative_stock.csv")}
    found = set(q("select dealer_id, sku, month from marts.fct_sell_through_monthly "
                  "where closing_qty < 0"))
    assert expected and found == expected


def test_claim_decisions(demo):
    root, q = demo
    expected = {r["claim_id"]: (r["expected_status"], r["expected_reason_codes"],
                                Decimal(r["expected_approved_amount"] or "0"))
                for r in truth(root, "claims.csv")}
    found = {cid: (status, reasons or "", approved) for cid, status, reasons, approved in q(
        "select claim_id, status, reason_codes, approved_amount from marts.fct_expense_writeoff")}
    assert found == expected
    assert {s for s, _, _ in expected.values()} == {"approved", "partially_approved", "rejected"}


def test_great_expectations_suites_pass_on_demo_data(demo, tmp_path):
    root, _ = demo
    results = validate_marts(root / "warehouse.duckdb", tmp_path / "ge")
    assert {n: r.failed for n, r in results.items() if not r.success} == {}


def test_reminders_marts_see_the_generated_contacts_renewals_and_late_reports(demo):
    """docs/generator.md, "Reminders": the contracts moved near the end of the data are
    listed with their truth's end, and the generated contacts and late reports reach
    rpt_reporting_status."""
    root, q = demo
    listed = {r[0]: r[1:] for r in q("select dealer_id, contract_end, days_left, as_of_date "
                                     "from marts.rpt_contract_renewals")}
    ending = truth(root, "renewals.csv")
    assert len(ending) == 4
    for t in ending:
        contract_end, days_left, as_of = listed[t["dealer_id"]]
        assert contract_end.isoformat() == t["contract_end"]
        assert days_left == (contract_end - as_of).days
    statuses = dict(q("select status, count(*) from marts.rpt_reporting_status group by status"))
    assert statuses.get("received_late", 0) > 0 and statuses.get("received_on_time", 0) > 0
    [(managers, contacts)] = q("select count(distinct manager_email), count(distinct contact_email) "
                               "from marts.rpt_reporting_status")
    assert managers > 1 and contacts > 1


@pytest.fixture(scope="module")
def larger(tmp_path_factory):
    """A larger world (more dealers, five quarters) with the default injection rates."""
    root = tmp_path_factory.mktemp("larger")
    generate(GeneratorParams(out=root / "landing", seed=5, dealers=40, skus=12, months=15,
                             start=date(2025, 1, 1), injection_scale=1.0))
    warehouse = root / "warehouse.duckdb"
    run_ingestion(root / "landing", warehouse, root / "feedback")
    build_warehouse(warehouse)
    return root, make_query(warehouse)


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text else None


@pytest.mark.parametrize("world", ["demo", "larger"])
def test_rebate_accruals_equal_the_truth(request, world):
    root, q = request.getfixturevalue(world)
    rows = truth(root, "rebates.csv")
    expected = {(r["program_id"], r["dealer_id"]): (
        _dec(r["expected_quarter_target"]), Decimal(r["expected_verified_value"]),
        _dec(r["expected_tier_min_attainment"]), _dec(r["expected_rebate_rate"]),
        Decimal(r["expected_rebate_amount"]), r["expected_status"]) for r in rows}
    found = {(p, d): tuple(rest) for p, d, *rest in q(
        """select program_id, dealer_id, quarter_target, verified_value, tier_min_attainment, rebate_rate,
                  rebate_amount, status from marts.fct_rebate_accrual""")}
    assert found == expected
    # the world has the cases it should: every status, dealers exactly on a tier boundary
    # (and earning it), diverted lines keeping a dealer below a tier it would reach with them
    assert {r["expected_status"] for r in rows} == {"earned", "not_reached", "no_target"}
    boundary = [r for r in rows if r["case"] == "boundary"]
    assert boundary and all(
        Decimal(r["expected_tier_min_attainment"]) * Decimal(r["expected_quarter_target"])
        == Decimal(r["expected_verified_value"]) for r in boundary)
    assert any(r["case"] == "excluded_below_tier" for r in rows)
    assert any(r["case"] == "month_missing" and r["expected_status"] == "no_target" for r in rows)


@pytest.mark.parametrize("world", ["demo", "larger"])
def test_target_attainment_equals_the_truth(request, world):
    root, q = request.getfixturevalue(world)
    expected = {(r["dealer_id"], r["period"]): (Decimal(r["target_value"]), Decimal(r["expected_verified_value"]))
                for r in truth(root, "targets.csv")}
    found = {(d, p): (t, v) for d, p, t, v in q(
        "select dealer_id, period, target_value, verified_value from marts.fct_target_attainment")}
    assert expected and found == expected
    periods = {p for _, p in expected}
    assert any("-Q" in p for p in periods) and any("-Q" not in p for p in periods)


def test_goods_in_transit_at_each_month_end(demo):
    root, q = demo
    expected = {(r["dealer_id"], r["sku"], date.fromisoformat(r["month"]), Decimal(r["in_transit_qty"]))
                for r in truth(root, "in_transit.csv")}
    found = set(q("select dealer_id, sku, month, in_transit_qty from marts.fct_sell_through_monthly "
                  "where in_transit_qty <> 0"))
    assert expected and found == expected


def test_transit_alone_causes_no_inventory_variance(demo):
    """A dealer counts what is on its shelf. With sell-in on delivery, a month-end report
    differs from the books only where the generator miscounted it or the books went below
    zero (a negative stock is not on the shelf), never because goods were on the road."""
    root, q = demo
    miscounted = {(r["dealer_id"], date.fromisoformat(r["month"])) for r in truth(root, "inventory_variance.csv")}
    rows = q("""select dealer_id, sku, month, in_transit_qty, closing_qty, inventory_variance_qty
                from marts.fct_sell_through_monthly where reported_closing_qty is not null""")
    unexplained = [r for r in rows if r[5] != 0 and (r[0], r[2]) not in miscounted and r[4] >= 0]
    assert unexplained == []
    in_transit_reported = [r for r in rows if r[3] != 0 and (r[0], r[2]) not in miscounted and r[4] >= 0]
    assert len(in_transit_reported) >= 50 and all(r[5] == 0 for r in in_transit_reported)


def test_alerts_use_the_thresholds_of_the_truth(demo):
    root, q = demo
    expected = {(r["category"], r["tier"]): (Decimal(r["low_weeks"]), Decimal(r["high_weeks"]),
                                             int(r["source_row"]) if r["source_row"] else None)
                for r in truth(root, "alert_thresholds.csv")}
    rows = q("""select p.category, d.tier, a.low_weeks, a.high_weeks, a.threshold_source_row
                from marts.rpt_inventory_alerts as a
                join marts.dim_product as p on p.sku = a.sku
                join marts.dim_dealer as d on d.dealer_id = a.dealer_id""")
    assert rows and {(c, t) for c, t, *_ in rows if expected[(c, t)][2] is not None}
    for category, tier, low, high, source_row in rows:
        assert (low, high, source_row) == expected[(category, tier)], (category, tier)
