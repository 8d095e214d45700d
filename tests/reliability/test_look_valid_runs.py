"""Files that look valid, and operator mistakes, against the reference run: the marts of a
warehouse that received the hostile file equal the reference's (but for the file's own line
in the submission log), closed write-off months stay byte-identical, and every refusal is one
line naming the file and the fix, with exit status 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date

import duckdb
import pytest
from tests.dcw_runs import dcw, marts_contents
from tests.landing_builder import Landing
from tests.reliability.reliability_env import D1, D2, copy_root

from pipelines.dbt import build_warehouse
from pipelines.ingest import run_ingestion

pytestmark = pytest.mark.slow  # builds the marts of a copy of the reference warehouse

AS_OF = date(2025, 3, 10)  # the reference run's DCW_AS_OF


@pytest.fixture
def copied(reference, tmp_path):
    """A copy of the reference warehouse folder and its landing, and a function that ingests
    new files and rebuilds the marts."""
    root, env = copy_root(reference.root, tmp_path / "root")
    landing = Landing(tmp_path / "landing")
    shutil.copytree(reference.landing, landing.root, dirs_exist_ok=True)
    env = {**env, "DCW_LANDING": str(landing.root)}

    def ingest():
        summary = run_ingestion(landing.root, root / "warehouse.duckdb", root / "feedback")
        build_warehouse(root / "warehouse.duckdb", AS_OF)
        return summary, marts_contents(root / "warehouse.duckdb")

    return root, landing, env, ingest


def _log(warehouse) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {r[0]: r[1:] for r in con.execute(
            "select source_file, status, reason_code from marts.dq_submissions").fetchall()}


def _last_line(proc: subprocess.CompletedProcess) -> str:
    """The one `dcw: error:` line a refused run ends with (exit status 2)."""
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("dcw: error: ") and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return last


def test_hostile_files_that_look_valid_change_nothing_but_their_own_log_lines(reference, copied):
    root, landing, _, ingest = copied
    sale, claim = Landing.sale, Landing.claim
    hostile = {
        # a stamp from the future would have superseded D2's real February for good
        landing.sales(D2, "202502", [sale(sale_date="2025-02-05", qty="900")],
                      submitted="20990101T000000"): ("rejected", "BAD_SUBMISSION_TIME"),
        # a month far ahead would have grown the monthly marts to 2099
        landing.sales(D1, "209912", [sale(sale_date="2099-12-01")],
                      submitted="20250301T000000"): ("rejected", "BAD_SUBMISSION_TIME"),
        landing.sales(D1, "999912", [sale()], submitted="99991231T000000"): ("rejected", "BAD_SUBMISSION_TIME"),
        # D2 reusing D1's claim CL1 would have replaced D1's claim and moved its budget
        landing.claims(D2, [claim(amount="99999")], submitted="20250301T000000"): ("partially_accepted", None),
        # a BOM with GBK rows: names garbled either way
        landing.write(f"dealers/{D1}/inventory_{D1}_20250228_20250301T000000.csv",
                      "\ufeffsku,qty_on_hand,batch_no\n".encode() + "SKU001,1,批一\n".encode("gbk")):
            ("rejected", "UNREADABLE"),
    }
    _, marts = ingest()
    names = {p.relative_to(landing.root).as_posix(): fate for p, fate in hostile.items()}
    before, after = _log(reference.warehouse), _log(root / "warehouse.duckdb")
    assert {f: after.pop(f) for f in names} == names
    assert after == before
    counting = ("dq_submissions", "dq_quarantine", "fct_dealer_scorecard")  # these count the files
    assert {t: rows for t, rows in marts.items() if t not in counting} == \
        {t: rows for t, rows in reference.marts.items() if t not in counting}


def test_a_closed_month_stays_byte_identical_when_a_late_claim_for_it_lands(copied):
    root, landing, env, ingest = copied
    report = root / "report"
    assert dcw("close", "--month", "2025-02", env=env, cwd=root).returncode == 0
    assert "was closed already" in dcw("close", "--month", "2025-02", env=env, cwd=root).stdout
    first = dcw("report", "writeoff", "--month", "2025-02", "--format", "csv", "--out", str(report / "a"),
                env=env, cwd=root)
    assert first.returncode == 0, first.stderr
    # a claim stamped in the closed month, arriving now, and D1 resubmitting its closed claim
    landing.claims(D2, [Landing.claim(claim_id="CL9", amount="300")], submitted="20250220T100000")
    landing.claims(D1, [Landing.claim(amount="1")], submitted="20250227T100000")
    ingest()
    again = dcw("report", "writeoff", "--month", "2025-02", "--format", "csv", "--out", str(report / "b"),
                env=env, cwd=root)
    assert again.returncode == 0, again.stderr
    written = sorted(p.name for p in (report / "a").iterdir())
    assert written and written == sorted(p.name for p in (report / "b").iterdir())
    for name in written:
        assert (report / "a" / name).read_bytes() == (report / "b" / name).read_bytes(), name
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        late = con.execute("select writeoff_month from marts.fct_expense_writeoff where claim_id = 'CL9'").fetchall()
    assert late == [(date(2025, 3, 1),)]  # written off in the first open month


def test_feedback_that_cannot_be_written_fails_the_run_and_is_written_by_the_next(copied):
    root, landing, env, _ = copied
    bad = landing.sales(D1, "202502", [Landing.sale(sale_date="2025-02-06", qty="x")], submitted="20250301T000000")
    feedback = root / "feedback_elsewhere"
    feedback.write_text("a file where the folder should be")
    env = {**env, "DCW_FEEDBACK": str(feedback)}
    line = _last_line(dcw("run", env=env, cwd=root))
    assert "feedback for 1 file(s) could not be written" in line and str(feedback) in line
    feedback.unlink()
    proc = dcw("run", env=env, cwd=root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (feedback / D1 / f"{bad.name}.feedback.csv").exists()


def test_operator_mistakes_are_refused_in_one_line(reference, copied, tmp_path):
    root, landing, env, _ = copied
    warehouse = root / "warehouse.duckdb"
    marts = marts_contents(warehouse)

    other = tmp_path / "another_world"
    Landing(other).standard_erp()
    line = _last_line(dcw("run", env={**env, "DCW_LANDING": str(other)}, cwd=root))
    assert "built from landing folder" in line and "--move-inputs" in line
    assert marts_contents(warehouse) == marts

    # an analyst holding the warehouse open read-only: refused at once, not after retries
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(warehouse)!r}, read_only=True)\n"
                               "print('open', flush=True)\ntime.sleep(600)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        line = _last_line(dcw("run", env=env, cwd=root))
        assert time.monotonic() - started < 60
        assert f"the warehouse {warehouse} is held open by another process" in line and "serving file" in line
        assert "dbt's log" not in line
    finally:
        holder.kill()
        holder.wait()

    raw = root / "warehouse_raw"
    [gone] = [p for p in (raw / "products").glob("*.parquet") if p.name != "schema.parquet"]
    aside = tmp_path / "aside.parquet"
    gone.rename(aside)
    line = _last_line(dcw("run", env=env, cwd=root))
    assert f"the raw file {gone} is missing" in line and "dcw restore" in line
    aside.rename(gone)

    saved = warehouse.read_bytes()
    warehouse.write_bytes(b"\x00" * 4096)  # a damaged warehouse
    line = _last_line(dcw("run", env=env, cwd=root))
    assert f"the warehouse {warehouse} cannot be opened" in line and "dcw restore" in line
    assert "dbt's log" not in line

    warehouse.unlink()  # a lost warehouse beside its raw layer
    files = sorted(p for p in raw.rglob("*.parquet"))
    line = _last_line(dcw("run", env=env, cwd=root))
    assert f"no warehouse at {warehouse}" in line and "dcw restore" in line
    assert sorted(p for p in raw.rglob("*.parquet")) == files
    warehouse.write_bytes(saved)
    assert all(os.stat(p).st_mode & 0o007 == 0 for p in files if p.name != "schema.parquet")
