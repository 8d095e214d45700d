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
