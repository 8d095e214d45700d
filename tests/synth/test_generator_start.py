"""A period may start in any month `--start` allows (2015-01 to 2040-12): every dealer is
under contract, and so has a city to sell into, from the period's first month on."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.synth import GeneratorParams, generate
from pipelines.synth.plan import Plan


@pytest.mark.parametrize("start", [date(2015, 1, 1), date(2020, 1, 1), date(2023, 11, 1)])
def test_an_early_period_generates_with_every_contract_open(tmp_path, start):
    params = GeneratorParams(out=tmp_path / "landing", seed=1, dealers=5, skus=6, months=2, start=start)
    assert all(d.contract_start <= start for d in Plan(params).dealers)
    summary = generate(params)
    assert summary["sales_lines"] > 0
