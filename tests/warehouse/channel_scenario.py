"""A tiny dealer channel, written by hand as a landing folder (tests/landing_builder.py), for
the sell-through, price and diversion marts.

Three dealers, two SKUs, January to April 2025. Every figure the tests expect is worked out
by hand in the test modules from the rows below. `b` is a landing_builder.Landing.
"""

from __future__ import annotations

from datetime import date

OPEN = None  # valid_to empty = open-ended
DAY0 = "20250101"
PHONE = "13812345678"


def reference_data(b) -> None:
    b.erp("regions", DAY0, [
        dict(city_code="110000", city_name="北京", province="北京", region="North"),
        dict(city_code="310000", city_name="上海", province="上海", region="East"),
    ])
    b.erp("dealers", DAY0, [
        _dealer("D1", "North", "110000"),
        _dealer("D2", "East", "310000"),
        _dealer("D3", "North", "110000"),
    ])
    b.erp("products", DAY0, [
        dict(sku="S1", product_name="Tea", category="Drinks", brand="B", unit_cost="5",
             launch_date=date(2024, 1, 1), status="active"),
        dict(sku="S2", product_name="Nuts", category="Snacks", brand="B", unit_cost="2",
             launch_date=date(2024, 1, 1), status="active"),
    ])
    b.erp("prices", DAY0, [
        dict(sku="S1", price_type="retail_guide", price="10", valid_from=date(2024, 1, 1),
             valid_to=date(2025, 1, 31)),
        dict(sku="S1", price_type="retail_guide", price="12", valid_from=date(2025, 2, 1),
             valid_to=OPEN),
        dict(sku="S1", price_type="floor", price="8", valid_from=date(2024, 1, 1), valid_to=OPEN),
        dict(sku="S1", price_type="dealer", price="7", valid_from=date(2024, 1, 1), valid_to=OPEN),
        # S2 has no price at all: its lines have an unknown guide and floor price
    ])
    b.erp("territories", DAY0, [
        dict(dealer_id="D1", city_code="110000", valid_from=date(2024, 1, 1), valid_to=OPEN),
        dict(dealer_id="D2", city_code="310000", valid_from=date(2024, 1, 1),
             valid_to=date(2025, 1, 31)),
        dict(dealer_id="D3", city_code="110000", valid_from=date(2024, 1, 1), valid_to=OPEN),
    ])


def _dealer(dealer_id: str, region: str, city: str) -> dict:
    return dict(dealer_id=dealer_id, dealer_name=f"Dealer {dealer_id}", tier="A", region=region,
                province="P", city_code=city, credit_limit="100000", status="active",
                contract_start=date(2024, 1, 1), contract_end=date(2026, 12, 31))


def _ship(sid, line, day, dealer, sku, qty, batch, price="7") -> dict:
    return dict(shipment_id=sid, line_no=line, ship_date=day, dealer_id=dealer, sku=sku,
                qty=str(qty), unit_price=price, batch_no=batch)


def _sale(day, sku, qty, price, city, batch=None, phone=None) -> dict:
    return dict(sale_date=day, customer_name="客户", customer_city_code=city,
                customer_phone=phone, sku=sku, qty=str(qty), unit_price=str(price),
                batch_no=batch, invoice_no=None)


def _stock(sku, qty, batch=None) -> dict:
    return dict(sku=sku, qty_on_hand=str(qty), batch_no=batch)


def channel(b) -> None:
    reference_data(b)
    b.erp("opening_inventory", DAY0, [
        dict(dealer_id="D1", sku="S1", batch_no="B1", qty="10", as_of_date=date(2025, 1, 1)),
        dict(dealer_id="D3", sku="S1", batch_no="B3", qty="1", as_of_date=date(2025, 1, 1)),
    ])
    b.erp("shipments", "20250201", [
        _ship("SH1", 1, date(2025, 1, 3), "D1", "S1", 20, "B2"),
        _ship("SH4", 1, date(2025, 1, 20), "D2", "S2", 4, "B9"),
        _ship("SH3", 1, date(2025, 3, 1), "D2", "S1", 6, "B3"),  # replaced by the later file
    ])
    b.erp("shipments", "20250315", [
        _ship("SH2", 1, date(2025, 2, 10), "D1", "S1", -5, "B2"),  # a return
        _ship("SH3", 1, date(2025, 3, 5), "D2", "S1", 8, "B3"),
        _ship("SH5", 1, date(2025, 2, 1), "D2", "S1", 1, "B4"),
        _ship("SH6", 1, date(2025, 2, 1), "D1", "S2", 2, "B8"),
        _ship("SH6", 2, date(2025, 2, 15), "D1", "S2", -2, "B8"),
    ])
    # D1 January: a first version, superseded whole by the second
    b.sales("D1", "202501", [
        _sale(date(2025, 1, 5), "S1", 100, 9, "110000"),
    ], submitted="20250202T090000")
    b.sales("D1", "202501", [
        _sale(date(2025, 1, 10), "S1", 12, "9.5", "110000", "B1", PHONE),
        _sale(date(2025, 1, 20), "S1", 3, "7.5", "310000", "B2"),
        _sale(date(2025, 1, 25), "S1", 1, 10, "110000", "B4"),
    ], submitted="20250204T100000")
    b.sales("D1", "202503", [
        _sale(date(2025, 3, 15), "S1", 4, 13, "110000", "B3"),
    ], submitted="20250402T080000")
    b.sales("D2", "202504", [
        _sale(date(2025, 4, 2), "S1", 10, 12, "310000", "B3"),
        _sale(date(2025, 4, 3), "S2", 1, 5, "310000", "BX"),
        _sale(date(2025, 4, 4), "S2", "abc", 5, "310000", phone="13987654321"),  # quarantined
    ], submitted="20250503T120000")
    # a later file that is rejected (no qty column) supersedes nothing
    b.sales("D2", "202504", [dict(sale_date="2025-04-05", customer_name="x",
                                  customer_city_code="310000", sku="S1", unit_price="1")],
            submitted="20250504T120000")
    b.inventory("D1", "20250131", [_stock("S1", 99)], submitted="20250201T080000")
    b.inventory("D1", "20250131", [_stock("S1", 5, "B1"), _stock("S1", 8, "B2")],
                submitted="20250201T090000")
    b.inventory("D1", "20250228", [_stock("S2", 0)], submitted="20250301T090000")
    b.inventory("D1", "20250330", [_stock("S1", 5)], submitted="20250331T090000")
