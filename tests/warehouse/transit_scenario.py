"""A tiny channel with goods in transit, the company's alert thresholds and a forecast to
replenish from, written by hand as a landing folder (tests/landing_builder.py).

Four dealers (T1, T2, T4 in North - T4 suspended - and T3 in East), two SKUs, January to
April 2025, built as of 2025-05-10 (April is the last complete month, May the month the
replenishment is for). Every figure the tests expect is worked out by hand in
test_transit.py from the rows below.
"""

from __future__ import annotations

from datetime import date

DAY0 = "20250101"
AS_OF = date(2025, 5, 10)


def _dealer(dealer_id: str, region: str, city: str, tier: str, status: str = "active") -> dict:
    return dict(dealer_id=dealer_id, dealer_name=f"Dealer {dealer_id}", tier=tier, region=region,
                province="P", city_code=city, credit_limit="100000", status=status,
                contract_start=date(2024, 1, 1), contract_end=date(2026, 12, 31))


def _ship(sid, day, dealer, sku, qty, delivered, price="7") -> dict:
    return dict(shipment_id=sid, line_no=1, ship_date=day, dealer_id=dealer, sku=sku,
                qty=str(qty), unit_price=price, batch_no="B1", delivery_date=delivered)


def _sale(day, sku, qty, price, city) -> dict:
    return dict(sale_date=day, customer_name="客户", customer_city_code=city, sku=sku,
                qty=str(qty), unit_price=str(price))


def reference_data(b) -> None:
    b.erp("regions", DAY0, [
        dict(city_code="110000", city_name="北京", province="北京", region="North"),
        dict(city_code="310000", city_name="上海", province="上海", region="East"),
    ])
    b.erp("dealers", DAY0, [
        _dealer("T1", "North", "110000", "A"),
        _dealer("T2", "North", "110000", "B"),
        _dealer("T3", "East", "310000", "A"),
        _dealer("T4", "North", "110000", "A", status="suspended"),
    ])
    b.erp("products", DAY0, [
        dict(sku="P1", product_name="Tea", category="Drinks", brand="B", unit_cost="5",
             launch_date=date(2024, 1, 1), status="active"),
        dict(sku="P2", product_name="Nuts", category="Snacks", brand="B", unit_cost="2",
             launch_date=date(2024, 1, 1), status="active"),
    ])
    b.erp("territories", DAY0, [
        dict(dealer_id=d, city_code=c, valid_from=date(2024, 1, 1), valid_to=None)
        for d, c in (("T1", "110000"), ("T2", "110000"), ("T3", "310000"), ("T4", "110000"))])


def thresholds(b) -> None:
    # an older snapshot: history, not used
    b.erp("alert_thresholds", DAY0, [dict(category="*", tier="*", low_weeks="1", high_weeks="2")])
    b.erp("alert_thresholds", "20250401", [
        dict(category="*", tier="*", low_weeks="5", high_weeks="10"),     # row 1
        dict(category="Drinks", tier="A", low_weeks="3", high_weeks="8"),  # row 2
        dict(category="*", tier="B", low_weeks="1", high_weeks="20"),      # row 3
        dict(category="Drinks", tier="*", low_weeks="2", high_weeks="9"),  # row 4
        dict(category="Drinks", tier="B", low_weeks="9", high_weeks="3"),  # row 5: quarantined
    ])


def stock_and_flows(b) -> None:
    b.erp("opening_inventory", DAY0, [
        dict(dealer_id="T1", sku="P1", batch_no="B1", qty="15", as_of_date=date(2025, 1, 1)),
        dict(dealer_id="T3", sku="P2", batch_no="B1", qty="5", as_of_date=date(2025, 1, 1)),
        dict(dealer_id="T4", sku="P1", batch_no="B1", qty="10", as_of_date=date(2025, 1, 1)),
    ])
    b.erp("shipments", "20250430", [
        _ship("SH1", date(2025, 1, 30), "T1", "P1", 20, date(2025, 2, 3)),
        _ship("SH2", date(2025, 3, 29), "T1", "P1", 10, date(2025, 4, 2), price="8"),
        _ship("SH3", date(2025, 4, 29), "T1", "P1", 3, date(2025, 5, 3)),
        _ship("SH4", date(2025, 1, 5), "T2", "P1", 40, None),   # no delivery date: on the ship date
        _ship("SH5", date(2025, 4, 28), "T1", "P2", 5, date(2025, 5, 2)),
        _ship("SH9", date(2025, 3, 10), "T1", "P1", 100, date(2025, 3, 5)),  # DELIVERY_BEFORE_SHIP
    ])
    for month in (1, 2, 3, 4):
        ym, day = f"2025{month:02d}", date(2025, month, 15)
        submitted = f"2025{month + 1:02d}03T090000"
        b.sales("T1", ym, [_sale(day, "P1", 10, 12, "110000")], submitted=submitted)
        b.sales("T2", ym, [_sale(day, "P1", 2, 12, "110000")], submitted=submitted)
        b.sales("T3", ym, [_sale(day, "P2", 1, 4, "310000")], submitted=submitted)
        b.sales("T4", ym, [_sale(day, "P1", 1, 12, "110000")], submitted=submitted)
    # T1 counts what is on its shelf: the goods in transit are not there yet
    b.inventory("T1", "20250131", [dict(sku="P1", qty_on_hand="5")], submitted="20250201T090000")
    b.inventory("T1", "20250331", [dict(sku="P1", qty_on_hand="5", batch_no="B1")],
                submitted="20250401T090000")


def transit_channel(b) -> None:
    reference_data(b)
    thresholds(b)
    stock_and_flows(b)
