"""The claim's free-text description reaches fct_expense_writeoff as sent (finance's
write-off report shows it)."""

from __future__ import annotations

from tests.warehouse.scorecard_scenario import CLAIM_DESCRIPTION


def test_claim_description_is_passed_through(scorecard_warehouse):
    q = scorecard_warehouse[1]
    assert q("""select claim_id, description, status, reason_codes
                from marts.fct_expense_writeoff""") == [
        ("CL1", CLAIM_DESCRIPTION, "rejected", "UNKNOWN_CAMPAIGN")]
