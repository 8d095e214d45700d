"""A landed file overwritten after a run read it (a dealer sent new bytes under the same name,
or an upload completed after the run saw part of it) is read again by the next `dcw run` as a
new version of itself: the marts then equal those of a warehouse that only ever saw the new
bytes (but for the lineage naming the version, and the log's history of reads), the
submission log shows both versions with the older superseded, and each version has its
feedback. A file touched without a change of bytes is nothing new
(docs/input_contract.md, "Files in motion")."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from tests.dcw_runs import dcw_run, marts_contents
from tests.landing_builder import Landing
from tests.reliability.reliability_env import D1, D2, PHONES, copy_root, fresh_root

pytestmark = pytest.mark.slow  # two whole `dcw run`s

# What records the history of reads rather than the current figures: the log lists every
# version, the quarantine keeps the older version's quarantined rows, and the dealer's
# monthly counts of files read count both reads, as they count a resubmission.
HISTORY = ("dq_submissions", "dq_quarantine", "fct_dealer_scorecard")


def _versions(warehouse, landing_path: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("""select source_file, file_version, status, superseded_by from marts.dq_submissions
                              where landing_path = ? order by file_version""", [landing_path]).fetchall()


def test_a_file_overwritten_after_it_was_read_is_read_again_as_its_next_version(reference, tmp_path):
    root, env = copy_root(reference.root, tmp_path / "root")
    landing = Landing(tmp_path / "landing")
    shutil.copytree(reference.landing, landing.root, dirs_exist_ok=True)
    env = {**env, "DCW_LANDING": str(landing.root)}
    name = f"sales_{D1}_202501_20250205T100000.csv"
    rel = f"dealers/{D1}/{name}"
    assert _versions(root / "warehouse.duckdb", rel) == [(rel, 1, "partially_accepted", None)]
    # the dealer overwrites the month's file: other lines, one of them quarantined
    sale = Landing.sale
    landing.sales(D1, "202501", [sale(customer_phone=PHONES[1], qty="7", invoice_no="INV7"),
                                 sale(customer_phone=PHONES[2], invoice_no="INV8", unit_price="-1")],
                  submitted="20250205T100000")
    touched = landing.root / "dealers" / D2 / f"sales_{D2}_202501_20250204T080000.xlsx"
    st = touched.stat()
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 10**10))  # same bytes, newer time

    dcw_run(env, root)

    assert _versions(root / "warehouse.duckdb", rel) == [
        (rel, 1, "superseded", rel + "@v2"), (rel + "@v2", 2, "partially_accepted", None)]
    touched_rel = touched.relative_to(landing.root).as_posix()
    assert [v[1:3] for v in _versions(root / "warehouse.duckdb", touched_rel)] == [(1, "accepted")]
    feedback = sorted(f.name for f in (root / "feedback" / D1).iterdir() if f.name.startswith(name))
    assert feedback == [f"{name}.feedback.csv", f"{name}.v2.feedback.csv"]

    # the marts of a warehouse that only ever saw the new bytes
    fresh_landing = tmp_path / "fresh_landing"
    shutil.copytree(landing.root, fresh_landing)
    fresh, fresh_env = fresh_root(tmp_path / "fresh", fresh_landing)
    dcw_run(fresh_env, fresh)
    expected = marts_contents(fresh / "warehouse.duckdb")
    got = {t: sorted(r.replace(rel + "@v2", rel) for r in rows)
           for t, rows in marts_contents(root / "warehouse.duckdb").items()}
    assert got.keys() == expected.keys()
    differ = sorted(t for t in got if got[t] != expected[t])
    assert set(differ) <= set(HISTORY), differ
    # and they are not the marts of the old bytes
    assert got["fct_sell_through_monthly"] != reference.marts["fct_sell_through_monthly"]
