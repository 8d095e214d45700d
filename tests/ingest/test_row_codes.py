"""Every row-level code, with all codes a row earns, and the rest of the file loading."""

import json

import pytest


def _sales(env, rows, **kw):
    env.landing.sales("D0001", "202501", rows, **kw)
    env.ingest()
    return env.quarantine("sales_D0001_202501_20250205T100000.csv")


@pytest.mark.parametrize("override, codes", [
    ({"sale_date": ""}, "MISSING_VALUE"),
    ({"customer_name": "  "}, "MISSING_VALUE"),
    ({"sale_date": "2025-01-32"}, "BAD_DATE"),
    ({"qty": "two"}, "BAD_NUMBER"),
    ({"unit_price": "1.2.3"}, "BAD_NUMBER"),
    ({"qty": "0"}, "QTY_NOT_POSITIVE"),
    ({"qty": "-1"}, "QTY_NOT_POSITIVE"),
    ({"unit_price": "0"}, "PRICE_NOT_POSITIVE"),
    ({"sku": "NOPE"}, "UNKNOWN_SKU"),
    ({"customer_city_code": "999999"}, "UNKNOWN_CITY"),
    ({"sale_date": "2025-02-01"}, "DATE_OUTSIDE_PERIOD"),
    ({"sale_date": "2024-12-31"}, "DATE_OUTSIDE_PERIOD"),
    # every code that can be determined, in ROW_CODE_ORDER
    ({"customer_name": "", "qty": "-2", "unit_price": "0", "sku": "NOPE", "customer_city_code": "1",
      "sale_date": "2025-03-01"},
     "MISSING_VALUE,QTY_NOT_POSITIVE,PRICE_NOT_POSITIVE,UNKNOWN_SKU,UNKNOWN_CITY,DATE_OUTSIDE_PERIOD"),
    # a value that cannot be read gets no check that needs it
    ({"sale_date": "someday", "qty": "x", "sku": "NOPE"}, "BAD_DATE,BAD_NUMBER,UNKNOWN_SKU"),
])
def test_sales_row_codes(env, override, codes):
    sale = env.landing.sale
    q = _sales(env, [sale(customer_name="甲"), sale(**override), sale(customer_name="乙")])
    assert q == {2: codes}
    s = env.submission("sales_D0001_202501_20250205T100000.csv")
    assert (s["status"], s["rows_read"], s["rows_accepted"], s["rows_quarantined"]) == ("partially_accepted", 3, 2, 1)
    assert env.query("SELECT source_row FROM raw.sales ORDER BY 1")["source_row"].to_list() == [1, 3]


def test_optional_columns_may_be_empty_but_must_be_readable(env):
    env.landing.erp("territories", "20250102", [
        {"dealer_id": "D0001", "city_code": "460100", "valid_from": "2024-01-01", "valid_to": ""},
        {"dealer_id": "D0001", "city_code": "460100", "valid_from": "2024-01-01", "valid_to": "soon"},
    ])
    env.ingest()
    assert env.quarantine("territories_20250102.csv") == {2: "BAD_DATE"}


def test_duplicate_row_keeps_the_first(env):
    sale = env.landing.sale
    q = _sales(env, [sale(), sale(customer_name="乙"), sale(), sale(qty="x"), sale(qty="x")])
    assert q == {3: "DUPLICATE_ROW", 4: "BAD_NUMBER", 5: "BAD_NUMBER,DUPLICATE_ROW"}


def test_rows_differing_in_an_extra_column_are_not_duplicates(env):
    rows = [{**env.landing.sale(), "备注": "a"}, {**env.landing.sale(), "备注": "b"}]
    assert _sales(env, rows) == {}


def test_quarantine_keeps_raw_values_and_detail(env):
    _sales(env, [env.landing.sale(qty=" 1,2x ", sku="NOPE", customer_name="")])
    row = env.query("SELECT * FROM raw.quarantine").to_dicts()[0]
    assert row["reason_detail"] == "customer_name=(empty): MISSING_VALUE; qty=' 1,2x ': BAD_NUMBER; sku='NOPE': UNKNOWN_SKU"
    raw = json.loads(row["raw_values"])
    assert raw["qty"] == " 1,2x " and raw["customer_name"] is None and raw["sku"] == "NOPE"
    assert (row["source_row"], row["kind"], row["dealer_id"]) == (1, "sales", "D0001")


def test_inventory_and_claims_rules(env):
    st, cl = env.landing.stock, env.landing.claim
    env.landing.inventory("D0001", "20250131", [st(qty_on_hand="0"), st(qty_on_hand="-1", sku="SKU002"), st(sku="X")])
    env.landing.claims("D0001", [cl(), cl(claim_id="CL2", amount="0"), cl(claim_id="CL3", period_end="2025/13/1")])
    env.ingest()
    assert env.quarantine("inventory_D0001_20250131_20250205T100000.csv") == {2: "QTY_NOT_POSITIVE", 3: "UNKNOWN_SKU"}
    assert env.quarantine("claims_D0001_20250205T100000.csv") == {2: "AMOUNT_NOT_POSITIVE", 3: "BAD_DATE"}


def test_erp_rows_are_validated_like_dealer_rows(env):
    ship = {"shipment_id": "S2", "line_no": "1", "ship_date": "2025-01-03", "dealer_id": "D0001", "sku": "SKU001",
            "qty": "-5", "unit_price": "80", "batch_no": "B1"}
    env.landing.erp("shipments", "20250110", [
        ship, {**ship, "line_no": "2", "qty": "0"}, {**ship, "line_no": "3", "dealer_id": "D0099"},
        {**ship, "line_no": "4", "batch_no": ""}, {**ship, "line_no": "1.5"}, {**ship, "line_no": "6", "unit_price": "-1"},
    ])
    env.landing.erp("opening_inventory", "20250110", [
        {"dealer_id": "D0098", "sku": "SKU404", "batch_no": "", "qty": "-1", "as_of_date": "2025-01-01"}])
    env.ingest()
    assert env.quarantine("shipments_20250110.csv") == {
        2: "QTY_NOT_POSITIVE", 3: "UNKNOWN_DEALER", 4: "MISSING_VALUE", 5: "BAD_NUMBER", 6: "PRICE_NOT_POSITIVE"}
    assert env.quarantine("opening_inventory_20250110.csv") == {1: "QTY_NOT_POSITIVE,UNKNOWN_SKU,UNKNOWN_DEALER"}
    # a return (negative qty) is a valid shipment line
    assert env.query("SELECT qty FROM raw.shipments WHERE shipment_id='S2'")["qty"].to_list()[0] < 0


def test_territories_reference_the_newest_regions_and_dealers(env):
    env.landing.erp("territories", "20250102", [
        {"dealer_id": "D0001", "city_code": "123456", "valid_from": "2024-01-01", "valid_to": ""},
        {"dealer_id": "D0077", "city_code": "460100", "valid_from": "2024-01-01", "valid_to": ""}])
    env.ingest()
    assert env.quarantine("territories_20250102.csv") == {1: "UNKNOWN_CITY", 2: "UNKNOWN_DEALER"}


def test_delivery_date_is_optional_and_never_before_the_ship_date(env):
    ship = {"shipment_id": "S3", "line_no": "1", "ship_date": "2025-01-30", "dealer_id": "D0001", "sku": "SKU001",
            "qty": "5", "unit_price": "80", "batch_no": "B1", "delivery_date": "2025-02-02"}
    env.landing.erp("shipments", "20250210", [
        ship, {**ship, "line_no": "2", "delivery_date": ""}, {**ship, "line_no": "3", "delivery_date": "2025-01-30"},
        {**ship, "line_no": "4", "delivery_date": "2025-01-29"},
        {**ship, "line_no": "5", "delivery_date": "2025/1/2", "qty": "0"},
        {**ship, "line_no": "6", "delivery_date": "soon"}])
    env.ingest()
    assert env.quarantine("shipments_20250210.csv") == {
        4: "DELIVERY_BEFORE_SHIP", 5: "QTY_NOT_POSITIVE,DELIVERY_BEFORE_SHIP", 6: "BAD_DATE"}
    got = env.query("SELECT line_no, delivery_date FROM raw.shipments WHERE shipment_id = 'S3' ORDER BY 1")
    assert [str(d) if d else None for d in got["delivery_date"].to_list()] == [
        "2025-02-02", None, "2025-01-30"]
    (detail,) = env.query("SELECT reason_detail FROM raw.quarantine WHERE source_row = 4")["reason_detail"]
    assert detail == "delivery_date='2025-01-29': DELIVERY_BEFORE_SHIP"


def test_alert_thresholds_tier_and_weeks(env):
    row = {"category": "Cat", "tier": "A", "low_weeks": "3", "high_weeks": "10"}
    env.landing.erp("alert_thresholds", "20250102", [
        row, {**row, "tier": "*", "category": "*"}, {**row, "tier": "D"}, {**row, "low_weeks": "10"},
        {**row, "low_weeks": "-1"}, {**row, "high_weeks": "many"}])
    env.ingest()
    assert env.quarantine("alert_thresholds_20250102.csv") == {
        3: "BAD_THRESHOLDS", 4: "BAD_THRESHOLDS", 5: "BAD_THRESHOLDS", 6: "BAD_NUMBER"}
    assert env.submission("alert_thresholds_20250102.csv")["status"] == "partially_accepted"
    assert env.query("SELECT count(*) AS n FROM raw.alert_thresholds")["n"].to_list() == [2]
