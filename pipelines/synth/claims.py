"""Expense claims after campaigns: the amounts a dealer claims against its own verified
sales, resubmissions and broken rows, and the expected outcome of every current claim
(truth/claims.csv, computed by pipelines/synth/expect.py; docs/generator.md)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import numpy as np

from pipelines.synth import world
from pipelines.synth.context import CLAIMS, Context
from pipelines.synth.expect import CampaignTerms, ClaimFact, eligible_window, evaluate
from pipelines.synth.plan import ClaimPlan, Dealer, month_start


def verified_value(g: Context, d: Dealer, category: str, lo: date, hi: date) -> Decimal:
    """Σ qty × unit_price of the dealer's clean accepted lines in [lo, hi] (fen → CNY)."""
    st = g.state[d.idx]
    cats = (slice(None) if category == "*" else
            [i for i, c in enumerate(world.CATEGORIES) if c.name == category])
    total = 0
    for mm in range(g.month_of(lo), g.month_of(hi) + 1):
        vals = st.values.get(mm)
        if vals is None:
            continue
        first = g.plan.firsts[mm]
        a = max(lo, first).day - 1
        b = min(hi, month_start(first, 1) - timedelta(days=1)).day
        total += int(vals[cats, a:b].sum())
    return Decimal(total) / 100


def dealer_claims(g: Context, d: Dealer, m: int) -> None:
    plans = g.claims_by_cell.get((d.idx, m), [])
    if not plans:
        return
    rng = g.rng(CLAIMS, d.idx, m)
    groups: dict[datetime, list[ClaimPlan]] = {}
    for c in plans:
        groups.setdefault(c.submitted, []).append(c)
    resent: dict[datetime, list[tuple[ClaimPlan, int]]] = {}
    for at in sorted(groups):
        rows = []
        for c in sorted(groups[at], key=lambda c: c.claim_id):
            camp = g.plan.campaign_by_id.get(c.campaign_id)
            window = eligible_window(c.period_start, c.period_end, terms(camp)) if camp else None
            verified = verified_value(g, d, camp.category, *window) if window else Decimal(0)
            cap = (camp.rate * verified) if camp else Decimal(0)
            if not c.intent and cap < 1:
                continue  # nothing sold in scope: the dealer has nothing to claim
            if c.intent == "CAPPED_BY_SALES" and cap >= 1:
                amount = cap * Decimal(str(round(rng.uniform(1.3, 1.9), 3)))
            elif not c.intent:
                amount = cap * Decimal(str(round(rng.uniform(0.4, 0.95), 3)))
            else:
                amount = Decimal(int(rng.integers(800, 20000)))
            fen = int(amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN) * 100)
            latest = at
            if c.resubmitted:
                first_fen = fen * int(rng.integers(105, 131)) // 100  # the first version claimed more
                rows.append((c, first_fen))
                resent.setdefault(c.resubmitted, []).append((c, fen))
                latest = c.resubmitted
                g.injected["claim_resubmitted"] += 1
            else:
                rows.append((c, fen))
            g.claim_facts.append(ClaimFact(
                c.claim_id, d.dealer_id, d.region_name, c.campaign_id, latest, Decimal(fen) / 100,
                c.period_start, c.period_end, verified))
            g.claim_intent[c.claim_id] = c.intent
        if rows:
            claims_file(g, d, at, rows, rng)
    for at in sorted(resent):
        claims_file(g, d, at, resent[at], rng, resubmission=True)


def claims_file(g: Context, d: Dealer, at: datetime, rows: list[tuple[ClaimPlan, int]], rng: np.random.Generator,
                resubmission: bool = False) -> None:
    cols = d.layouts["claims"]

    def values(items: list[tuple[ClaimPlan, int]]) -> dict[str, list]:
        out: dict[str, list] = {c: [] for c in ("claim_id", "campaign_id", "expense_type", "amount",
                                                 "period_start", "period_end", "description")}
        for c, fen in items:
            camp = g.plan.campaign_by_id.get(c.campaign_id)
            out["claim_id"].append(c.claim_id)
            out["campaign_id"].append(c.campaign_id)
            out["expense_type"].append(c.expense_type)
            out["amount"].append(fen)
            out["period_start"].append(c.period_start.toordinal())
            out["period_end"].append(c.period_end.toordinal())
            out["description"].append(f"{camp.name if camp else '活动'}{c.expense_type}"
                                      + ("（更正金额）" if resubmission else ""))
        return out

    data = values(rows)
    bad = []
    if not resubmission:
        for c, fen in rows:
            if not c.bad_row:
                continue
            i = len(data["claim_id"])
            for col, v in values([(c, fen)]).items():
                data[col].append(v[0])
            data["claim_id"][i] = c.claim_id + "B"
            if "AMOUNT_NOT_POSITIVE" in c.bad_row:
                data["amount"][i] = -fen if rng.random() < 0.5 else 0
            if "MISSING_VALUE" in c.bad_row:
                data["expense_type"][i] = None
            if "BAD_DATE" in c.bad_row:
                data["period_end"][i] = f"{c.period_end.year}-06-31"
            bad.append((i + 1, c.bad_row))
            g.injected["bad_claim_row:" + "+".join(c.bad_row)] += 1
    title = f"{d.name} 费用报销申请"
    name = lambda t: f"dealers/{d.dealer_id}/claims_{d.dealer_id}_{t:%Y%m%dT%H%M%S}.{d.profile.ext}"  # noqa: E731
    n = len(data["claim_id"])
    if not resubmission and any(c.missing_columns_attempt for c, _ in rows):
        short = tuple(c for c in cols if c != "amount")
        if g.emit(d, name(at - timedelta(minutes=7)), "claims", short, data, title, "rejected",
                     "MISSING_COLUMNS", n):
            g.injected["claims_missing_columns_file"] += 1
    rel = name(at)
    ok = g.emit(d, rel, "claims", cols, data, title, "partially_accepted" if bad else "accepted", "", n, len(bad))
    assert ok, rel
    for r, codes in bad:
        g.landing.quarantine(rel, r, codes)


def terms(camp, budget: Decimal | None = None) -> CampaignTerms:
    return CampaignTerms(camp.campaign_id, camp.start, camp.end, camp.category, camp.region, camp.rate,
                         camp.budget if budget is None else budget)


def claims_truth(g: Context, truth: Path) -> dict:
    """Budgets (generous, except one campaign that runs out), then the expected outcome of
    every current claim."""
    unlimited = {c.campaign_id: terms(c, Decimal(10) ** 12) for c in g.plan.campaigns}
    first_pass = evaluate(g.claim_facts, unlimited)
    facts = sorted(g.claim_facts, key=lambda f: (f.submitted_at, f.claim_id))
    for camp in g.plan.campaigns:
        served = [first_pass[f.claim_id].approved for f in facts
                  if f.campaign_id == camp.campaign_id and first_pass[f.claim_id].approved > 0]
        total = sum(served, Decimal(0))
        camp.budget = Decimal(math.ceil((total * Decimal("1.2") + 5000) / 10000) * 10000)
        if camp.campaign_id == g.plan.tight_campaign and len(served) >= 2 and g.p.injection_scale > 0:
            k = len(served) // 2 if len(served) >= 3 else 1
            before = sum(served[: k - 1], Decimal(0))
            budget = (before + served[k - 1] / 2).quantize(Decimal("0.01"))
            rounded = Decimal(int(budget / 100) * 100)
            camp.budget = rounded if before < rounded < before + served[k - 1] else budget
    outcomes = evaluate(g.claim_facts, {c.campaign_id: terms(c) for c in g.plan.campaigns})
    with open(truth / "claims.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("claim_id,dealer_id,campaign_id,injected_rule,expected_status,expected_reason_codes,"
                 "expected_approved_amount\n")
        for f in sorted(g.claim_facts, key=lambda f: f.claim_id):
            o = outcomes[f.claim_id]
            fh.write(f"{f.claim_id},{f.dealer_id},{f.campaign_id},{g.claim_intent[f.claim_id]},{o.status},"
                     f"\"{','.join(o.reason_codes)}\",{o.approved:.2f}\n")
    return outcomes
