"""Exactly once: the same landing twice gives the same marts; a byte-identical copy changes
nothing; a resubmission replaces exactly the file it supersedes and nothing else."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest
from tests.landing_builder import SKUS, Landing
from tests.dcw_runs import dcw_run, marts_contents
from tests.reliability.reliability_env import D2, copy_root

from pipelines.dbt import build_warehouse
from pipelines.ingest import run_ingestion

pytestmark = pytest.mark.slow  # whole `dcw run`s compared with the reference run

AS_OF = date(2025, 3, 10)  # the reference run's DCW_AS_OF (reliability_env.env_for)
OLD_D2_JAN = f"dealers/{D2}/sales_{D2}_202501_20250204T080000.xlsx"


def test_second_run_over_the_same_landing_gives_identical_marts(reference, tmp_path):
    root, env = copy_root(reference.root, tmp_path / "again")
    dcw_run(env, root)
    assert marts_contents(root / "warehouse.duckdb") == reference.marts


@pytest.fixture
def landed_again(reference, tmp_path):
    """A copy of the reference warehouse and of its landing, to land more files into; then
    `ingest()` loads the new files and rebuilds the marts (the nightly's ingest + dbt)."""
    root, _ = copy_root(reference.root, tmp_path / "root")
    landing = tmp_path / "landing"
    shutil.copytree(reference.landing, landing)

    def ingest():
        run_ingestion(landing, root / "warehouse.duckdb", root / "feedback")
        build_warehouse(root / "warehouse.duckdb", AS_OF)
        return marts_contents(root / "warehouse.duckdb")

    return root, Landing(landing), ingest


def dq_rows(warehouse, where: str = "true") -> dict[str, tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {r[0]: r[1:] for r in con.execute(
            f"select source_file, status, content_hash, superseded_by, duplicate_of, rows_read, rows_accepted "
            f"from marts.dq_submissions where {where}").fetchall()}
    finally:
        con.close()


def test_relanding_a_byte_identical_copy_changes_nothing_but_its_own_log_line(reference, landed_again):
    root, landing, ingest = landed_again
    original = f"dealers/{D2}/sales_{D2}_202502_20250302T080000.csv"
    copy = f"dealers/{D2}/sales_{D2}_202502_20250310T080000.csv"  # newer: would supersede if loaded
    landing.write(copy, (landing.root / original).read_bytes())
    marts = ingest()

    before, after = dq_rows(reference.warehouse), dq_rows(root / "warehouse.duckdb")
    assert set(after) - set(before) == {copy}
    status, content_hash, _, duplicate_of, rows_read, _ = after.pop(copy)
    assert (status, duplicate_of, rows_read) == ("duplicate", original, 0)
    assert content_hash == before[original][1]
    assert after == before
    del marts["dq_submissions"]
    assert marts == {t: rows for t, rows in reference.marts.items() if t != "dq_submissions"}


def line_marts(warehouse) -> dict[str, set[tuple]]:
    """Line-grain marts (one row per accepted sales line or line x rule), keyed by file."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: set(con.execute(f"select * exclude (source_row) from marts.{t}").fetchall())
                for t in ("fct_price_deviation", "fct_diversion_flags")}
    finally:
        con.close()


def test_a_resubmission_replaces_exactly_the_file_it_supersedes(reference, landed_again):
    root, landing, ingest = landed_again
    new = landing.sales(D2, "202501", [
        Landing.sale(invoice_no="INV20", sku=SKUS[0], qty="7", unit_price="95"),
        Landing.sale(invoice_no="INV21", sku=SKUS[1], qty="1", unit_price="130", sale_date="2025-01-20"),
    ], submitted="20250210T080000")
    new_file = new.relative_to(landing.root).as_posix()
    ingest()

    before, after = dq_rows(reference.warehouse), dq_rows(root / "warehouse.duckdb")
    assert before[OLD_D2_JAN][0] == "accepted"
    assert after[OLD_D2_JAN][0] == "superseded" and after[OLD_D2_JAN][2] == new_file
    assert after.pop(new_file)[0] == "accepted"
    del after[OLD_D2_JAN], before[OLD_D2_JAN]
    assert after == before  # no other file changed fate

    old_lines, new_lines = line_marts(reference.warehouse), line_marts(root / "warehouse.duckdb")
    for table in old_lines:
        kept = {r for r in old_lines[table] if OLD_D2_JAN not in r}
        assert {r for r in new_lines[table] if new_file not in r} == kept, table
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        prices = con.execute("select sku, qty::double, unit_price::double from marts.fct_price_deviation "
                             "where source_file = ? order by sku", [new_file]).fetchall()
    finally:
        con.close()
    assert prices == [(SKUS[0], 7.0, 95.0), (SKUS[1], 1.0, 130.0)]
    assert not any(OLD_D2_JAN in r for t in new_lines.values() for r in t)
