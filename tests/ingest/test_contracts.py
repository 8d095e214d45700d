"""The pandera models and the contract as data (spec.py) say the same thing."""

import pytest

from pipelines.contracts.spec import AMOUNT_RULES, FRACTION_RULES, KINDS, PERIOD_RULES, PRICE_RULES, QTY_RULES
from pipelines.ingest.normalise import DTYPES
from pipelines.ingest.validate import MODELS, _base_schema


@pytest.mark.parametrize("kind", list(KINDS))
def test_model_matches_spec(kind):
    schema = _base_schema(kind)
    spec = KINDS[kind]
    assert list(schema.columns) == list(spec.column_names)
    for col in spec.columns:
        c = schema.columns[col.name]
        assert c.dtype.type == DTYPES[col.type], col.name
        assert c.nullable == (not col.required), col.name
    named = {(name, ch.name) for name, c in schema.columns.items() for ch in c.checks}
    expected = set()
    if kind in QTY_RULES:
        expected.add((QTY_RULES[kind][0], "QTY_NOT_POSITIVE"))
    if kind in PRICE_RULES:
        expected.add((PRICE_RULES[kind], "PRICE_NOT_POSITIVE"))
    if kind in AMOUNT_RULES:
        expected.add((AMOUNT_RULES[kind], "AMOUNT_NOT_POSITIVE"))
    if kind in PERIOD_RULES:
        expected.add((PERIOD_RULES[kind], "BAD_DATE"))
    expected |= {(c, "BAD_NUMBER") for c in FRACTION_RULES.get(kind, ())}
    if kind == "alert_thresholds":
        expected.add(("tier", "BAD_THRESHOLDS"))
    assert named == expected
    frame_checks = {"sales": ["DATE_OUTSIDE_PERIOD"], "shipments": ["DELIVERY_BEFORE_SHIP"],
                    "alert_thresholds": ["BAD_THRESHOLDS"]}
    assert [c.name for c in schema.checks] == frame_checks.get(kind, [])


def test_every_kind_has_a_model():
    assert set(MODELS) == set(KINDS)
