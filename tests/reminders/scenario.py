"""A small hand-made landing for the reminders' marts (test_marts.py), built as of AS_OF.

Six dealers: D0001-D0005 active, D0006 terminated. Contract ends chosen around the 30/60/90
day edges; reports on time, late, rejected, after the as-of date, and missing. Every figure
the tests expect is worked out by hand in test_marts.py from the rows below.
"""

from __future__ import annotations

from datetime import date

AS_OF = date(2025, 4, 2)  # March's reports, due 04-05, are exactly 3 days away
DEALERS = ("D0001", "D0002", "D0003", "D0004", "D0005", "D0006")
CONTRACT_END = {"D0001": "2025-04-19", "D0002": "2025-06-01", "D0003": "2025-03-01",
                "D0004": "2025-07-01", "D0005": "2025-07-02", "D0006": "2025-04-10"}


def dealers_rows() -> list[dict]:
    return [
        {"dealer_id": d, "dealer_name": f"经销商{d}", "tier": "A", "region": "South", "province": "海南",
         "city_code": "460100", "credit_limit": "1000000",
         "status": "terminated" if d == "D0006" else "active",
         "contract_start": "2023-01-01", "contract_end": CONTRACT_END[d],
         # D0003 has no contact, D0004 no manager: both are optional
         "contact_email": "" if d == "D0003" else f"{d.lower()}@dealer.example.cn",
         "manager_email": "" if d == "D0004" else ("wang@brand.example.cn" if d in ("D0001", "D0002") else "li@brand.example.cn")}
        for d in DEALERS
    ]


def reporting_landing(lb) -> None:
    lb.standard_erp(dealers=DEALERS)
    lb.erp("dealers", "20250101", dealers_rows())  # replaces standard_erp's snapshot

    # D0001: January sales at the last second of the due day, the inventory one second later
    lb.sales("D0001", "202501", [lb.sale()], submitted="20250205T235959")
    lb.inventory("D0001", "20250131", [lb.stock()], submitted="20250206T000000")
    # February: a rejected sales file (no qty column) is not a report; a mid-month stock
    # report is not the month-end one; the month-end one on time
    lb.sales("D0001", "202502", [{"sale_date": "2025-02-10", "sku": "SKU001"}], submitted="20250303T100000")
    lb.inventory("D0001", "20250215", [lb.stock(qty_on_hand="7")], submitted="20250301T090000")
    lb.inventory("D0001", "20250228", [lb.stock(qty_on_hand="8")], submitted="20250304T090000")
    # March: inventory on time; the sales file comes the day after the as-of date
    lb.inventory("D0001", "20250331", [lb.stock(qty_on_hand="9")], submitted="20250401T080000")
    lb.sales("D0001", "202503", [lb.sale(sale_date="2025-03-10")], submitted="20250404T090000")

    # D0002 starts reporting in February, five days late; its stock report repeats the bytes
    # of D0001's, a duplicate, which is no report
    lb.sales("D0002", "202502", [lb.sale(sale_date="2025-02-10")], submitted="20250310T100000")
    lb.inventory("D0002", "20250228", [lb.stock(qty_on_hand="8")], submitted="20250305T090000")

    # D0006 is terminated: its reports are nobody's reminder
    lb.sales("D0006", "202501", [lb.sale(qty="3")], submitted="20250201T100000")
