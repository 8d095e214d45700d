"""A dealer's month-end inventory report: its counted stock, a miscount, quarantined rows,
a superseded first count and an empty upload (docs/generator.md)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np

from pipelines.synth.context import INVENTORY, UNKNOWN_SKU, Context
from pipelines.synth.plan import Dealer, month_start


def inventory_report(g: Context, d: Dealer, m: int, events: list[str]) -> None:
    st = g.state[d.idx]
    rec = st.month_in
    if rec.size:
        order = np.argsort(rec[:, 1], kind="stable")
        st.last_lot[rec[order, 0]] = rec[order, 3]
    if not d.reports_inventory or "inventory_missing" in events:
        if "inventory_missing" in events:
            g.injected["inventory_missing"] += 1
        return
    rng = g.rng(INVENTORY, d.idx, m)
    first = g.plan.firsts[m]
    day = month_start(first, 1) - timedelta(days=1)
    held = np.flatnonzero(st.stock > 0)
    if not held.size:
        return
    qty = st.stock[held].copy()
    if "inventory_variance" in events:
        for j in rng.choice(len(held), size=min(2, len(held)), replace=False):
            qty[j] = max(0, qty[j] + int(rng.choice([-3, -2, -1, 1, 2])))
    cols = d.layouts["inventory"]
    data = {"sku": [g.skus[s] for s in held], "qty_on_hand": qty.tolist(),
            "batch_no": [g.lot(int(st.last_lot[s])) if st.last_lot[s] >= 0 else None for s in held]}
    bad = []
    for ev in events:
        if ev.startswith("badinv:"):
            codes = tuple(ev[7:].split("+"))
            s = int(held[int(rng.integers(len(held)))])
            row = {"sku": g.skus[s], "qty_on_hand": 1, "batch_no": data["batch_no"][0]}
            if "QTY_NOT_POSITIVE" in codes:
                row["qty_on_hand"] = -int(rng.integers(1, 4))
            if "UNKNOWN_SKU" in codes:
                row["sku"] = UNKNOWN_SKU
            if "BAD_NUMBER" in codes:
                row["qty_on_hand"] = "十二"
            at = int(rng.integers(len(data["sku"]) + 1))
            for c in data:
                data[c].insert(at, row[c])
            bad = [(r + (r >= at + 1), c) for r, c in bad] + [(at + 1, codes)]
    at = datetime.combine(month_start(first, 1) + timedelta(days=int(rng.integers(0, 6))),
                          time(int(rng.integers(8, 20)), int(rng.integers(60)), int(rng.integers(60))))
    name = lambda t: f"dealers/{d.dealer_id}/inventory_{d.dealer_id}_{day:%Y%m%d}_{t:%Y%m%dT%H%M%S}.{d.profile.ext}"  # noqa: E731
    title = f"{d.name} {day:%Y-%m-%d} 库存盘点"
    n = len(data["sku"])
    if "hostile:zero_byte" in events:
        if g.landing.write(name(at - timedelta(minutes=30)).rsplit(".", 1)[0] + ".csv", b"", kind="inventory",
                              dealer_id=d.dealer_id, status="rejected", reason="EMPTY_FILE"):
            g.injected["hostile_file:zero_byte"] += 1
    rel = name(at)
    status = "partially_accepted" if bad else "accepted"
    # Two reports can come out byte-identical (a small dealer whose stock did not move):
    # listing a carried SKU at 0 changes nothing in the marts and makes the file distinct.
    spare = [int(s) for s in np.flatnonzero(d.sku_weight > 0) if st.stock[s] <= 0]
    while not g.emit(d, rel, "inventory", cols, data, title, status, "", len(data["sku"]), len(bad)):
        if not spare:
            return  # the same report was already sent: this month counts as not reported
        s = spare.pop(0)
        for c, v in (("sku", g.skus[s]), ("qty_on_hand", 0), ("batch_no", None)):
            data[c].append(v)
    for r, codes in bad:
        g.landing.quarantine(rel, r, codes)
        g.injected["bad_inventory_row:" + "+".join(codes)] += 1
    if "inventory_variance" in events:
        g.injected["inventory_variance"] += 1
        g.landing.writers["inventory_variance"].writerow((d.dealer_id, first.isoformat()))
    if "inventory_resubmitted" in events:
        first_try = {c: list(v) for c, v in data.items()}
        counted = [j for j, v in enumerate(first_try["qty_on_hand"]) if type(v) is int and v >= 0]
        j = counted[int(rng.integers(len(counted)))]
        first_try["qty_on_hand"][j] += 5  # a miscount, corrected by the later report
        rel0 = name(at - timedelta(hours=int(rng.integers(2, 40))))
        if g.emit(d, rel0, "inventory", cols, first_try, title, "superseded", "", len(data["sku"]), len(bad)):
            for r, codes in bad:
                g.landing.quarantine(rel0, r, codes)
            g.injected["inventory_resubmitted"] += 1
