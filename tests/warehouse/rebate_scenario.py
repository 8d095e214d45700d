"""A hand-made landing for targets and rebates (docs/marts.md, targets/), every figure worked
out by hand in tests/warehouse/test_rebates.py.

Q1 2025, three dealers of region South, programme P1 (tiers 0.8 -> 2%, 1.0 -> 3%, 1.2 -> 5%)
for every region and P2 for region North (covers nobody):

- D0001, quarter target 1,000.20: verified 200 + 400.20 + 400 = 1,000.20, exactly on the
  1.0 boundary (3%: round(30.006, 2) = 30.01). Its January line of batch BX, which no dealer
  received (UNKNOWN_BATCH), is worth 300 and would have lifted it to 1.3, the 5% tier.
- D0002, month targets 500 + 500 + 500 = 1,500: verified 300 + 100 + 200 = 600, attainment
  0.4: not_reached. Its April line counts for no Q1 figure.
- D0003, no target: no_target, verified 150.
"""

from __future__ import annotations

from tests.landing_builder import Landing

DEALERS = ("D0001", "D0002", "D0003")
PROGRAMS = [
    {"program_id": "P1", "program_name": "一季度返利", "quarter": "2025-Q1", "region": "*",
     "min_attainment": m, "rebate_rate": r} for m, r in (("0.8", "0.02"), ("1.0", "0.03"), ("1.2", "0.05"))
] + [{"program_id": "P2", "program_name": "华北返利", "quarter": "2025-Q1", "region": "North",
      "min_attainment": "0.5", "rebate_rate": "0.01"}]
TARGETS = [
    {"dealer_id": "D0001", "period": "2025-Q1", "target_value": "1000.20"},
    {"dealer_id": "D0002", "period": "2025-01", "target_value": "500"},
    {"dealer_id": "D0002", "period": "2025-02", "target_value": "500"},
    {"dealer_id": "D0002", "period": "2025-03", "target_value": "500"},
    {"dealer_id": "D0002", "period": "2025-13", "target_value": "500"},  # BAD_DATE
    {"dealer_id": "D0003", "period": "2025-Q2", "target_value": "0"},  # AMOUNT_NOT_POSITIVE
]


def rebate_channel(lb: Landing, with_targets: bool = True) -> None:
    lb.standard_erp(dealers=DEALERS)
    if with_targets:
        lb.erp("targets", "20250101", TARGETS)
        lb.erp("rebate_programs", "20250101", PROGRAMS)
    sale = Landing.sale
    lb.sales("D0001", "202501", [sale(qty="2", unit_price="100"),
                                 sale(qty="1", unit_price="300", batch_no="BX", invoice_no="INV2")],
             submitted="20250203T100000")
    lb.sales("D0001", "202502", [sale(sale_date="2025-02-10", qty="4", unit_price="100.05")],
             submitted="20250303T100000")
    lb.sales("D0001", "202503", [sale(sale_date="2025-03-10", qty="4", unit_price="100")],
             submitted="20250403T100000")
    lb.sales("D0002", "202501", [sale(qty="3", unit_price="100")], submitted="20250203T100000")
    lb.sales("D0002", "202502", [sale(sale_date="2025-02-11", qty="1", unit_price="100")],
             submitted="20250303T100000")
    lb.sales("D0002", "202503", [sale(sale_date="2025-03-11", qty="2", unit_price="100")],
             submitted="20250403T100000")
    lb.sales("D0002", "202504", [sale(sale_date="2025-04-01", qty="9", unit_price="100")],
             submitted="20250503T100000")
    lb.sales("D0003", "202502", [sale(sale_date="2025-02-12", qty="1", unit_price="150")],
             submitted="20250303T100000")
