"""Files that look valid but are not, and files in motion (docs/input_contract.md): stamps
from the future, months out of range, another dealer's claim_id, hidden sheets, mixed
encodings, uploads still running, files that cannot be opened, and feedback that cannot be
written. Each test ingests a tiny landing folder into a temporary warehouse."""

from __future__ import annotations

import io
import os
import stat
from datetime import datetime

import duckdb
import pytest
from openpyxl import Workbook

from pipelines.core.errors import UserError
from pipelines.core.settings import raw_dir
from pipelines.ingest import load
from pipelines.ingest import raw_layer as wh

NOW = datetime(2025, 2, 10, 12, 0, 0)  # the runs' clock: files are first seen now


def _status(env, name):
    s = env.submission(name)
    return s["status"], s["reason_code"]


# ----- BAD_SUBMISSION_TIME ------------------------------------------------------------------

def test_a_stamp_from_the_future_is_rejected_and_supersedes_nothing(env):
    real = env.landing.sales("D0001", "202501", [env.landing.sale()], submitted="20250205T100000").name
    future = env.landing.sales("D0001", "202501", [env.landing.sale(qty="9")], submitted="20991231T235959").name
    env.ingest(now=NOW)
    assert _status(env, future) == ("rejected", "BAD_SUBMISSION_TIME")
    assert "more than one day after" in env.submission(future)["reason_detail"]
    assert env.submission(real)["status"] == "accepted"
    # a correction sent after it is not superseded on arrival
    fix = env.landing.sales("D0001", "202501", [env.landing.sale(qty="3")], submitted="20250210T090000").name
    env.ingest(now=NOW)
    assert _status(env, fix) == ("accepted", None) and env.submission(real)["status"] == "superseded"


@pytest.mark.parametrize("month, submitted", [
    ("999912", "99991231T000000"),  # was an OverflowError every night
    ("209912", "20250205T100000"),  # was accepted and stretched the monthly marts to 2099
    ("202503", "20250205T100000"),  # a month after the stamp's month
])
def test_months_out_of_range_are_rejected_by_name_never_an_exception(env, month, submitted):
    name = env.landing.sales("D0001", month, [env.landing.sale()], submitted=submitted).name
    env.ingest(now=NOW)
    assert _status(env, name) == ("rejected", "BAD_SUBMISSION_TIME")


def test_a_stamp_within_a_day_of_first_seen_is_accepted_and_first_seen_is_recorded(env):
    name = env.landing.sales("D0001", "202502", [env.landing.sale(sale_date="2025-02-03")],
                             submitted="20250211T080000").name  # 20 hours ahead of the clock
    env.ingest(now=NOW)
    s = env.submission(name)
    assert s["status"] == "accepted" and s["first_seen_at"] == NOW


# ----- CLAIM_ID_TAKEN ---------------------------------------------------------------------

def test_a_claim_id_of_another_dealer_is_quarantined_and_the_owner_keeps_its_claim(env):
    c = env.landing.claim
    own = env.landing.claims("D0001", [c(claim_id="CL1", amount="1000")], submitted="20250205T100000").name
    env.ingest(now=NOW)
    # same batch: D0002 reuses CL1, and also files its own CL2
    foreign = env.landing.claims("D0002", [c(claim_id="CL1", amount="9"), c(claim_id="CL2")],
                                 submitted="20250206T100000").name
    again = env.landing.claims("D0001", [c(claim_id="CL1", amount="800")], submitted="20250207T100000").name
    env.ingest(now=NOW)
    assert env.quarantine(foreign) == {1: "CLAIM_ID_TAKEN"}
    assert env.submission(foreign)["status"] == "partially_accepted"
    assert env.submission(again)["status"] == "accepted"  # a dealer resubmits its own claim freely
    rows = env.query("SELECT claim_id, source_file FROM raw.claims ORDER BY source_file, claim_id").rows()
    assert ("CL1", f"dealers/D0002/{foreign}") not in rows and ("CL2", f"dealers/D0002/{foreign}") in rows
    assert {own, again} <= {f.rsplit("/", 1)[-1] for cid, f in rows if cid == "CL1"}


def test_a_claim_id_used_by_two_dealers_in_one_batch_belongs_to_the_first(env):
    c = env.landing.claim
    first = env.landing.claims("D0002", [c(claim_id="CL7")], submitted="20250205T100000").name
    second = env.landing.claims("D0001", [c(claim_id="CL7", amount="500")], submitted="20250205T110000").name
    env.ingest(now=NOW)
    assert env.quarantine(first) == {} and env.quarantine(second) == {1: "CLAIM_ID_TAKEN"}


# ----- reading -----------------------------------------------------------------------------

def test_xlsx_reads_the_first_visible_sheet_never_a_hidden_draft(env):
    wb = Workbook()
    draft = wb.active
    draft.title = "old draft"
    draft.append(["sku", "qty_on_hand"])
    draft.append(["SKU001", 999])
    draft.sheet_state = "hidden"
    visible = wb.create_sheet("库存")
    visible.append(["sku", "qty_on_hand"])
    visible.append(["SKU002", 7])
    buf = io.BytesIO()
    wb.save(buf)
    env.landing.write("dealers/D0001/inventory_D0001_20250131_20250205T100000.xlsx", buf.getvalue())
    env.ingest(now=NOW)
    assert env.query("SELECT sku, qty_on_hand FROM raw.inventory").rows() == [("SKU002", 7)]


@pytest.mark.parametrize("data", [
    "\ufeffsku,qty_on_hand,batch_no\n".encode() + "SKU001,1,批一\n".encode("gbk"),  # BOM, then GBK
    "sku,qty_on_hand,batch_no\nSKU001,1,批号一号\n".encode() + "SKU002,2,批号二号\n".encode("gbk"),
])
def test_a_file_mixing_encodings_is_unreadable(env, data):
    env.landing.write("dealers/D0001/inventory_D0001_20250131_20250205T100000.csv", data)
    env.ingest(now=NOW)
    s = env.submission("inventory_D0001_20250131_20250205T100000.csv")
    assert (s["status"], s["reason_code"]) == ("rejected", "UNREADABLE") and "mixes encodings" in s["reason_detail"]


def test_a_parser_error_never_quotes_the_record(env):
    rows = 'sale_date,customer_name,customer_city_code,customer_phone,sku,qty,unit_price\n' \
           '2025-01-15,"张三 13912345678,460100,13987654321,SKU001,1,100\n2025-01-15,李四,460100,,SKU001,1,100,x,y\n'
    env.landing.write("dealers/D0001/sales_D0001_202501_20250205T100000.csv", rows.encode())
    env.ingest(now=NOW)
    s = env.submission("sales_D0001_202501_20250205T100000.csv")
    assert s["reason_code"] == "UNREADABLE"
    assert "139" not in s["reason_detail"] and "张三" not in s["reason_detail"]


# ----- files in motion ---------------------------------------------------------------------

def test_a_file_still_being_uploaded_is_left_for_the_next_run(env):
    path = env.landing.sales("D0001", "202501", [env.landing.sale()], submitted="20250205T100000")
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # the upload is half-way when the run starts

    def upload_goes_on(done, total, detail):
        if detail.endswith(path.name):
            path.write_bytes(whole)

    summary = env.ingest(now=NOW, progress=upload_goes_on)
    assert summary.files_in_motion == [f"dealers/D0001/{path.name}"]
    assert env.query("SELECT count(*) FROM raw.submissions WHERE source_file LIKE '%' || ?", [path.name]).item() == 0
    summary = env.ingest(now=NOW)
    assert env.submission(path.name)["status"] == "accepted" and summary.files_in_motion == []
    assert env.query("SELECT count(*) FROM raw.sales").item() == 1


def test_a_file_that_cannot_be_opened_is_retried_next_run_not_rejected(env, monkeypatch):
    path = env.landing.sales("D0001", "202501", [env.landing.sale()], submitted="20250205T100000")
    real = load._hash_file

    def locked(p, keep=False):
        if p.endswith(path.name):
            raise PermissionError(13, "Permission denied")
        return real(p, keep)

    monkeypatch.setattr(load, "_hash_file", locked)
    summary = env.ingest(now=NOW)
    assert summary.files_unopenable == [f"dealers/D0001/{path.name}"]
    assert env.query("SELECT count(*) FROM raw.submissions WHERE source_file LIKE '%' || ?", [path.name]).item() == 0
    monkeypatch.setattr(load, "_hash_file", real)
    env.ingest(now=NOW)
    assert env.submission(path.name)["status"] == "accepted"


# ----- feedback is part of the batch -------------------------------------------------------

def test_feedback_that_cannot_be_written_stays_in_the_outbox_until_written(env):
    bad = env.landing.sales("D0001", "202501", [env.landing.sale(qty="x")], submitted="20250205T100000").name
    env.feedback.parent.mkdir(parents=True, exist_ok=True)
    env.feedback.write_text("not a folder")  # the feedback folder cannot be created
    summary = env.ingest(now=NOW)
    assert summary.feedback_pending == [f"dealers/D0001/{bad}"] and summary.feedback_files == []
    assert env.submission(bad)["status"] == "partially_accepted"  # the batch itself committed
    assert env.ingest(now=NOW).feedback_pending == [f"dealers/D0001/{bad}"]  # still failing: still kept
    env.feedback.unlink()  # the folder is fixed
    summary = env.ingest(now=NOW)
    assert summary.feedback_pending == [] and (env.feedback / "D0001" / f"{bad}.feedback.csv").exists()
    assert env.query("SELECT count(*) FROM meta.feedback_outbox").item() == 0


# ----- the warehouse knows its inputs ------------------------------------------------------

def test_a_run_naming_another_landing_folder_is_refused_unless_moved_on_purpose(env, tmp_path):
    env.ingest(now=NOW)
    other = tmp_path / "other_landing"
    other.mkdir()
    before = env.snapshot()
    with pytest.raises(UserError, match="built from landing folder .* 'dcw run --move-inputs'"):
        load.run_ingestion(other, env.warehouse, env.feedback, now=NOW)
    assert env.snapshot() == before
    with duckdb.connect(str(env.warehouse)) as con:
        wh.move_inputs(con, other, None)
    load.run_ingestion(other, env.warehouse, env.feedback, now=NOW)


def test_a_lost_warehouse_beside_its_raw_layer_is_refused_and_nothing_deleted(env):
    env.ingest(now=NOW)
    raw = raw_dir(env.warehouse)
    files = sorted(raw.rglob("*.parquet"))
    env.warehouse.unlink()
    with pytest.raises(UserError, match="dcw restore"):
        env.ingest(now=NOW)
    assert sorted(raw.rglob("*.parquet")) == files and not env.warehouse.exists()


def test_a_missing_raw_file_is_named(env):
    env.ingest(now=NOW)
    [gone] = [f for f in (raw_dir(env.warehouse) / "products").glob("*.parquet") if f.name != "schema.parquet"]
    gone.unlink()
    with pytest.raises(UserError, match=f"raw file {gone} is missing.*dcw restore"):
        env.ingest(now=NOW)


def test_the_raw_layer_is_not_world_readable(env):
    env.landing.sales("D0001", "202501", [env.landing.sale(qty="x")], submitted="20250205T100000")
    env.ingest(now=NOW)
    raw = raw_dir(env.warehouse)
    for p in [raw, *raw.rglob("*")]:
        assert stat.S_IMODE(os.stat(p).st_mode) & 0o007 == 0, p
