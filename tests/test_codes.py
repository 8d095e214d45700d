"""The one table of codes (dbt_project/seeds/dcw_codes.csv, read by pipelines/codes.py): the
codes the input contract and the marts name, the checks on the table, and its readers."""

import re
from pathlib import Path

import pytest

from pipelines import codes
from pipelines.contracts.spec import FILE_CODES, KINDS, REFERENCE_RULES, ROW_CODE_ORDER, ROW_CODES, STATUSES
from pipelines.ingest.normalise import BAD_CODE
from pipelines.ingest.validate import _base_schema
from pipelines.reports.writeoff import STATUS_WORDS, WRITEOFF_CODES
from pipelines.synth import expect, plan

ROOT = Path(__file__).resolve().parent.parent


def test_the_families_hold_the_codes_the_contract_and_the_marts_name():
    # the literal names and orders are the requirement (docs/input_contract.md, docs/ingestion.md)
    assert codes.codes("file") == ("BAD_FILE_NAME", "UNKNOWN_DEALER", "UNREADABLE", "MISSING_COLUMNS",
                                   "EMPTY_FILE", "DUPLICATE_FILE", "BAD_SUBMISSION_TIME")
    assert codes.codes("row") == ("MISSING_VALUE", "BAD_DATE", "BAD_NUMBER", "QTY_NOT_POSITIVE",
                                  "PRICE_NOT_POSITIVE", "AMOUNT_NOT_POSITIVE", "DELIVERY_BEFORE_SHIP",
                                  "CLAIM_ID_TAKEN", "UNKNOWN_SKU", "UNKNOWN_CITY", "UNKNOWN_DEALER",
                                  "DATE_OUTSIDE_PERIOD", "DUPLICATE_ROW", "BAD_THRESHOLDS")
    assert codes.codes("writeoff") == ("UNKNOWN_CAMPAIGN", "DEALER_NOT_ELIGIBLE", "OUT_OF_WINDOW", "LATE_CLAIM",
                                       "DUPLICATE_CLAIM", "NO_SALES_EVIDENCE", "CAPPED_BY_SALES", "BUDGET_EXHAUSTED")
    assert codes.codes("diversion") == ("OUT_OF_TERRITORY", "FOREIGN_BATCH", "UNKNOWN_BATCH", "DOUBLE_REPORTED")
    assert codes.codes("customer_segment") == ("A", "B", "C", "lapsed")
    assert codes.codes("repurchase_status") == ("due", "overdue")
    assert codes.codes("submission_status") == ("accepted", "partially_accepted", "rejected", "duplicate", "superseded")
    assert codes.codes("claim_status") == ("approved", "partially_approved", "rejected")
    for family in codes.FAMILIES:
        words = codes.wording(family).values()
        # a reader must be able to tell two codes of a family apart in either language
        assert len({zh for zh, _ in words}) == len({en for _, en in words}) == len(words), family


def test_the_readers_take_their_codes_from_the_table():
    assert FILE_CODES == codes.wording("file") and ROW_CODES == codes.wording("row")
    assert ROW_CODE_ORDER == codes.codes("row") and STATUSES == codes.codes("submission_status")
    assert WRITEOFF_CODES == codes.wording("writeoff") and expect.RULES == codes.codes("writeoff")
    assert STATUS_WORDS == {"approved": "已核准 approved", "partially_approved": "部分核准 partially approved",
                            "rejected": "已驳回 rejected"}


def test_the_monthly_diversion_mart_has_a_pair_of_columns_per_rule():
    import yaml

    mart = ROOT / "dbt_project/models/marts/diversion/agg_dealer_diversion_monthly"
    (model,) = yaml.safe_load(mart.with_suffix(".yml").read_text(encoding="utf-8"))["models"]
    columns = [c["name"] for c in model["columns"]]
    per_rule = [c for c in columns if c.endswith(("_lines", "_qty")) and not c.startswith("flagged")]
    assert per_rule == [f"{rule.lower()}_{what}" for rule in codes.codes("diversion") for what in ("lines", "qty")]
    rules = re.search(r"set rules = \[(.*?)\]", mart.with_suffix(".sql").read_text(encoding="utf-8")).group(1)
    assert tuple(re.findall(r"'(\w+)'", rules)) == codes.codes("diversion")


def test_every_row_code_the_ingestion_and_the_generator_name_is_in_the_table():
    named = {code for code, _, _ in REFERENCE_RULES.values()} | set(BAD_CODE.values())
    for kind in KINDS:
        schema = _base_schema(kind)
        named |= {ch.name for c in schema.columns.values() for ch in c.checks} | {ch.name for ch in schema.checks}
    for cases in (plan.SALES_BAD_ROWS, plan.INVENTORY_BAD_ROWS, plan.SHIPMENT_BAD_ROWS, plan.CLAIM_BAD_ROWS):
        named |= {code for case in cases for code in case}
    assert named - set(codes.codes("row")) == set()


def _section_codes(text: str, heading: str) -> list[str]:
    """The codes in the first column of the table under `heading`."""
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([A-Za-z_]+)` \|", section, flags=re.MULTILINE)


def test_the_input_contract_page_lists_the_codes_of_the_table():
    text = (ROOT / "docs" / "input_contract.md").read_text(encoding="utf-8")
    assert _section_codes(text, "## What happens to every file") == list(codes.codes("submission_status"))
    # DUPLICATE_FILE is told with the status `duplicate`, not as a rejection
    assert _section_codes(text, "### File-level reasons") == [c for c in codes.codes("file") if c != "DUPLICATE_FILE"]
    assert "`DUPLICATE_FILE`" in text
    assert _section_codes(text, "### Row-level reasons") == list(codes.codes("row"))


GOOD = "family,code,rule_order,zh,en\nrow,A,1,甲,a\nrow,B,2,乙,b\n"


@pytest.mark.parametrize("text, message", [
    (GOOD.replace("rule_order", "order"), "header must be"),
    (GOOD + "row,A,3,丙,c\n", "lists a code twice"),
    (GOOD.replace("row,B,2", "row,B,3"), "rule_order of family row must be 1..2"),
    (GOOD.replace("row,B,2", "row,B,two"), "must be a whole number"),
    (GOOD.replace("row,B", "rows,B"), "unknown family 'rows'"),
    (GOOD.replace("乙", ""), "non-empty values"),
    (GOOD.replace(",b\n", ", b\n"), "without surrounding spaces"),
    (GOOD.replace(",b\n", ",b,x\n"), "5 non-empty values"),
])
def test_a_malformed_table_is_refused(text, message):
    assert codes.parse(GOOD) == (codes.Code("row", "A", 1, "甲", "a"), codes.Code("row", "B", 2, "乙", "b"))
    with pytest.raises(ValueError, match=re.escape(message)):
        codes.parse(text)


def test_an_unknown_family_is_an_error():
    with pytest.raises(KeyError, match="unknown code family"):
        codes.codes("rows")
