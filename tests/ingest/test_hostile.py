"""Hostile and broken files never stop the run and never escape the landing folder."""

import os

from pipelines.ingest.discover import discover


def test_hostile_tree_is_logged_and_the_good_files_still_load(env, tmp_path):
    lb = env.landing
    secret = tmp_path / "outside.csv"
    secret.write_text("sku,qty_on_hand\nSKU001,1\n")
    os.symlink(secret, lb.root / "dealers" / "D0001" / "inventory_D0001_20250131_20250205T100000.csv"
               if (lb.root / "dealers" / "D0001").exists() else _mk(lb.root / "dealers" / "D0001") /
               "inventory_D0001_20250131_20250205T100000.csv")
    os.symlink(tmp_path, lb.root / "dealers" / "D0002")  # a folder link: not walked
    os.mkfifo(lb.root / "dealers" / "D0001" / "claims_D0001_20250205T100000.csv")
    lb.write("dealers/D0001/sales_D0001_202501_20250205T100000.csv", b"")
    lb.write("dealers/D0001/sales_D0001_202502_20250205T100000.csv", os.urandom(4096).replace(b"\x00", b"\x01") + b"\x00")
    lb.write("dealers/D0001/sales_D0001_202501_20250205T100000;rm -rf.csv", b"x")
    lb.write("dealers/D0001/..sales_D0001_202501_20250205T100000.csv", b"x")
    lb.write("dealers/D0001/销售_D0001.xlsx", b"x")
    lb.write("dealers/D0001/" + "a" * 200 + ".csv", b"x")
    good = lb.sales("D0001", "202503", [lb.sale(sale_date="2025-03-01")], submitted="20250402T000000")

    summary = env.ingest()

    log = {r["source_file"]: r for r in env.query("SELECT * FROM raw.submissions").to_dicts()}
    link = log["dealers/D0001/inventory_D0001_20250131_20250205T100000.csv"]
    assert (link["status"], link["reason_code"], link["content_hash"]) == ("rejected", "BAD_FILE_NAME", None)
    assert "symbolic link" in link["reason_detail"]
    assert "symbolic link" in log["dealers/D0002"]["reason_detail"]
    assert "not a regular file" in log["dealers/D0001/claims_D0001_20250205T100000.csv"]["reason_detail"]
    assert log["dealers/D0001/sales_D0001_202501_20250205T100000.csv"]["reason_code"] == "EMPTY_FILE"
    assert log["dealers/D0001/sales_D0001_202502_20250205T100000.csv"]["reason_code"] == "UNREADABLE"
    for name in ("sales_D0001_202501_20250205T100000;rm -rf.csv", "..sales_D0001_202501_20250205T100000.csv",
                 "销售_D0001.xlsx", "a" * 200 + ".csv"):
        assert log["dealers/D0001/" + name]["reason_code"] == "BAD_FILE_NAME", name
    assert log["dealers/D0001/" + good.name]["status"] == "accepted"
    assert summary.by_status["accepted"] == 9
    # nothing from outside the landing folder reached the warehouse
    assert env.query("SELECT count(*) n FROM raw.inventory")["n"][0] == 0
    # feedback stays inside the feedback folder
    for f in summary.feedback_files:
        assert os.path.realpath(f).startswith(os.path.realpath(env.feedback))


def _mk(p):
    p.mkdir(parents=True, exist_ok=True)
    return p


def test_discovery_orders_snapshots_first_then_by_submission(bare):
    lb = bare.landing
    lb.write("dealers/D1/sales_D1_202501_20250102T000000.csv", b"x")
    lb.write("erp/shipments_20250101.csv", b"x")
    lb.write("erp/territories_20250101.csv", b"x")
    lb.write("erp/regions_20250301.csv", b"x")
    lb.write("dealers/D1/claims_D1_20250101T000000.csv", b"x")
    lb.write("zz.txt", b"x")
    assert [f.source_file for f in discover(lb.root)] == [
        "erp/regions_20250301.csv", "erp/territories_20250101.csv", "dealers/D1/claims_D1_20250101T000000.csv",
        "erp/shipments_20250101.csv", "dealers/D1/sales_D1_202501_20250102T000000.csv", "zz.txt"]
