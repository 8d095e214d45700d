"""Settings are built once from options over the DCW_* environment over the defaults, and the
warehouse resource carries exactly them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.core.errors import UserError
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings


def test_options_win_over_the_environment_which_wins_over_the_defaults(tmp_path):
    env = {"DCW_WAREHOUSE": str(tmp_path / "env.duckdb"), "DCW_LANDING": str(tmp_path / "env_landing"),
           "DCW_AS_OF": "2025-03-10", "DCW_DUCKDB_MEMORY": "1GB"}
    cfg = Settings.from_env(env, landing=tmp_path / "option_landing")
    assert cfg.landing == tmp_path / "option_landing"
    assert cfg.warehouse == tmp_path / "env.duckdb"
    assert cfg.raw == tmp_path / "env_raw"  # beside the warehouse, named after it
    assert cfg.as_of == date(2025, 3, 10) and cfg.duckdb_memory == "1GB"
    assert Settings.from_env(env, as_of=date(2025, 1, 1)).as_of == date(2025, 1, 1)
    assert Settings.from_env({}).serving == Path.cwd() / "data" / "serving" / "dcw.duckdb"


def test_dcw_raw_names_the_raw_layer():
    assert Settings.from_env({"DCW_RAW": "/srv/raw"}, warehouse=Path("/srv/w.duckdb")).raw == Path("/srv/raw")


def test_without_a_business_date_it_is_today_when_read():
    cfg = Settings.from_env({})
    assert cfg.pinned_as_of is None and cfg.as_of == date.today()
    assert WarehouseResource.from_settings(cfg).as_of is None


def test_a_bad_business_date_is_one_line():
    with pytest.raises(UserError, match="DCW_AS_OF must be YYYY-MM-DD"):
        Settings.from_env({"DCW_AS_OF": "yesterday"})


def test_the_resource_carries_the_settings_unchanged(tmp_path):
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb", as_of=date(2025, 4, 5), landing=tmp_path / "in")
    assert WarehouseResource.from_settings(cfg).settings == cfg
    assert cfg.with_overrides(warehouse=tmp_path / "v.duckdb").raw == tmp_path / "v_raw"
