"""Whole runs in real processes: two nightly runs started together both succeed, one after the
other, on one warehouse; `dcw run` and `dagster job execute` build the same marts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from tests.dcw_runs import env_for, marts_contents, start_dcw
from tests.landing_builder import DEALERS, Landing

from pipelines.core.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow  # three whole runs in real processes

BIN = Path(sys.executable).parent


def tiny_landing(root: Path) -> Path:
    landing = Landing(root)
    landing.standard_erp()
    dealer = DEALERS[0]
    landing.sales(dealer, "202501", [Landing.sale(), Landing.sale(invoice_no="INV2", qty="0")])
    landing.inventory(dealer, "20250131", [Landing.stock()])
    landing.claims(dealer, [Landing.claim()])
    return landing.root


@pytest.fixture(scope="module")
def two_runs_together(tmp_path_factory):
    root = tmp_path_factory.mktemp("together")
    env = env_for(root, tiny_landing(root / "landing"))
    procs = [start_dcw("run", env=env, cwd=root) for _ in range(2)]
    outputs = [p.communicate(timeout=900)[0] for p in procs]
    return root, [p.returncode for p in procs], outputs


def test_two_runs_started_together_both_succeed(two_runs_together):
    root, codes, outputs = two_runs_together
    assert codes == [0, 0], "\n\n".join(outputs)
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        # every landed file ingested exactly once, although both runs saw them all as new
        per_file = con.execute("select count(*), count(distinct source_file) from raw.submissions").fetchone()
        sales_rows = con.execute("select count(*) from raw.sales").fetchone()[0]
    finally:
        con.close()
    landed = sum(1 for p in (root / "landing").rglob("*") if p.is_file())
    assert per_file == (landed, landed)
    assert sales_rows == 1  # the qty=0 line is quarantined, the other loaded once


def test_dagster_job_execute_builds_the_same_marts_as_dcw_run(two_runs_together, tmp_path):
    root, codes, _ = two_runs_together
    assert codes == [0, 0]
    env = env_for(tmp_path, root / "landing")
    (tmp_path / "dagster_home").mkdir()
    proc = subprocess.run(
        [str(BIN / "dagster"), "job", "execute", "-m", "pipelines.definitions", "-j", "nightly"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert marts_contents(tmp_path / "warehouse.duckdb") == marts_contents(root / "warehouse.duckdb")
