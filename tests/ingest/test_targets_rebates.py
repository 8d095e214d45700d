"""The optional ERP snapshots targets and rebate_programs: what each bad row gets
(docs/input_contract.md, "Targets and rebate programmes")."""

import pytest


@pytest.mark.parametrize("override, codes", [
    ({"period": "2025-13"}, "BAD_DATE"),
    ({"period": "2025-Q5"}, "BAD_DATE"),
    ({"period": "2025Q1"}, "BAD_DATE"),
    ({"period": "2025-1"}, "BAD_DATE"),
    ({"period": "2025/01"}, "BAD_DATE"),
    ({"period": ""}, "MISSING_VALUE"),
    ({"target_value": "0"}, "AMOUNT_NOT_POSITIVE"),
    ({"target_value": "-5"}, "AMOUNT_NOT_POSITIVE"),
    ({"target_value": "lots"}, "BAD_NUMBER"),
    ({"dealer_id": "D9999"}, "UNKNOWN_DEALER"),
    ({"dealer_id": "D9999", "period": "2025-Q0", "target_value": "0"}, "BAD_DATE,AMOUNT_NOT_POSITIVE,UNKNOWN_DEALER"),
])
def test_target_row_codes(env, override, codes):
    good = [{"dealer_id": "D0001", "period": "2025-03", "target_value": "1,000.50"},
            {"dealer_id": "D0002", "period": "2025-Q1", "target_value": "3000"}]
    env.landing.erp("targets", "20250102", [good[0], {**good[1], **override}, {**good[1], "period": "2025-Q2"}])
    env.ingest()
    assert env.quarantine("targets_20250102.csv") == {2: codes}
    s = env.submission("targets_20250102.csv")
    assert (s["status"], s["rows_read"], s["rows_accepted"]) == ("partially_accepted", 3, 2)


@pytest.mark.parametrize("override, codes", [
    ({"quarter": "2025-03"}, "BAD_DATE"),
    ({"quarter": "2025-q1"}, "BAD_DATE"),
    ({"min_attainment": "-0.1"}, "BAD_NUMBER"),
    ({"rebate_rate": "1.01"}, "BAD_NUMBER"),
    ({"rebate_rate": "-0.01"}, "BAD_NUMBER"),
    ({"program_name": ""}, "MISSING_VALUE"),
])
def test_rebate_programme_row_codes(env, override, codes):
    tier = {"program_id": "P1", "program_name": "季度返利", "quarter": "2025-Q1", "region": "*",
            "min_attainment": "0.8", "rebate_rate": "0.02"}
    env.landing.erp("rebate_programs", "20250102", [
        tier, {**tier, "min_attainment": "1", "rebate_rate": "0.03", **override},
        {**tier, "min_attainment": "0", "rebate_rate": "1"}])
    env.ingest()
    assert env.quarantine("rebate_programs_20250102.csv") == {2: codes}


def test_the_two_kinds_are_snapshots(env):
    row = {"dealer_id": "D0001", "period": "2025-Q1", "target_value": "100"}
    env.landing.erp("targets", "20250102", [row])
    env.landing.erp("targets", "20250301", [{**row, "target_value": "200"}])
    env.ingest()
    assert env.submission("targets_20250102.csv")["status"] == "superseded"
    assert env.submission("targets_20250301.csv")["status"] == "accepted"
