"""Which version of what a file holds is current: statuses in the submission log."""


def _status(env, name):
    s = env.submission(name)
    return s["status"], s["superseded_by"] and s["superseded_by"].rsplit("/", 1)[-1]


def test_newer_sales_file_supersedes_the_month_whole(env):
    sale = env.landing.sale
    a = env.landing.sales("D0001", "202501", [sale(), sale(qty="x")], submitted="20250115T080000").name
    b = env.landing.sales("D0001", "202501", [sale(qty="5")], submitted="20250203T080000").name
    other_month = env.landing.sales("D0001", "202502", [sale(sale_date="2025-02-03")], submitted="20250201T000000").name
    other_dealer = env.landing.sales("D0002", "202501", [sale(customer_name="乙")], submitted="20250101T000000").name
    env.ingest()
    assert _status(env, a) == ("superseded", b)
    assert _status(env, b) == ("accepted", None)
    assert _status(env, other_month) == ("accepted", None)
    assert _status(env, other_dealer) == ("accepted", None)
    # a later-landing but earlier-submitted file is superseded on arrival; the latest stays
    c = env.landing.sales("D0001", "202501", [sale(qty="7")], submitted="20250120T080000").name
    env.ingest()
    assert _status(env, c) == ("superseded", b)
    assert _status(env, b) == ("accepted", None)
    # a newer one moves both older ones to point at it
    d = env.landing.sales("D0001", "202501", [sale(qty="9")], submitted="20250301T080000").name
    env.ingest()
    assert [_status(env, n) for n in (a, b, c, d)] == [("superseded", d)] * 3 + [("accepted", None)]


def test_rejected_file_supersedes_nothing(env):
    a = env.landing.sales("D0001", "202501", [env.landing.sale()], submitted="20250115T080000").name
    b = env.landing.write("dealers/D0001/sales_D0001_202501_20250203T080000.csv", b"sku\nx\n").name
    env.ingest()
    assert _status(env, a) == ("accepted", None)
    assert env.submission(b)["reason_code"] == "MISSING_COLUMNS"


def test_inventory_per_dealer_and_day(env):
    st = env.landing.stock
    a = env.landing.inventory("D0001", "20250131", [st()], submitted="20250131T180000").name
    b = env.landing.inventory("D0001", "20250131", [st(qty_on_hand="6")], submitted="20250201T090000").name
    c = env.landing.inventory("D0001", "20250130", [st(qty_on_hand="7")], submitted="20250201T090000").name
    env.ingest()
    assert [_status(env, n) for n in (a, b, c)] == [("superseded", b), ("accepted", None), ("accepted", None)]


def test_older_snapshots_are_superseded_and_newest_is_the_reference(env):
    env.landing.erp("products", "20250201", [
        {"sku": "SKU009", "product_name": "n", "category": "c", "brand": "b", "unit_cost": "1",
         "launch_date": "2025-01-01", "status": "active"}])
    env.landing.sales("D0001", "202501", [env.landing.sale(sku="SKU009"), env.landing.sale(sku="SKU001")])
    env.ingest()
    assert _status(env, "products_20250101.csv") == ("superseded", "products_20250201.csv")
    assert _status(env, "products_20250201.csv") == ("accepted", None)
    assert env.quarantine("sales_D0001_202501_20250205T100000.csv") == {2: "UNKNOWN_SKU"}
    # an older snapshot landing late is superseded at once
    env.landing.erp("products", "20241201", [
        {"sku": "SKU001", "product_name": "n", "category": "c", "brand": "b", "unit_cost": "1",
         "launch_date": "2024-01-01", "status": "active"}])
    env.ingest()
    assert _status(env, "products_20241201.csv") == ("superseded", "products_20250201.csv")


def test_claims_and_shipments_keep_their_status_when_rows_are_replaced(env):
    cl = env.landing.claim
    a = env.landing.claims("D0001", [cl(), cl(claim_id="CL2")], submitted="20250201T080000").name
    b = env.landing.claims("D0001", [cl(amount="2000")], submitted="20250202T080000").name
    ship = {"shipment_id": "S1", "line_no": "1", "ship_date": "2025-01-02", "dealer_id": "D0001",
            "sku": "SKU001", "qty": "12", "unit_price": "80", "batch_no": "B1"}
    env.landing.erp("shipments", "20250102", [ship])
    env.ingest()
    assert _status(env, a) == ("accepted", None) and _status(env, b) == ("accepted", None)
    assert _status(env, "shipments_20250101.csv") == ("accepted", None)
    assert _status(env, "shipments_20250102.csv") == ("accepted", None)


def test_byte_identical_file_is_a_duplicate_and_changes_nothing(env):
    sale = env.landing.sale
    first = env.landing.sales("D0001", "202501", [sale(), sale(qty="x")], submitted="20250201T080000")
    env.ingest()
    before = env.snapshot()
    copy = env.landing.write("dealers/D0001/sales_D0001_202501_20250202T080000.csv", first.read_bytes())
    summary = env.ingest()
    s = env.submission(copy.name)
    assert (s["status"], s["reason_code"], s["duplicate_of"]) == ("duplicate", "DUPLICATE_FILE", "dealers/D0001/" + first.name)
    assert s["content_hash"] == env.submission(first.name)["content_hash"]
    after = env.snapshot()
    after["submissions"] = [r for r in after["submissions"] if r[0] != s["source_file"]]
    assert after == before  # the original keeps its status and nothing else moved
    assert summary.feedback_files == []
