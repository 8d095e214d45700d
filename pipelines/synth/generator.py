"""The streaming generator: month by month, shipments for every dealer first (so every batch
of the month is known), then each dealer's sales, inventory report and claims; the master-data
snapshots and the claims' truth at the end, once every fact is known.

Each file kind has its module (shipments, sales, inventory, claims, snapshots); they share
one `Context` (pipelines/synth/context.py). See docs/generator.md.
"""

from __future__ import annotations

import json
import os
from collections import Counter
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict

import numpy as np

from pipelines.core.errors import UserError
from pipelines.synth.claims import claims_truth, dealer_claims
from pipelines.synth.context import SALES, Context, Progress
from pipelines.synth.hostile import look_valid
from pipelines.synth.inventory import inventory_report
from pipelines.synth.params import GeneratorParams
from pipelines.synth.plan import Dealer
from pipelines.synth.sales import normal_sales, sales_file
from pipelines.synth.shipments import opening_inventory, shipments
from pipelines.synth.snapshots import snapshots
from pipelines.synth.targets import targets_and_rebates


def generate(params: GeneratorParams, progress: Progress | None = None, workers: int | None = None) -> dict:
    """Write a landing folder at params.out and its ground truth at params.out/../truth.

    `workers`: processes to use (default: every core); the output does not depend on it
    (docs/generator.md, "Both cores")."""
    params.check()
    progress = progress or (lambda done, total, detail: None)
    helpers = pool_size(workers)
    if not helpers:
        return _generate(params, progress, None)
    # Helpers start from a fresh server process, never by forking this one: a fork of a
    # process with threads (DuckDB's, a test runner's) can inherit a held lock and crash.
    with ProcessPoolExecutor(helpers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        return _generate(params, progress, pool)


def pool_size(workers: int | None) -> int:
    """Helper processes beside this one: `workers` in all, this one included."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise UserError(f"--workers must be at least 1 (got {workers})")
    return workers - 1


def _generate(params: GeneratorParams, progress: Progress, pool: ProcessPoolExecutor | None) -> dict:
    g = Context(params)
    truth = g.open_landing(pool)
    total = 2 * params.months + 2
    opening_inventory(g)
    progress(1, total, "master data and opening inventory")
    for m in range(params.months):
        first = g.plan.firsts[m]
        shipments(g, m)
        progress(2 + 2 * m, total, f"{first:%Y-%m} shipments")
        for d in g.plan.dealers:
            dealer_month(g, d, m)
        g.lot_index.pop(m - 1, None)
        progress(3 + 2 * m, total, f"{first:%Y-%m} dealers")
    outcomes = claims_truth(g, truth)
    look_valid(g)
    snapshots(g)
    targets_and_rebates(g, truth)
    result = summary(g, outcomes)
    g.landing.finish()  # the marker last: every file is on disk before it
    (truth / "summary.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    g.landing.close()
    progress(total, total, "done")
    return result


def dealer_month(g: Context, d: Dealer, m: int) -> None:
    """One dealer's month: its sales file, the stock it closes with, its inventory report, its claims."""
    st = g.state[d.idx]
    events = g.plan.events.get((d.idx, m), [])
    rng = g.rng(SALES, d.idx, m)
    first = g.plan.firsts[m]
    opening = st.stock.copy()
    closing = opening + st.month_sell_in
    if "missing_sales" in events:
        g.injected["missing_sales"] += 1
    else:
        sales = normal_sales(g, d, m, rng)
        np.add.at(closing, sales["sku"], -sales["qty"])
        sales_file(g, d, m, rng, sales, closing, events)
    st.stock = closing
    neg = np.flatnonzero(st.active & (closing < 0))
    for s in neg:
        g.landing.writers["negative_stock"].writerow((d.dealer_id, g.skus[s], first.isoformat()))
    inventory_report(g, d, m, events)
    dealer_claims(g, d, m)
    for old in [k for k in st.values if k < m - 7]:
        del st.values[old]


def summary(g: Context, outcomes: dict) -> dict:
    """truth/summary.json: parameters, files and rows written, claims' outcomes, injections."""
    reasons = Counter(r for o in outcomes.values() for r in o.reason_codes)
    return {
        "generator": "dcw",
        "params": {"seed": g.p.seed, "dealers": g.p.dealers, "skus": g.p.skus,
                   "months": g.p.months, "start": g.p.start.isoformat(),
                   "injection_scale": g.p.injection_scale, "rates": asdict(g.p.rates)},
        "files": g.landing.files,
        "files_by_status": dict(sorted(g.landing.counts.items())),
        "rows_by_kind": dict(sorted(g.landing.kind_rows.items())),
        "sales_lines": g.sales_lines,
        "claims": len(outcomes),
        "claims_by_status": dict(sorted(Counter(o.status for o in outcomes.values()).items())),
        "claims_by_reason": dict(sorted(reasons.items())),
        "injected": dict(sorted(g.injected.items())),
    }
