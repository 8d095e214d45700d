"""The expense write-off rules of docs/marts.md, implemented independently of dbt so the
generator can write the expected outcome of every claim into truth/claims.csv.

Written straight from docs/marts.md, on plain records; money is Decimal, rounded half-up to fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from pipelines import codes

FEN = Decimal("0.01")
# The rules in the order a claim's codes are listed: the seed dbt_project/seeds/dcw_codes.csv.
RULES: tuple[str, ...] = codes.codes("writeoff")


@dataclass(frozen=True)
class CampaignTerms:
    campaign_id: str
    start: date
    end: date
    category: str  # "*" = all
    region: str  # "*" = all
    rate: Decimal
    budget: Decimal


@dataclass(frozen=True)
class ClaimFact:
    """A claim as the warehouse holds it (newest version) plus the sales evidence behind it:
    `verified_sales_value` over the claim's eligible window (0 when the window is empty or the
    campaign unknown)."""

    claim_id: str
    dealer_id: str
    dealer_region: str
    campaign_id: str
    submitted_at: datetime
    amount: Decimal
    period_start: date
    period_end: date
    verified_sales_value: Decimal


@dataclass(frozen=True)
class Outcome:
    claim_id: str
    status: str
    reason_codes: tuple[str, ...]
    approved: Decimal
    cap: Decimal | None


def eligible_window(period_start: date, period_end: date, campaign: CampaignTerms) -> tuple[date, date] | None:
    """[max(period_start, start_date), min(period_end, end_date)], or None when empty."""
    lo, hi = max(period_start, campaign.start), min(period_end, campaign.end)
    return (lo, hi) if lo <= hi else None


def cap_amount(rate: Decimal, verified: Decimal) -> Decimal:
    return (rate * verified).quantize(FEN, rounding=ROUND_HALF_UP)


def evaluate(claims: list[ClaimFact], campaigns: dict[str, CampaignTerms]) -> dict[str, Outcome]:
    order = sorted(claims, key=lambda c: (c.submitted_at, c.claim_id))
    reasons: dict[str, list[str]] = {}
    approved: dict[str, Decimal] = {}
    caps: dict[str, Decimal | None] = {}
    passed_1_4: list[ClaimFact] = []
    for c in order:
        camp = campaigns.get(c.campaign_id)
        window = eligible_window(c.period_start, c.period_end, camp) if camp else None
        caps[c.claim_id] = cap_amount(camp.rate, c.verified_sales_value) if camp else None
        approved[c.claim_id] = Decimal("0.00")
        if camp is None:
            reasons[c.claim_id] = ["UNKNOWN_CAMPAIGN"]
        elif camp.region != "*" and camp.region != c.dealer_region:
            reasons[c.claim_id] = ["DEALER_NOT_ELIGIBLE"]
        elif window is None:
            reasons[c.claim_id] = ["OUT_OF_WINDOW"]
        elif (c.submitted_at.date() - camp.end).days > 60:
            reasons[c.claim_id] = ["LATE_CLAIM"]
        else:
            earlier = [
                p for p in passed_1_4
                if p.dealer_id == c.dealer_id and p.campaign_id == c.campaign_id
                and _overlap(window, eligible_window(p.period_start, p.period_end, camp))
            ]
            passed_1_4.append(c)
            if earlier:
                reasons[c.claim_id] = ["DUPLICATE_CLAIM"]
            elif c.verified_sales_value == 0:
                reasons[c.claim_id] = ["NO_SALES_EVIDENCE"]
            else:
                cap = caps[c.claim_id]
                reasons[c.claim_id] = ["CAPPED_BY_SALES"] if c.amount > cap else []
                approved[c.claim_id] = min(c.amount, cap)
    # Rule 8: serve each campaign's surviving claims in (submitted_at, claim_id) order.
    remaining = {cid: camp.budget for cid, camp in campaigns.items()}
    for c in order:
        r = reasons[c.claim_id]
        if r and r[0] not in ("CAPPED_BY_SALES",):
            continue
        left = remaining[c.campaign_id]
        if approved[c.claim_id] > left:
            approved[c.claim_id] = left
            r.append("BUDGET_EXHAUSTED")
        remaining[c.campaign_id] = left - approved[c.claim_id]
    out = {}
    for c in order:
        a = approved[c.claim_id]
        status = "approved" if a == c.amount else ("partially_approved" if a > 0 else "rejected")
        out[c.claim_id] = Outcome(c.claim_id, status, tuple(reasons[c.claim_id]), a, caps[c.claim_id])
    return out


def _overlap(a: tuple[date, date], b: tuple[date, date] | None) -> bool:
    return b is not None and a[0] <= b[1] and b[0] <= a[1]


# ---------------------------------------------------------------------------------------------
# Rebate accrual (docs/marts.md, targets/): the tier reached by verified value against the
# quarter's target, tested in exact decimals as the mart does.

@dataclass(frozen=True)
class Accrual:
    tier_min_attainment: Decimal | None
    rebate_rate: Decimal | None
    rebate_amount: Decimal
    status: str  # earned / not_reached / no_target


def quarter_target(quarter_row: Decimal | None, month_rows: list[Decimal]) -> Decimal | None:
    """The quarter's target row, else the sum of its month targets when all three are given."""
    if quarter_row is not None:
        return quarter_row
    return sum(month_rows, Decimal(0)) if len(month_rows) == 3 else None


def accrue(target: Decimal | None, verified: Decimal, tiers: list[tuple[Decimal, Decimal]]) -> Accrual:
    """tiers: (min_attainment, rebate_rate). The highest tier with min_attainment <=
    verified / target; rebate_amount = round(rate x verified, 2), 0 when no tier is reached."""
    if target is None:
        return Accrual(None, None, Decimal("0.00"), "no_target")
    reached = [(m, r) for m, r in tiers if m * target <= verified]
    if not reached:
        return Accrual(None, None, Decimal("0.00"), "not_reached")
    m, r = max(reached)
    return Accrual(m, r, (r * verified).quantize(FEN, rounding=ROUND_HALF_UP), "earned")


# --- stock alert thresholds (docs/marts.md, rpt_inventory_alerts) ---------------------------

DEFAULT_THRESHOLDS = (Decimal(2), Decimal(12))


@dataclass(frozen=True)
class ThresholdRow:
    source_row: int
    category: str  # "*" = all
    tier: str  # "*" = all
    low_weeks: Decimal
    high_weeks: Decimal


def alert_thresholds(rows: list[ThresholdRow], category: str, tier: str) -> tuple[Decimal, Decimal, int | None]:
    """(low, high, source_row) for a dealer tier and a product category: the matching row most
    specific first - category and tier, then category, then tier, then */* - the row higher
    in the file where one pair is given twice; the defaults 2 and 12 (no row) otherwise."""
    def rank(r: ThresholdRow) -> int:
        return {(True, True): 1, (True, False): 2, (False, True): 3, (False, False): 4}[
            (r.category != "*", r.tier != "*")]

    matching = [r for r in rows if r.category in (category, "*") and r.tier in (tier, "*")]
    if not matching:
        return (*DEFAULT_THRESHOLDS, None)
    best = min(matching, key=lambda r: (rank(r), r.source_row))
    return best.low_weeks, best.high_weeks, best.source_row
