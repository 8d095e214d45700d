"""The forecast on the generator's demo world (seed 42, its promotions and moving holidays),
scored as bench/forecast_ceiling.py scores it: the issue's margin over seasonal naive at sku ×
region, the interval's coverage, and the oracle of the generator's expected demand beyond
both (docs/marts.md, "How far it could get")."""

import pytest

from bench.forecast_ceiling import ceiling


@pytest.mark.slow
def test_the_forecast_beats_seasonal_naive_by_a_quarter_on_the_demo_world(demo):
    result = ceiling(demo)
    # 27% below seasonal naive over the rolling backtest; the oracle that knows the
    # generator's expected demand 37% below: the noise floor leaves room
    assert result["chosen"] <= 0.74 * result["seasonal_naive"]
    assert 0.75 <= result["coverage"] <= 0.85
    assert result["oracle"] < result["chosen"] < result["seasonal_naive"]
    assert result["oracle_margin"] > 0.30
