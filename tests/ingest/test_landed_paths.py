"""The intraday run reads the paths the landing sensor saw arrive or change (discover_paths,
run_ingestion(only=...)) instead of walking the whole landing folder: what it finds of those
paths is what the walk finds of them, and the submission log still judges what is new."""

import os

from pipelines.ingest.discover import discover, discover_paths


def test_the_given_paths_are_classified_as_the_walk_classifies_them(bare, tmp_path):
    lb = bare.landing
    lb.write("erp/regions_20250301.csv", b"x")
    lb.write("dealers/D1/sales_D1_202501_20250102T000000.csv", b"x")
    lb.write("dealers/D1/claims_D1_20250101T000000.csv", b"xy")
    lb.write("dealers/D1/.hidden_D1.csv", b"x")
    lb.write("dealers/D1/sales_D1_202513_20250102T000000.csv", b"x")  # no such month
    lb.write("zz.txt", b"x")
    os.symlink(tmp_path, lb.root / "dealers" / "D1" / "sales_D1_202502_20250102T000000.csv")
    os.mkfifo(lb.root / "dealers" / "D1" / "inventory_D1_20250131_20250205T100000.csv")
    walked = {f.source_file: f for f in discover(lb.root)}
    assert len(walked) == 8
    given = discover_paths(lb.root, list(walked))
    assert given == sorted(walked.values(), key=lambda f: f.order_key)
    some = ["dealers/D1/sales_D1_202513_20250102T000000.csv", "erp/regions_20250301.csv"]
    assert discover_paths(lb.root, some) == [walked["erp/regions_20250301.csv"],
                                             walked["dealers/D1/sales_D1_202513_20250102T000000.csv"]]


def test_paths_gone_or_beyond_a_link_are_left_to_the_walk(bare, tmp_path):
    lb = bare.landing
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "sales_D2_202501_20250102T000000.csv").write_text("x")
    lb.write("dealers/D1/sales_D1_202501_20250102T000000.csv", b"x")
    os.symlink(outside, lb.root / "dealers" / "D2")  # a folder link: the walk does not enter it
    assert discover_paths(lb.root, ["dealers/D2/sales_D2_202501_20250102T000000.csv", "dealers/D1",
                                    "gone.csv", "../outside/x.csv", "", "dealers//D1"]) == []


def test_an_ingestion_of_given_paths_reads_those_and_leaves_the_rest_for_the_walk(env):
    env.ingest()  # the ERP set
    lb = env.landing
    told = lb.sales("D0001", "202501", [lb.sale(sale_date="2025-01-03")], submitted="20250203T100000")
    untold = lb.sales("D0002", "202501", [lb.sale(sale_date="2025-01-04")], submitted="20250203T100000")
    known = "erp/" + sorted(p.name for p in (lb.root / "erp").iterdir())[0]
    summary = env.ingest(only=[told.relative_to(lb.root).as_posix(), known])
    # the known, unchanged ERP file is skipped as the walk skips it
    assert (summary.files_seen, summary.files_new, summary.by_status) == (2, 1, {"accepted": 1})
    assert env.submission(told.name)["status"] == "accepted"
    assert env.query("SELECT count(*) n FROM raw.submissions WHERE source_file LIKE '%' || ?",
                     [untold.name])["n"][0] == 0
    # the next walk (the night) reads what no sensor told of, and only that
    later = env.ingest()
    assert (later.files_new, later.by_status) == (1, {"accepted": 1})
    assert env.submission(untold.name)["status"] == "accepted"
