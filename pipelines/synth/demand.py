"""Expected sell-out per (day, SKU) of a dealer-month: calendar rhythm, product seasonality,
launches and campaign lifts (docs/generator.md, "Demand"). Shipments, the opening stock and
the ordinary sales all size themselves from it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from pipelines.synth import world
from pipelines.synth.context import Context
from pipelines.synth.plan import CAMPAIGN_LIFT, Dealer, days_in

QTY_VALUES = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12])
QTY_P = np.array([0.72, 0.17, 0.06, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005])


def day_weights(g: Context, m: int) -> np.ndarray:
    first = g.plan.firsts[m]
    nd = days_in(first)
    w = np.ones(nd)
    for k in range(nd):
        d = first + timedelta(days=k)
        if d.weekday() >= 5:
            w[k] = 1.4
        if d.month == 6 and d.day <= 18:
            w[k] *= 1.3 + 0.8 * (d.day == 18)
        if d.month == 11 and d.day <= 11:
            w[k] *= 1.5 + 2.0 * (d.day == 11)
        ny = world.cny(d.year)
        delta = (d - ny).days
        if -20 <= delta <= -2:
            w[k] *= 1.3
        elif -1 <= delta <= 6:
            w[k] *= 0.25
    return w


def month_matrix(g: Context, m: int, region: int) -> tuple[np.ndarray, np.ndarray]:
    """Demand weight by (day, sku) for a region: calendar rhythm, product seasonality and
    launch, with and without campaign lifts."""
    key = (m, region)
    if key not in g.matrix_cache:
        first = g.plan.firsts[m]
        nd = days_in(first)
        cal = first.month - 1
        cat_season = np.array([world.CATEGORIES[c].season[cal] for c in g.plan.sku_category])
        days = first.toordinal() + np.arange(nd)
        launched = days[:, None] >= g.plan.launch_ord[None, :]
        base = day_weights(g, m)[:, None] * cat_season[None, :] * launched
        lift = np.ones_like(base)
        cat_names = np.array([world.CATEGORIES[c].name for c in g.plan.sku_category])
        for camp in g.plan.campaigns:
            if camp.region not in ("*", world.REGIONS[region]):
                continue
            inwin = (days >= camp.start.toordinal()) & (days <= camp.end.toordinal())
            if not inwin.any():
                continue
            skus = np.ones(g.S, bool) if camp.category == "*" else cat_names == camp.category
            lift[np.ix_(inwin, skus)] = CAMPAIGN_LIFT
        g.matrix_cache[key] = (base * lift, base)
        if len(g.matrix_cache) > 64:
            g.matrix_cache.pop(next(iter(g.matrix_cache)))
    return g.matrix_cache[key]


def demand(g: Context, d: Dealer, m: int) -> tuple[np.ndarray, float]:
    """(day x sku weights for this dealer, expected number of sales lines)."""
    lifted, base = month_matrix(g, m, d.region)
    W = lifted * d.sku_weight[None, :]
    nolift = (base * d.sku_weight[None, :]).sum()
    if nolift <= 0:
        return W, 0.0
    first = g.plan.firsts[m]
    trend = (1 + d.growth) ** (m / 12)
    lam = d.base_lines * world.MONTH_SEASON[first.month - 1] * trend * W.sum() / nolift
    return W, lam


def expected_units(g: Context, d: Dealer, m: int) -> np.ndarray:
    W, lam = demand(g, d, m)
    tot = W.sum()
    if tot <= 0:
        return np.zeros(g.S)
    return lam * float(QTY_VALUES @ QTY_P) * W.sum(axis=0) / tot
