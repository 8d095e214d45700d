"""Targets and rebates on the hand-made landing of rebate_scenario: every figure of
fct_target_attainment and fct_rebate_accrual worked out by hand (docs/marts.md, targets/)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.warehouse.rebate_scenario import rebate_channel
from tests.warehouse.warehouse_helpers import build_from_landing

pytestmark = pytest.mark.slow  # landings ingested and built with dbt

AS_OF = date(2025, 6, 1)


@pytest.fixture(scope="module")
def q(tmp_path_factory):
    return build_from_landing(rebate_channel, tmp_path_factory.mktemp("rebates"), AS_OF)


@pytest.fixture(scope="module")
def q_without(tmp_path_factory):
    return build_from_landing(lambda lb: rebate_channel(lb, with_targets=False),
                              tmp_path_factory.mktemp("no_targets"), AS_OF)


def test_rebate_accruals_by_hand(q):
    rows = q("""select dealer_id, quarter_target, target_basis, verified_value, excluded_lines, excluded_value,
                       attainment, tier_min_attainment, rebate_rate, rebate_amount, status
                from marts.fct_rebate_accrual where program_id = 'P1' order by dealer_id""")
    D = Decimal
    assert rows == [
        # exactly on the 1.0 boundary; the diverted 300 would have reached 1.2
        ("D0001", D("1000.2"), "quarter", D("1000.2"), 1, D(300), 1.0, D("1.0"), D("0.03"), D("30.01"), "earned"),
        ("D0002", D(1500), "months", D(600), 0, D(0), 0.4, None, None, D(0), "not_reached"),
        ("D0003", None, None, D(150), 0, D(0), None, None, None, D(0), "no_target"),
    ]
    # P2 covers region North, where no dealer is
    assert q("select count(*) from marts.fct_rebate_accrual where program_id = 'P2'") == [(0,)]


def test_target_attainment_by_hand(q):
    rows = q("""select dealer_id, period, period_start, period_end, target_value, verified_value, attainment,
                       excluded_lines
                from marts.fct_target_attainment order by dealer_id, period""")
    D = Decimal
    assert rows == [
        ("D0001", "2025-Q1", date(2025, 1, 1), date(2025, 3, 31), D("1000.2"), D("1000.2"), 1.0, 1),
        ("D0002", "2025-01", date(2025, 1, 1), date(2025, 1, 31), D(500), D(300), 0.6, 0),
        ("D0002", "2025-02", date(2025, 2, 1), date(2025, 2, 28), D(500), D(100), 0.2, 0),
        ("D0002", "2025-03", date(2025, 3, 1), date(2025, 3, 31), D(500), D(200), 0.4, 0),
    ]
    # the two bad target rows are quarantined, not dropped
    assert q("""select source_row, reason_codes from marts.dq_quarantine
                where source_file = 'erp/targets_20250101.csv' order by 1""") == [
        (5, "BAD_DATE"), (6, "AMOUNT_NOT_POSITIVE")]


def test_scorecard_shows_attainment_without_weight(q, q_without):
    sql = "select dealer_id, month, target_attainment, composite_score from marts.fct_dealer_scorecard order by 1, 2"
    rows, plain = q(sql), q_without(sql)
    assert {(d, m): a for d, m, a, _ in rows if a is not None} == {
        ("D0001", date(2025, 1, 1)): 1.0, ("D0001", date(2025, 2, 1)): 1.0, ("D0001", date(2025, 3, 1)): 1.0,
        ("D0002", date(2025, 1, 1)): 0.6, ("D0002", date(2025, 2, 1)): 0.2, ("D0002", date(2025, 3, 1)): 0.4}
    assert [(d, m, s) for d, m, _, s in rows] == [(d, m, s) for d, m, _, s in plain]
    assert all(a is None for _, _, a, _ in plain)


def test_without_the_new_kinds_the_new_marts_are_empty_and_the_rest_unchanged(q, q_without):
    assert q_without("select count(*) from marts.fct_rebate_accrual") == [(0,)]
    assert q_without("select count(*) from marts.fct_target_attainment") == [(0,)]
    tables = [t for (t,) in q("select table_name from information_schema.tables where table_schema = 'marts' "
                              "order by 1")]
    assert "fct_rebate_accrual" in tables
    for t in tables:
        if t in ("fct_rebate_accrual", "fct_target_attainment", "dq_submissions", "dq_quarantine",
                 "fct_dealer_scorecard", "fct_forecast", "fct_forecast_accuracy"):
            continue
        sql = f"select * from marts.{t} order by all"
        assert q(sql) == q_without(sql), t
