"""Parameters of a generator run and the documented default injection rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.core.errors import UserError


@dataclass(frozen=True)
class InjectionRates:
    """Expected number of each injection per opportunity, before `injection_scale`.

    Dealer-month rates apply to each (dealer, month) with a sales file; ERP-month rates to
    each month's shipment delta files; claim rates to the number of ordinary claims. The
    planned number is round(rate * opportunities * scale), and at least 1 whenever scale > 0,
    so every kind shows up even in a small run. Actual counts (some plans can be infeasible,
    e.g. no stock to oversell) are what truth/summary.json reports.
    """

    # accepted sales lines that must be flagged or counted (per dealer-month)
    out_of_territory: float = 0.03
    foreign_batch: float = 0.03
    unknown_batch: float = 0.01  # a batch number nobody was ever shipped
    future_batch: float = 0.01  # a batch shipped only after the sale date
    negative_stock: float = 0.012  # a bulk sale of more than the dealer holds
    below_floor: float = 0.03
    # quarantined sales rows, per code (per dealer-month)
    bad_sales_row: float = 0.02
    # sales file versions (per dealer-month)
    month_to_date: float = 0.08  # a mid-month version later superseded by the final
    duplicate_file: float = 0.01  # the final file uploaded again, byte-identical
    missing_sales: float = 0.01  # the dealer never reports the month
    # inventory reports (per dealer-month)
    inventory_missing: float = 0.04
    inventory_resubmitted: float = 0.03
    inventory_variance: float = 0.05
    bad_inventory_row: float = 0.01  # per code
    # rejected dealer files (per dealer-month, per hostile kind)
    hostile_file: float = 0.002
    # ERP shipments (per month)
    shipment_correction: float = 1.0
    bad_shipment_row: float = 0.3  # per code
    # claims (per ordinary claim)
    claim_rule: float = 0.03  # per write-off rule designed to fire
    claim_resubmitted: float = 0.05
    bad_claim_row: float = 0.02  # per code

    def planned(self, name: str, opportunities: int, scale: float) -> int:
        if scale <= 0 or opportunities <= 0:
            return 0
        return min(opportunities, max(1, round(getattr(self, name) * opportunities * scale)))


@dataclass(frozen=True)
class GeneratorParams:
    out: Path
    seed: int = 42
    dealers: int = 40
    skus: int = 24
    months: int = 24
    start: date = date(2024, 10, 1)
    injection_scale: float = 1.0
    rates: InjectionRates = field(default_factory=InjectionRates)

    def check(self) -> None:
        if self.dealers < 1:
            raise UserError(f"--dealers must be at least 1, got {self.dealers}")
        if self.dealers > 99_999:
            raise UserError(f"--dealers must be at most 99999, got {self.dealers}")
        if self.skus < 1:
            raise UserError(f"--skus must be at least 1, got {self.skus}")
        if self.skus > 999:
            raise UserError(f"--skus must be at most 999, got {self.skus}")
        if self.months < 1:
            raise UserError(f"--months must be at least 1, got {self.months}")
        if self.months > 120:
            raise UserError(f"--months must be at most 120, got {self.months}")
        if self.start.day != 1:
            raise UserError(f"--start must be the first day of a month, got {self.start}")
        if not 2015 <= self.start.year <= 2040:
            raise UserError(f"--start must be between 2015-01 and 2040-12, got {self.start:%Y-%m}")
        if self.injection_scale < 0:
            raise UserError(f"--injection-scale must be >= 0, got {self.injection_scale}")
        if self.seed < 0:
            raise UserError(f"--seed must be >= 0, got {self.seed}")
