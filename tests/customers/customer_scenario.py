"""A tiny customer base written by hand (tests/landing_builder.py) for the customer marts.

Two dealers (D0001, D0002), one category ("Cat"), as of 2025-04-10 (last complete month
2025-03). Three businesses:

- X, in 460100: D0001 writes 海口华润酒店有限公司 (phone 13800000001), D0002 writes
  华润酒店（龙华店） (no phone). Same core name 华润酒店, same city: one customer.
- Y, in 460100: 椰风超市 (D0001, 2023-12 and 2025-01) and, on the second night only,
  椰风超市有限公司 (D0002, 2025-04). One customer.
- Z, in 110100: 北京华润酒店 (D0002). Same core name as X but another city: another customer.

Lines (all price 100 unless said; value = qty x price):

    dealer  date        customer  sku     qty  value
    D0001   2023-12-20  Y         SKU001  1    100   (no batch: before the opening stock)
    D0001   2025-01-05  X         SKU001  2    200
    D0001   2025-01-20  Y         SKU001  1    100
    D0002   2025-01-20  X         SKU002  1    100
    D0001   2025-02-10  X         SKU001  3    300   } the same sale reported by both:
    D0002   2025-02-10  X         SKU001  3    300   } DOUBLE_REPORTED
    D0002   2025-02-15  Z         SKU001  1    100
    D0001   2025-03-01  X         SKU002  10   1000
    D0002   2025-03-05  Z         SKU002  1    100
    D0002   2025-03-30  Z         SKU001  1    100
    D0002   2025-04-02  Y         SKU001  1    100   (night 2)
"""

from __future__ import annotations

from datetime import date

AS_OF = date(2025, 4, 10)
X1, X2, Y1, Y2, Z1 = "海口华润酒店有限公司", "华润酒店（龙华店）", "椰风超市", "椰风超市有限公司", "北京华润酒店"
HAIKOU, BEIJING = "460100", "110100"


def _line(day: str, name: str, city: str, sku: str, qty: int, phone: str = "", batch: str = "B1", price: int = 100):
    return {"sale_date": day, "customer_name": name, "customer_city_code": city, "customer_phone": phone,
            "sku": sku, "qty": str(qty), "unit_price": str(price), "batch_no": batch, "invoice_no": ""}


def night_one(b) -> None:
    b.standard_erp(cities=(HAIKOU, BEIJING))
    b.sales("D0001", "202312", [_line("2023-12-20", Y1, HAIKOU, "SKU001", 1, batch="")], submitted="20240105T100000")
    b.sales("D0001", "202501", [
        _line("2025-01-05", X1, HAIKOU, "SKU001", 2, phone="13800000001"),
        _line("2025-01-20", Y1, HAIKOU, "SKU001", 1),
    ], submitted="20250203T100000")
    b.sales("D0002", "202501", [_line("2025-01-20", X2, HAIKOU, "SKU002", 1)], submitted="20250203T110000")
    b.sales("D0001", "202502", [_line("2025-02-10", X1, HAIKOU, "SKU001", 3, phone="13800000001")],
            submitted="20250303T100000")
    b.sales("D0002", "202502", [
        _line("2025-02-10", X2, HAIKOU, "SKU001", 3),
        _line("2025-02-15", Z1, BEIJING, "SKU001", 1, phone="13900000002"),
    ], submitted="20250303T110000")
    b.sales("D0001", "202503", [_line("2025-03-01", X1, HAIKOU, "SKU002", 10, phone="13800000001")],
            submitted="20250403T100000")
    b.sales("D0002", "202503", [
        _line("2025-03-05", Z1, BEIJING, "SKU002", 1, phone="13900000002"),
        _line("2025-03-30", Z1, BEIJING, "SKU001", 1, phone="13900000002"),
    ], submitted="20250403T110000")


def night_two(b) -> None:
    b.sales("D0002", "202504", [_line("2025-04-02", Y2, HAIKOU, "SKU001", 1)], submitted="20250405T100000")
