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
    assert Settings.from_env({}).feedback == Path.cwd() / "data" / "feedback"


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


def test_outputs_follow_the_warehouse_unless_set(tmp_path):
    cfg = Settings.from_env({"DCW_WAREHOUSE": str(tmp_path / "elsewhere" / "w.duckdb")})
    beside = tmp_path / "elsewhere"
    assert (cfg.feedback, cfg.serving, cfg.reports, cfg.logs) == (
        beside / "feedback", beside / "serving" / "dcw.duckdb", beside / "reports", beside / "logs")
    assert Settings.from_env({"DCW_REPORTS": "/srv/r"}, warehouse=tmp_path / "w.duckdb").reports == Path("/srv/r")
    moved = cfg.with_overrides(warehouse=tmp_path / "other" / "v.duckdb")
    assert moved.serving == tmp_path / "other" / "serving" / "dcw.duckdb"
    assert Settings.for_warehouse(tmp_path / "w.duckdb").feedback == tmp_path / "feedback"


def test_two_warehouses_never_mix_their_default_outputs(tmp_path):
    a = Settings.from_env({}, warehouse=tmp_path / "a.duckdb")
    b = Settings.from_env({}, warehouse=tmp_path / "b.duckdb")
    a.claim_outputs()
    a.claim_outputs()  # its own: fine, again and again
    b.claim_outputs()  # a does not exist (yet): nothing to mix with
    a.warehouse.touch()
    b.warehouse.touch()
    with pytest.raises(UserError, match=r"holds the feedback of the warehouse .*b\.duckdb.* DCW_FEEDBACK"):
        a.claim_outputs()
    # set explicitly, an output is the user's choice
    Settings.from_env({"DCW_FEEDBACK": str(tmp_path / "fa"), "DCW_SERVING": str(tmp_path / "sa.duckdb"),
                       "DCW_REPORTS": str(tmp_path / "ra")}, warehouse=a.warehouse).claim_outputs()


def test_receipts_can_be_turned_off():
    assert Settings.from_env({}).feedback_receipts
    assert not Settings.from_env({"DCW_FEEDBACK_RECEIPTS": "0"}).feedback_receipts
    cfg = Settings.from_env({"DCW_FEEDBACK_RECEIPTS": "off"})
    assert not WarehouseResource.from_settings(cfg).settings.feedback_receipts


def test_replenishment_suggestions_to_dealers_are_off_unless_turned_on():
    assert not Settings.from_env({}).feedback_replenishment
    assert not Settings.from_env({"DCW_FEEDBACK_REPLENISHMENT": ""}).feedback_replenishment
    cfg = Settings.from_env({"DCW_FEEDBACK_REPLENISHMENT": "1"})
    assert cfg.feedback_replenishment
    assert WarehouseResource.from_settings(cfg).settings.feedback_replenishment
