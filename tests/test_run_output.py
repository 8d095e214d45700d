"""What an operator sees of `dcw run`: a first line at once, then every stage; and the
closing summary of this run's files before the warehouse's totals."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from pipelines.core.settings import Settings
from pipelines.ingest import run_ingestion
from pipelines.orchestration.nightly import summarise
from tests.dcw_runs import start_dcw, stop
from tests.landing_builder import Landing


def test_dcw_run_says_what_it_does_within_the_first_second(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    started = time.monotonic()
    proc = start_dcw("run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"))
    try:
        first = proc.stdout.readline()
        took = time.monotonic() - started
    finally:
        stop(proc)
    assert first.startswith("[dcw] nightly run started at ") and "ingest, dbt" in first, first
    # the interpreter and the command line's imports, not Dagster's nor dbt's
    assert took < 1.0, took


def test_the_summary_gives_this_runs_files_first_then_the_warehouse_totals(tmp_path):
    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    cfg = Settings.for_warehouse(tmp_path / "w.duckdb", landing=lb.root)
    run_ingestion(cfg.landing, cfg.warehouse, cfg.feedback)
    since = datetime.now()
    lb.sales("D0001", "202501", [lb.sale(), lb.sale(qty="x")])
    run_ingestion(cfg.landing, cfg.warehouse, cfg.feedback)
    lines = summarise(cfg, since=since).splitlines()
    assert lines[0] == "this run: files 1 partially_accepted; rows 1 accepted, 1 quarantined"
    assert lines[1].startswith("warehouse totals: files ") and "1 partially_accepted" in lines[1]
    assert "accepted, " in lines[1] and lines[1] != lines[0]


def test_the_forecast_models_are_a_stage_of_their_own(capsys):
    import io

    from pipelines.orchestration.nightly import DbtLogStream

    stream = DbtLogStream(io.StringIO(), lambda *a: None)
    stream.write("5 of 9 START python table model marts.fct_forecast ..... [RUN]\n"
                 "5 of 9 OK created python table model marts.fct_forecast ..... [OK in 20.1s]\n"
                 "6 of 9 OK created sql table model marts.dim_date ..... [OK in 0.1s]\n")
    assert capsys.readouterr().err.splitlines() == [
        "[forecast] fitting marts.fct_forecast", "[forecast] OK marts.fct_forecast [OK in 20.1s]"]


@pytest.mark.slow  # a whole `dcw run`
def test_dcw_run_reports_every_stage_with_its_time_and_a_total(tmp_path):
    from tests.dcw_runs import dcw, env_for

    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    lb.sales("D0001", "202501", [lb.sale(), lb.sale(qty="x")])
    proc = dcw("run", env=env_for(tmp_path / "run", lb.root))
    assert proc.returncode == 0, proc.stderr[-3000:]
    err = proc.stderr.splitlines()
    assert err[0].startswith("[dcw] nightly run started at ")
    for label in ("ingest", "dbt", "forecast", "checks", "publish"):
        lines = [line for line in err if line.startswith(f"[{label}] ")]
        assert lines, (label, proc.stderr[-3000:])
        if label != "forecast":
            assert re.search(r"\(\d+\.\ds\)$", lines[-1]), lines  # ended with its time
    assert re.match(r"\[dcw\] nightly run done in \d+\.\ds$", err[-1]), err[-1]
    out = proc.stdout.splitlines()
    # the ERP set and the dealer's file, then the same as totals: the warehouse was new
    assert out[0] == "this run: files 8 accepted, 1 partially_accepted; rows 23 accepted, 1 quarantined", out
    assert out[1] == "warehouse totals: files 8 accepted, 1 partially_accepted; rows 23 accepted, 1 quarantined"
