"""What every file kind of the generator reads and writes: the parameters and plan, each
dealer's stock bookkeeping, the landing writer and the count of every injection.

Bookkeeping mirrors what the pipeline will see (accepted rows of the current versions, final
shipment lines after corrections, opening inventory), so the computed truth files
(negative_stock, below_floor, claims) are exact. Random draws come from generators keyed by
(seed, purpose, dealer, month), so a dealer-month's data does not depend on loop order
(docs/generator.md, "Same seed, same bytes").
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Executor
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np

from pipelines.synth import world
from pipelines.synth.expect import ClaimFact
from pipelines.synth.formats import PROFILES, csv_bytes
from pipelines.synth.landing import Landing, Workbook, prepare
from pipelines.synth.params import GeneratorParams
from pipelines.synth.plan import ClaimPlan, Dealer, Plan, month_start

Progress = Callable[[int, int, str], None]
UNKNOWN_SKU = "XX999"
FAKE_WEEK = 7  # lots are weeks 1-5 of a month (0 = opening stock); week 7 is never made

# The purposes random draws are keyed by (with dealer and month): renumbering one changes
# every output byte of that kind.
OPENING, SHIP, SALES, ERP, INVENTORY, CLAIMS, TRANSIT = range(7)


def lot_code(lot: int, start: date) -> str:
    """Production lot number, e.g. L25032E: made in 2025-03, week 2, for region 华东."""
    first = month_start(start, lot // 64 - 2)
    return f"L{first.year % 100:02d}{first.month:02d}{(lot // 8) % 8}{world.REGION_LETTER[world.REGIONS[lot % 8]]}"


def lot_id(month: int, week: int, region: int) -> int:
    return (month + 2) * 64 + week * 8 + region


def grouped_cumsum(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sum of values within runs of equal (sorted) group keys."""
    c = np.cumsum(values)
    if not len(c):
        return c
    start = np.r_[True, groups[1:] != groups[:-1]]
    base = np.maximum.accumulate(np.where(start, c - values, np.iinfo(np.int64).min))
    return c - base


class DealerState:
    def __init__(self, n_sku: int):
        self.stock = np.zeros(n_sku, np.int64)  # closing qty as fct_sell_through_monthly has it
        self.active = np.zeros(n_sku, bool)
        self.fifo_ptr = np.zeros(n_sku, np.int64)  # units consumed by ordinary sales
        self.received = np.zeros(n_sku, np.int64)  # units ever received (FIFO positions)
        self.lots = np.zeros((0, 4), np.int64)  # sku, cum_end, lot, day ordinal
        self.last_lot = np.full(n_sku, -1, np.int64)
        self.month_in = None  # this month's receipts: (sku, day index, qty, lot) rows
        self.month_returns = np.zeros(n_sku, np.int64)
        self.month_sell_in = np.zeros(n_sku, np.int64)  # delivered this month (returns: shipped)
        self.pending: list[tuple[int, int, int, int]] = []  # in transit: (sku, delivery day of next month, qty, lot)
        self.values: dict[int, np.ndarray] = {}  # month -> fen by (category, day) of clean lines


class Context:
    """One generator run's shared state; the file-kind modules take it as their first argument."""

    def __init__(self, params: GeneratorParams):
        self.p = params
        self.out = Path(params.out)
        self.landing: Landing | None = None  # opened by open_landing, once the plan is made
        self.plan = Plan(params)
        self.S = len(self.plan.products)
        self.state = [DealerState(self.S) for _ in self.plan.dealers]
        self.injected: Counter[str] = Counter()
        self.lot_index: dict[int, np.ndarray] = {}  # month -> rows (sku, lot, day ordinal, dealer)
        self.matrix_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.claim_facts: list[ClaimFact] = []
        self.lot_codes: dict[int, str] = {}
        self.claim_intent: dict[str, str] = {}
        self.sales_lines = 0
        self.month_fen: dict[tuple[int, int], tuple[int, int]] = {}  # (dealer, month) -> verified, flagged fen
        self.opening_rows: list[tuple[int, int, int, int]] = []  # (dealer, sku, lot, qty)
        self.claims_by_cell: dict[tuple[int, int], list[ClaimPlan]] = {}
        for c in self.plan.claims:
            m = min(self.month_of(c.submitted.date()), self.p.months - 1)
            self.claims_by_cell.setdefault((c.dealer, m), []).append(c)
        self.skus = [pr.sku for pr in self.plan.products]
        self.city_codes = [c[0] for c in world.CITIES]

    def open_landing(self, pool: Executor | None = None) -> Path:
        """Check and clear the output folder, start writing (workbooks by `pool`'s processes,
        if given); the truth folder."""
        truth = prepare(self.out)
        self.landing = Landing(self.out, truth, pool)
        return truth

    def rng(self, purpose: int, dealer: int, month: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.p.seed, spawn_key=(purpose, dealer, month)))

    def month_of(self, d: date) -> int:
        return (d.year - self.p.start.year) * 12 + d.month - self.p.start.month

    def lot(self, lot: int) -> str:
        code = self.lot_codes.get(lot)
        if code is None:
            code = self.lot_codes[lot] = lot_code(lot, self.p.start)
        return code

    def emit(self, d: Dealer, rel: str, kind: str, columns: tuple[str, ...], data: dict[str, list], title: str,
             status: str, reason: str, rows: int, quarantined: int = 0, profile=None, dealer_id: str | None = None) -> bool:
        """Write one dealer file in the dealer's format habit; False if its bytes were already sent."""
        profile = profile or d.profile
        data = {c: data.get(c, [None] * rows) for c in columns}
        did = d.dealer_id if dealer_id is None else dealer_id
        if rel.endswith(".xlsx"):
            return self.landing.write(rel, None, kind=kind, dealer_id=did, status=status, reason=reason,
                                      rows=rows, quarantined=quarantined,
                                      xlsx=Workbook(columns, data, profile, title))
        if profile.ext == "xlsx":  # a CSV from an Excel dealer (a hostile copy): plain portal CSV
            profile = PROFILES[0]
        return self.landing.write(rel, csv_bytes(columns, data, profile), kind=kind, dealer_id=did,
                                  status=status, reason=reason, rows=rows, quarantined=quarantined)
