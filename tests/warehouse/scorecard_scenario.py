"""A small dealer channel, written by hand as a landing folder, for the dealer scorecard and
the inventory alerts (test_scorecard.py, test_inventory_alerts.py).

Three dealers (E1 tier A, E2 tier B, E3 tier C), four SKUs, January 2024 to March 2025,
built as of AS_OF (the day March 2025's sales are due). Every figure the tests expect is
worked out by hand in the test modules from the rows below. `b` is a
landing_builder.Landing.
"""

from __future__ import annotations

from datetime import date

from tests.warehouse.channel_scenario import OPEN, _dealer, _sale, _ship, _stock

AS_OF = date(2025, 4, 5)
DAY0 = "20240101"
HOME, AWAY = "110000", "310000"
CLAIM_DESCRIPTION = "三月门店陈列费, 含堆头"


def reference_data(b) -> None:
    b.erp("regions", DAY0, [
        dict(city_code=HOME, city_name="北京", province="北京", region="North"),
        dict(city_code=AWAY, city_name="上海", province="上海", region="East"),
    ])
    b.erp("dealers", DAY0, [
        {**_dealer(dealer, "North", HOME), "tier": tier}
        for dealer, tier in (("E1", "A"), ("E2", "B"), ("E3", "C"))
    ])
    b.erp("products", DAY0, [
        dict(sku=sku, product_name=name, category="Drinks", brand="B", unit_cost="5",
             launch_date=date(2023, 1, 1), status="active")
        for sku, name in (("P1", "Tea"), ("P2", "Juice"), ("P3", "Milk"), ("P4", "Soda"))
    ])
    b.erp("prices", DAY0, [  # only P1 has prices: lines of P2-P4 have no known floor
        dict(sku="P1", price_type=t, price=p, valid_from=date(2023, 1, 1), valid_to=OPEN)
        for t, p in (("retail_guide", "10"), ("floor", "8"), ("dealer", "7"))
    ])
    b.erp("territories", DAY0, [
        dict(dealer_id=d, city_code=HOME, valid_from=date(2023, 1, 1), valid_to=OPEN)
        for d in ("E1", "E2", "E3")
    ])


def scorecard_channel(b) -> None:
    reference_data(b)
    b.erp("opening_inventory", DAY0, [
        dict(dealer_id="E1", sku="P1", batch_no="B1", qty="100", as_of_date=date(2024, 1, 1)),
    ])
    b.erp("shipments", "20250301", [
        _ship("H1", 1, date(2024, 12, 1), "E3", "P1", 20, "B31"),
        _ship("H1", 2, date(2024, 12, 1), "E3", "P2", 5, "B32"),
        _ship("H1", 3, date(2024, 12, 1), "E3", "P3", 4, "B33"),
        _ship("H2", 1, date(2025, 1, 2), "E3", "P4", 29, "B34"),
        _ship("H3", 1, date(2025, 1, 2), "E2", "P1", 10, "B5"),
        _ship("H4", 1, date(2025, 2, 1), "E1", "P2", 10, "B2"),
    ])

    # E1: on time at the last second of the due day, then late at the first second after
    b.sales("E1", "202401", [_sale(date(2024, 1, 10), "P1", 10, 10, HOME, "B1")],
            submitted="20240205T235959")
    b.sales("E1", "202402", [_sale(date(2024, 2, 10), "P1", 5, 12, HOME)],
            submitted="20240306T000000")
    # nothing for March - December 2024
    b.sales("E1", "202501", [_sale(date(2025, 1, 15), "P1", 15, 10, HOME)],
            submitted="20250203T100000")
    # February 2025: a first version on time, corrected after the due date
    b.sales("E1", "202502", [
        _sale(date(2025, 2, 3), "P1", 4, 10, HOME, "B1"),
        _sale(date(2025, 2, 10), "P1", 2, 7, HOME),
    ], submitted="20250305T120000")
    b.sales("E1", "202502", [
        _sale(date(2025, 2, 3), "P1", 4, 10, HOME, "B1"),
        _sale(date(2025, 2, 10), "P1", 2, 7, HOME),  # under the floor price of 8
        _sale(date(2025, 2, 20), "P1", 1, 10, AWAY),  # out of territory
        _sale(date(2025, 2, 21), "P1", "abc", 10, HOME),  # quarantined
    ], submitted="20250310T090000")
    b.inventory("E1", "20250228", [_stock("P1", 60), _stock("P2", -1)],  # P2 row quarantined
                submitted="20250301T090000")
    b.sales("E1", "202503", [_sale(date(2025, 3, 5), "P1", 3, 10, HOME)],
            submitted="20250402T090000")
    # claims are not dealer activity for the scorecard; the description reaches the write-off
    b.claims("E1", [dict(claim_id="CL1", campaign_id="K9", expense_type="门店活动", amount="10",
                         period_start=date(2025, 3, 1), period_end=date(2025, 3, 31),
                         description=CLAIM_DESCRIPTION)], submitted="20250402T100000")

    # E2: January late; February's only file is rejected (no qty column); March not yet due
    b.sales("E2", "202501", [
        _sale(date(2025, 1, 20), "P1", 6, 10, HOME, "B5"),
        _sale(date(2025, 1, 21), "P1", 0, 10, HOME),  # quarantined
        _sale(date(2025, 1, 22), "P1", 1, 9, HOME),
    ], submitted="20250210T120000")
    b.sales("E2", "202502", [dict(sale_date="2025-02-05", customer_name="x",
                                  customer_city_code=HOME, sku="P1", unit_price="1")],
            submitted="20250304T090000")

    # E3: first active in December 2024 (a shipment) without a sales file for it
    e3_january = [
        _sale(date(2025, 1, 10), "P1", 6, 10, HOME),
        _sale(date(2025, 1, 11), "P4", 15, 10, HOME),
        _sale(date(2025, 1, 12), "P9", 1, 10, HOME),  # unknown sku: quarantined
    ]
    b.sales("E3", "202501", e3_january, submitted="20250204T090000")
    b.sales("E3", "202501", e3_january, submitted="20250210T090000")  # byte-identical: duplicate
    b.inventory("E3", "20250131", [_stock("P1", 0)], submitted="20250201T090000")
    b.sales("E3", "202502", [_sale(date(2025, 2, 10), "P1", 6, 10, HOME)],
            submitted="20250303T090000")
    b.sales("E3", "202503", [
        _sale(date(2025, 3, 10), "P1", 6, 10, HOME),
        _sale(date(2025, 3, 11), "P2", 7, 10, HOME),
    ], submitted="20250401T090000")
