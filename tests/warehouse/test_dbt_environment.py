"""The run's settings reach dbt as the environment of dbt's process alone: dbt sees them
(here: the raw folder in the sources it renders), this process's environment stays as it was."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest

from pipelines.core.settings import Settings
from pipelines.core.errors import UserError
from pipelines.dbt import dbt_duckdb_memory, dbt_env, joined_selection, run_dbt


def test_the_settings_reach_dbt_and_only_dbt(tmp_path):
    raw = tmp_path / "elsewhere_raw"
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb", as_of=date(2025, 4, 5), raw=raw)
    before = dict(os.environ)
    run_dbt(["parse"], cfg, artifacts=tmp_path / "parse")
    manifest = json.loads((tmp_path / "parse" / "manifest.json").read_text(encoding="utf-8"))
    relations = [s["relation_name"] for s in manifest["sources"].values()]
    assert relations and all(f"'{raw}/" in r for r in relations)
    assert dict(os.environ) == before


@pytest.mark.parametrize("args, expected", [
    (["test", "--select", "a", "b", "--quiet"], ["test", "--select", "a b", "--quiet"]),
    (["build", "-s", "x", "--exclude", "y", "z"], ["build", "-s", "x", "--exclude", "y z"]),
    (["run", "--target-path", "t"], ["run", "--target-path", "t"]),
])
def test_several_selected_nodes_stay_one_selection(args, expected):
    """dagster-dbt takes one value after --select: several become one union for dbt."""
    assert joined_selection(args) == expected


@pytest.mark.parametrize("bound, duckdb", [("3GB", "2250MB"), ("4GiB", "3544MB"), ("1200MB", "1000MB")])
def test_duckdb_in_dbt_leaves_room_for_dbt_and_its_python_models(tmp_path, bound, duckdb):
    """dbt's DuckDB gets the run's memory bound less what dbt's process holds besides
    (dbt_project/README.md, Memory), never below a working floor."""
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb").with_overrides(duckdb_memory=bound)
    assert dbt_env(cfg)["DCW_DUCKDB_MEMORY"] == duckdb


def test_a_memory_bound_that_is_no_size_is_one_line():
    with pytest.raises(UserError, match="DCW_DUCKDB_MEMORY"):
        dbt_duckdb_memory("plenty")
