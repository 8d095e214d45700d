"""A dealer's monthly sales file: the ordinary sell-out (never more than it holds, from its
own batches in FIFO order), the injected diversions, price and stock anomalies, quarantined
rows, earlier versions and duplicates, and the truth of each (docs/generator.md)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np

from pipelines.synth import world
from pipelines.synth.customers import DOUBLE_REPORTED_RATE
from pipelines.synth.context import FAKE_WEEK, Context, grouped_cumsum, lot_id
from pipelines.synth.demand import QTY_P, QTY_VALUES, demand
from pipelines.synth.hostile import hostile
from pipelines.synth.plan import Dealer, days_in, month_start
from pipelines.synth.sales_rows import break_sale, customer_world, sales_columns

BIG = 1 << 40


def normal_sales(g: Context, d: Dealer, m: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The dealer's ordinary sell-out: never more than it holds, always from a batch it has
    received by the sale date (FIFO), into a city it is authorised for, within the price
    band."""
    st = g.state[d.idx]
    first = g.plan.firsts[m]
    nd = days_in(first)
    W, lam = demand(g, d, m)
    tot = W.sum()
    n = int(rng.poisson(lam)) if tot > 0 else 0
    empty = np.zeros(0, np.int64)
    if n == 0:
        return {"day": empty, "sku": empty, "qty": empty, "price": empty, "lot": empty, "city": empty}
    flat = rng.choice(W.size, size=n, p=(W / tot).ravel())
    day, sku = flat // g.S, flat % g.S
    qty = rng.choice(QTY_VALUES, size=n, p=QTY_P).astype(np.int64)
    order = np.lexsort((rng.random(n), day, sku))
    day, sku, qty = day[order], sku[order], qty[order]
    # what it holds by each day: opening + receipts so far - this month's returns
    rec = np.zeros((g.S, nd), np.int64)
    if st.month_in.size:
        np.add.at(rec, (st.month_in[:, 0], st.month_in[:, 1]), st.month_in[:, 2])
    avail = st.stock[:, None] + np.cumsum(rec, axis=1) - st.month_returns[:, None]
    keep = grouped_cumsum(sku, qty) <= avail[sku, day]
    day, sku, qty = day[keep], sku[keep], qty[keep]
    cum = grouped_cumsum(sku, qty)
    pos = st.fifo_ptr[sku] + cum - qty + 1
    keys = st.lots[:, 0] * BIG + st.lots[:, 1]
    at = np.searchsorted(keys, sku * BIG + pos, side="left")
    lot = st.lots[at, 2] if len(at) else empty
    np.add.at(st.fifo_ptr, sku, qty)
    st.lots = st.lots[st.lots[:, 1] > st.fifo_ptr[st.lots[:, 0]]]
    # prices within [floor, guide], mostly near the guide
    di = first.toordinal() - g.plan.start_ord + day
    lo = -(-g.plan.floor_day[sku, di] // 100)
    hi = g.plan.guide_day[sku, di] // 100
    price = (hi - np.floor((hi - lo) * rng.random(len(sku)) ** 2).astype(np.int64)) * 100
    cities = g.plan.territory_cities(d, m)
    city = np.where(rng.random(len(sku)) < 0.55, d.city, np.array(cities)[rng.integers(len(cities), size=len(sku))])
    order = np.argsort(day, kind="stable")
    return {"day": day[order], "sku": sku[order], "qty": qty[order], "price": price[order],
            "lot": lot[order], "city": city[order]}


def own_lot(g: Context, d: Dealer, s: int, k: int) -> int | None:
    """The newest batch of sku s the dealer had received by day k of this month."""
    st = g.state[d.idx]
    rec = st.month_in
    if rec.size:
        mine = rec[(rec[:, 0] == s) & (rec[:, 1] <= k)]
        if mine.size:
            return int(mine[np.argmax(mine[:, 1]), 3])
    return int(st.last_lot[s]) if st.last_lot[s] >= 0 else None


def sales_file(g: Context, d: Dealer, m: int, rng: np.random.Generator, sales: dict, closing: np.ndarray,
               events: list[str]) -> None:
    st = g.state[d.idx]
    first = g.plan.firsts[m]
    nd = days_in(first)
    first_ord = first.toordinal()
    start_ord = g.plan.start_ord
    prefix = f"{first:%y%m}{d.dealer_id[1:]}"
    n = len(sales["day"])
    base = sales_columns(
        g, d, rng, (first_ord + sales["day"]).tolist(), sales["sku"].tolist(), sales["qty"].tolist(),
        sales["price"].tolist(), sales["city"].tolist(),
        sales["lot"].tolist() if d.profile.batch else [None] * n,
        [f"{prefix}{k:05d}" for k in range(n)])
    carried = d.sku_weight > 0
    specials: list[dict] = []  # extra rows: accepted injections and quarantined rows
    serial = [n]

    def invoice() -> str:
        serial[0] += 1
        return f"{prefix}{serial[0]:05d}"

    def price_in_band(s: int, k: int) -> int:
        di = first_ord + k - start_ord
        lo, hi = -(-int(g.plan.floor_day[s, di]) // 100), int(g.plan.guide_day[s, di]) // 100
        return int(rng.integers(lo, hi + 1)) * 100

    def pick_sku(min_qty: int = 1) -> int | None:
        cand = np.flatnonzero(carried & (closing >= min_qty) & (g.plan.launch_ord <= first_ord))
        return int(rng.choice(cand)) if cand.size else None

    def accepted(k: int, s: int, qty: int, price: int, city: int, lot, rule: str = "", sources: str = "",
                 forced: str | None = None) -> None:
        row = sales_columns(g, d, rng, [first_ord + k], [s], [qty], [price], [city],
                                 [lot if d.profile.batch else None], [invoice()], [forced])
        specials.append({"row": {c: v[0] for c, v in row.items()}, "codes": None,
                         "line": (k, s, qty, price), "rule": rule, "sources": sources})
        closing[s] -= qty

    home = d.city
    double_reported(g, d, m, accepted, price_in_band, pick_sku, events)
    for ev in events:
        if ev == "out_of_territory":
            s = pick_sku()
            allowed = set(g.plan.territory_cities(d, m))
            others = [c for c in range(len(world.CITIES)) if c not in allowed]
            k = int(rng.integers(nd))
            lot = own_lot(g, d, s, k) if s is not None else None
            if s is None or lot is None or not others:
                continue
            accepted(k, s, 1, price_in_band(s, k), others[int(rng.integers(len(others)))], lot, "OUT_OF_TERRITORY")
        elif ev == "foreign_batch":
            idx = np.vstack([g.lot_index.get(m - 1, np.zeros((0, 4), np.int64)), g.lot_index[m]])
            ok = (idx[:, 1] % 8 != d.region) & (idx[:, 2] < first_ord + nd)
            ok &= np.isin(idx[:, 0], np.flatnonzero(carried & (closing >= 1)))
            cand = idx[ok]
            if not cand.size:
                continue
            s, lot, day_ord, _ = cand[int(rng.integers(len(cand)))].tolist()
            k = int(rng.integers(max(0, day_ord - first_ord), nd))
            same = idx[(idx[:, 0] == s) & (idx[:, 1] == lot) & (idx[:, 2] <= first_ord + k)]
            sources = ",".join(sorted({g.plan.dealers[x].dealer_id for x in same[:, 3].tolist()}))
            accepted(k, s, 1, price_in_band(s, k), home, lot, "FOREIGN_BATCH", sources)
        elif ev == "unknown_batch":
            s = pick_sku()
            if s is None:
                continue
            k = int(rng.integers(nd))
            accepted(k, s, 1, price_in_band(s, k), home, lot_id(m, FAKE_WEEK, d.region), "UNKNOWN_BATCH")
        elif ev == "future_batch":
            idx = g.lot_index[m]
            idx = idx[np.isin(idx[:, 0], np.flatnonzero(carried & (closing >= 1)))]
            firsts: dict[tuple[int, int], int] = {}
            for s_, lot_, day_, _ in idx.tolist():
                firsts[(s_, lot_)] = min(day_, firsts.get((s_, lot_), day_))
            later = sorted(key for key, day_ in firsts.items() if day_ > first_ord)
            if not later:
                continue
            s, lot = later[int(rng.integers(len(later)))]
            k = int(rng.integers(firsts[(s, lot)] - first_ord))
            accepted(k, s, 1, price_in_band(s, k), home, lot, "UNKNOWN_BATCH")
            g.injected["future_batch"] += 1
            continue
        elif ev == "below_floor":
            s = pick_sku()
            k = int(rng.integers(nd))
            lot = own_lot(g, d, s, k) if s is not None else None
            if lot is None:
                continue
            floor = int(g.plan.floor_day[s, first_ord + k - start_ord]) // 100 * 100
            cut = int(rng.integers(1, max(2, floor // 100 // 12) + 1)) * 100
            accepted(k, s, 1, floor - cut, home, lot)
        else:
            continue
        g.injected[ev] += 1
    if "negative_stock" in events:
        s = pick_sku(2)
        k = nd - 1 - int(rng.integers(min(5, nd)))
        lot = own_lot(g, d, s, k) if s is not None else None
        if lot is not None:
            accepted(k, s, int(closing[s]) + int(rng.integers(1, 6)), price_in_band(s, k), home, lot)
            g.injected["negative_stock"] += 1
    for ev in events:
        if ev.startswith("bad:") and n:
            codes = tuple(ev[4:].split("+"))
            i = int(rng.integers(n))
            row = {c: v[i] for c, v in base.items()}
            if codes != ("DUPLICATE_ROW",):
                row["invoice_no"] = invoice()
            break_sale(row, codes, rng, first)
            specials.append({"row": row, "codes": codes, "after": i if codes == ("DUPLICATE_ROW",) else None})
            g.injected["bad_sales_row:" + "+".join(codes)] += 1
    # place the extra rows among the ordinary ones
    for sp in specials:
        lo = sp.get("after")
        sp["after"] = int(rng.integers(-1 if lo is None else lo, n)) if n else -1
    specials.sort(key=lambda sp: sp["after"])
    cols = {c: list(v) for c, v in base.items()}
    tags = [None] * n
    for j in range(len(specials) - 1, -1, -1):
        at = specials[j]["after"] + 1
        for c in cols:
            cols[c].insert(at, specials[j]["row"].get(c))
        tags.insert(at, j)
    rows_total = n + len(specials)
    row_of = {j: i + 1 for i, j in enumerate(tags) if j is not None}
    after = np.array([sp["after"] for sp in specials], np.int64)
    normal_rows = np.arange(n) + 1 + np.searchsorted(after, np.arange(n), side="left")
    # the accepted lines of this (current) version, for the computed truth
    acc_k = sales["day"].tolist() + [sp["line"][0] for sp in specials if sp["codes"] is None]
    acc_s = sales["sku"].tolist() + [sp["line"][1] for sp in specials if sp["codes"] is None]
    acc_q = sales["qty"].tolist() + [sp["line"][2] for sp in specials if sp["codes"] is None]
    acc_p = sales["price"].tolist() + [sp["line"][3] for sp in specials if sp["codes"] is None]
    acc_row = normal_rows.tolist() + [row_of[j] for j, sp in enumerate(specials) if sp["codes"] is None]
    flagged = [False] * n + [bool(sp["rule"]) for sp in specials if sp["codes"] is None]
    g.sales_lines += len(acc_k)
    ym = f"{first:%Y%m}"
    final_at = submit_time(rng, first, d.on_time and rng.random() > 0.05)
    rel = sales_name(d, ym, final_at)
    # earlier versions and failed attempts
    if "month_to_date" in events and n:
        cut = int(rng.integers(10, 21))
        part = int(np.searchsorted(sales["day"], cut - 1))
        if 0 < part < n:
            at = datetime.combine(first + timedelta(days=cut - 1), time(int(rng.integers(8, 12)), int(rng.integers(60))))
            data = {c: v[:part] for c, v in base.items()}
            if g.emit(d, sales_name(d, ym, at), "sales", d.layouts["sales"], data,
                         f"{d.name} {first.year}年{first.month}月销售流向（截至{cut - 1}日）", "superseded", "", part):
                g.injected["month_to_date"] += 1
    attempt = 0
    for ev in events:
        if ev.startswith("hostile:") and ev != "hostile:zero_byte":
            attempt += 1
            at = final_at - timedelta(minutes=7 * attempt + int(rng.integers(1, 6)))
            if hostile(g, d, m, ev[8:], at, base, rng):
                g.injected[ev.replace(":", "_file:")] += 1
    bad = [(row_of[j], sp["codes"]) for j, sp in enumerate(specials) if sp["codes"] is not None]
    ok = g.emit(d, rel, "sales", d.layouts["sales"], cols, f"{d.name} {first.year}年{first.month}月销售流向",
                   "partially_accepted" if bad else "accepted", "", rows_total, len(bad))
    assert ok, rel
    for row_no, codes in bad:
        g.landing.quarantine(rel, row_no, codes)
    for j, sp in enumerate(specials):
        if sp["codes"] is None and sp["rule"]:
            k, s = sp["line"][:2]
            g.landing.writers["double_reported" if sp["rule"] == "DOUBLE_REPORTED" else "diversion"].writerow(
                (rel, row_of[j], d.dealer_id, g.skus[s], date.fromordinal(first_ord + k).isoformat(),
                 sp["rule"], sp["sources"]))
    bad_rows = {r for r, _ in bad}
    for i, (cid, sku, day, q) in enumerate(zip(cols["_customer"], cols["sku"], cols["sale_date"], cols["qty"])):
        if i + 1 not in bad_rows:
            g.landing.writers["customers"].writerow(
                (rel, i + 1, d.dealer_id, cid, sku, date.fromordinal(day).isoformat(), q))
    k_arr, s_arr = np.array(acc_k, np.int64), np.array(acc_s, np.int64)
    p_arr, q_arr = np.array(acc_p, np.int64), np.array(acc_q, np.int64)
    below = p_arr < g.plan.floor_day[s_arr, first_ord - start_ord + k_arr] if len(k_arr) else []
    for r_ in np.array(acc_row)[below].tolist() if len(k_arr) else []:
        g.landing.writers["below_floor"].writerow((rel, r_))
    clean = ~np.array(flagged, bool)
    vals = st.values.setdefault(m, np.zeros((len(world.CATEGORIES), 31), np.int64))
    np.add.at(vals, (g.plan.sku_category[s_arr[clean]], k_arr[clean]), (q_arr * p_arr)[clean])
    g.month_fen[(d.idx, m)] = (int((q_arr * p_arr)[clean].sum()), int((q_arr * p_arr)[~clean].sum()))
    if "duplicate_file" in events:
        later = final_at + timedelta(hours=int(rng.integers(1, 72)), minutes=int(rng.integers(60)))
        g.landing.write(sales_name(d, ym, later), g.landing.read(rel), kind="sales",
                           dealer_id=d.dealer_id, status="duplicate", reason="DUPLICATE_FILE", duplicate=True)
        g.injected["duplicate_file"] += 1


def double_reported(g: Context, d: Dealer, m: int, accepted, price_in_band, pick_sku, events: list[str]) -> None:
    """Double reporting (重复报备): the copies earlier dealers of this month left for d, then, now
    and then, a sale of d to a business that a later dealer sharing the city will report too.
    Both lines are written as flagged (DOUBLE_REPORTED), so the verified sales of the claims'
    truth leave them out, as the warehouse does."""
    cw = customer_world(g)
    first_ord = g.plan.firsts[m].toordinal()
    for k, s, qty, city, cid, src in cw.pending.pop(d.idx, []):
        lot = own_lot(g, d, s, k)
        accepted(k, s, qty, price_in_band(s, k), city, lot, "DOUBLE_REPORTED", src, forced=cid)
    rng = cw.rng(3, d.idx, m)
    if "missing_sales" in events or rng.random() >= min(1.0, DOUBLE_REPORTED_RATE * g.p.injection_scale):
        return
    mine = set(g.plan.territory_cities(d, m))
    later = [e for e in g.plan.dealers[d.idx + 1:]
             if "missing_sales" not in g.plan.events.get((e.idx, m), [])
             and mine & set(g.plan.territory_cities(e, m))]
    s = pick_sku()
    if not later or s is None:
        return
    e = later[int(rng.integers(len(later)))]
    shared = sorted(mine & set(g.plan.territory_cities(e, m)))
    city = shared[int(rng.integers(len(shared)))]
    k = int(rng.integers(days_in(g.plan.firsts[m])))
    lot = own_lot(g, d, s, k)
    if lot is None:
        return
    pool = cw.pool(city)
    # a spelling with a typo cannot be told from another business (docs/customers.md): the
    # injected double reports name the customer recognisably in both files
    for i in rng.permutation(len(pool)).tolist():
        cust = pool[i]
        if ((cust.cid, s, first_ord + k) not in cw.taken
                and not cw.variant(cust, d.idx)[3] and not cw.variant(cust, e.idx)[3]):
            break
    else:
        return
    cw.taken[(cust.cid, s, first_ord + k)] = -1  # both dealers' lines are the injected group
    accepted(k, s, 1, price_in_band(s, k), city, lot, "DOUBLE_REPORTED", e.dealer_id, forced=cust.cid)
    cw.pending.setdefault(e.idx, []).append((k, s, 1, city, cust.cid, d.dealer_id))
    g.injected["double_reported"] += 1


def sales_name(d: Dealer, ym: str, at: datetime, dealer_id: str | None = None, ext: str | None = None) -> str:
    did = dealer_id or d.dealer_id
    return f"dealers/{did}/sales_{did}_{ym}_{at:%Y%m%dT%H%M%S}.{ext or d.profile.ext}"

def submit_time(rng: np.random.Generator, first: date, on_time: bool) -> datetime:
    """Sales for month M are due by the 5th of M+1."""
    nxt = month_start(first, 1)
    offset = int(rng.integers(0, 5)) if on_time else int(rng.integers(5, 15))
    return datetime.combine(nxt + timedelta(days=offset),
                            time(int(rng.integers(8, 22)), int(rng.integers(60)), int(rng.integers(60))))
