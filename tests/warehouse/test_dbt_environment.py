"""The run's settings reach dbt as the environment of dbt's process alone: dbt sees them
(here: the raw folder in the sources it renders), this process's environment stays as it was."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.core.errors import UserError
from pipelines.dbt import LOG_FILE_ONLY, WarehouseBuildError, dbt_duckdb_memory, dbt_env, dbt_resource, dbt_threads, joined_selection, run_dbt, node_args


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


def test_dbt_gets_two_threads_on_a_small_warehouse_and_one_on_a_large(tmp_path):
    """Two nodes at once only where the warehouse is a small part of dbt's memory bound (the
    demo), or, building a selection, within the bound (M); one at scale (profiles.yml,
    bench/README.md "Memory at L"); DCW_DBT_THREADS decides."""
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb")
    cfg.warehouse.write_bytes(b"x" * 1000)
    (cfg.raw / "sales").mkdir(parents=True)
    (cfg.raw / "sales" / "b1.parquet").write_bytes(b"x" * 1000)
    assert dbt_threads(cfg) == 2
    assert node_args(["build", "--select", "a+"], cfg) == ["build", "--select", "a+", "--threads", "2", "--no-write-json"]
    assert node_args(["parse"], cfg) == ["parse"]
    assert node_args(["build"], cfg, target="spark") == ["build", "--no-write-json"]  # its profile's threads
    with open(cfg.warehouse, "r+b") as f:  # a sparse 400 MB file: more than 2250MB / 8
        f.truncate(400 * 10**6)
    assert dbt_threads(cfg) == 1
    # a selection (a night's, an intraday run's) rebuilds by keys: two while within the bound
    assert node_args(["build", "--select", "a+"], cfg) == ["build", "--select", "a+", "--threads", "2", "--no-write-json"]
    assert node_args(["build", "--select", "a+", "--full-refresh"], cfg)[-2] == "1"
    assert node_args(["build", "--exclude", "a"], cfg)[-2] == "1"
    with open(cfg.warehouse, "r+b") as f:  # 2,300 MB: more than the bound, 2250MB (scale L)
        f.truncate(2300 * 10**6)
    assert node_args(["build", "--select", "a+"], cfg)[-2] == "1"
    cfg.warehouse.write_bytes(b"x")  # the first build: the raw layer stands in for the file
    with open(cfg.raw / "sales" / "b1.parquet", "r+b") as f:
        f.truncate(40 * 10**6)
    assert dbt_threads(cfg) == 1
    chosen = Settings.from_env({"DCW_WAREHOUSE": str(cfg.warehouse), "DCW_DBT_THREADS": "3"})
    assert dbt_threads(chosen) == 3
    assert dbt_threads(WarehouseResource.from_settings(chosen).settings) == 3  # it travels to Dagster's runs
    with pytest.raises(UserError, match="DCW_DBT_THREADS"):
        Settings.from_env({"DCW_DBT_THREADS": "two"})


def test_no_dbt_adapter_is_opened_in_this_process(tmp_path):
    """dagster-dbt would open dbt's adapter here before each invocation (loading the project
    and parsing every macro a second time) for row counts dcw never asks for."""
    invocation = dbt_resource().cli(["--version"], raise_on_error=False, target_path=tmp_path)
    invocation.wait()
    assert invocation.adapter is None


def test_a_dagster_invocation_logs_text_for_people_and_run_dbt_s_json_for_itself(tmp_path):
    """dagster-dbt reads the events from stdout: dbt's log file of an asset's run is text; an
    invocation choosing the file's format (run_dbt's LOG_FILE_ONLY) keeps its choice."""
    people = dbt_resource().cli(["--version"], raise_on_error=False, target_path=tmp_path / "a")
    chosen = dbt_resource().cli(["--version", *LOG_FILE_ONLY], raise_on_error=False, target_path=tmp_path / "b")
    for invocation in (people, chosen):
        invocation.wait()
    assert " ".join(people.process.args).endswith("--log-format-file text")
    assert " ".join(chosen.process.args).count("--log-format-file") == 1


def test_node_results_come_from_dbt_s_log_when_it_writes_no_json(tmp_path):
    """A build writes no run_results.json (--no-write-json): each node's status and message
    are read from dbt's log, and a failing node is still named with dbt's reason."""
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb")  # nothing built: the view is missing
    with pytest.raises(WarehouseBuildError, match=r"dbt test failed: test not_null_stg_regions_city_code: .*stg_regions"):
        run_dbt(["test", "--select", "not_null_stg_regions_city_code"], cfg, artifacts=tmp_path / "dbt")
    assert not (tmp_path / "dbt" / "run_results.json").exists()


def test_dbt_s_process_keeps_dbt_s_exit_status_and_output():
    """dbt runs as pipelines.dbt_process, which leaves without the interpreter's teardown: what
    dbt printed still arrives (flushed first) and dbt's exit status is the process's."""
    import subprocess
    import sys

    from pipelines.dbt_process import exit_code

    def dbt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipelines.dbt_process", *args], capture_output=True, text=True)

    version = dbt("--version")
    assert version.returncode == 0 and "Core:" in version.stdout
    unknown = dbt("build", "--no-such-option")
    assert unknown.returncode == 2 and "no-such-option" in unknown.stderr
    assert [exit_code(None), exit_code(3), exit_code("a message")] == [0, 3, 1]


def test_dbt_s_process_closes_the_warehouse_before_it_leaves(tmp_path):
    """Leaving without the teardown still closes the database dbt kept open: its write-ahead
    log is checkpointed into the file and removed, as a normal exit does, so the next reader
    does not replay it."""
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb")
    run_dbt(["seed"], cfg, artifacts=tmp_path / "dbt")
    assert cfg.warehouse.exists()
    assert not cfg.warehouse.with_name("w.duckdb.wal").exists()
