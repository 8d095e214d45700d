"""What changes every night (the business date) is read when dbt runs, not while it parses,
so a night's dbt starts from the last parse as it is (dbt_project/README.md, "What a night
builds")."""

import json
from datetime import date

import pytest

from pipelines.core.settings import Settings
from pipelines.dbt import dbt_env, parse_state_cache, run_dbt


@pytest.mark.slow  # two dbt parses
def test_a_night_that_moves_the_business_date_reparses_nothing(tmp_path):
    cfg = Settings.for_warehouse(tmp_path / "warehouse.duckdb")
    try:
        run_dbt(["parse"], cfg.with_overrides(as_of=date(2026, 10, 15)), artifacts=tmp_path / "night1")
        run_dbt(["parse"], cfg.with_overrides(as_of=date(2026, 10, 16)), artifacts=tmp_path / "night2")
    finally:
        parse_state_cache(dbt_env(cfg)).unlink(missing_ok=True)
    perf = json.loads((tmp_path / "night2" / "perf_info.json").read_text(encoding="utf-8"))
    assert perf["is_partial_parse_enabled"]
    assert perf["parsed_path_count"] == 0
