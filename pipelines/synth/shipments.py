"""Sell-in: the opening stock and the ERP's daily shipment delta files (docs/generator.md,
"Sell-in follows sell-out with a lag", "Batches"), with corrections and quarantined lines."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from pipelines.synth import world
from pipelines.synth.context import ERP, OPENING, SHIP, TRANSIT, UNKNOWN_SKU, Context, grouped_cumsum, lot_id
from pipelines.synth.demand import expected_units
from pipelines.synth.formats import ERP_PROFILE, csv_bytes
from pipelines.synth.plan import Dealer, days_in

SHIP_COLUMNS = ("shipment_id", "line_no", "ship_date", "dealer_id", "sku", "qty", "unit_price", "batch_no",
                "delivery_date")
# Days on the road (docs/generator.md, "Goods in transit"): longer to the far regions. Some
# lines reach the ERP without a delivery date: delivered on the ship date.
TRANSIT_DAYS = (2, 5)
FAR_TRANSIT_DAYS = (4, 7)
FAR_REGIONS = ("西南", "西北")
NO_DELIVERY_DATE = 0.08


def delivery_lags(g: Context, d: Dealer, m: int, n: int) -> list[int | None]:
    """Days from shipping to delivery of a dealer's n lines of month m (None: no delivery date)."""
    rng = g.rng(TRANSIT, d.idx, m)
    lo, hi = FAR_TRANSIT_DAYS if world.REGIONS[d.region] in FAR_REGIONS else TRANSIT_DAYS
    lags = rng.integers(lo, hi + 1, size=n)
    blank = rng.random(n) < NO_DELIVERY_DATE
    return [None if b else int(x) for x, b in zip(lags, blank)]


def opening_inventory(g: Context) -> None:
    start_ord = g.p.start.toordinal()
    g.opening_rows = []
    for d in g.plan.dealers:
        st = g.state[d.idx]
        rng = g.rng(OPENING, d.idx, 0)
        exp = expected_units(g, d, 0)
        rows = []
        for s in range(g.S):
            if d.sku_weight[s] <= 0 or g.plan.launch_ord[s] > start_ord:
                continue
            qty = int(math.ceil(exp[s] * rng.uniform(0.9, 1.6)))
            if qty <= 0:
                continue
            parts = [qty] if qty < 6 or rng.random() < 0.5 else [qty // 2, qty - qty // 2]
            for k, q in enumerate(parts):
                lot = lot_id(-len(parts) + k, 0, d.region)
                rows.append((s, lot, q))
        for s, lot, q in rows:
            st.received[s] += q
            st.lots = np.vstack([st.lots, [[s, st.received[s], lot, start_ord]]])
            st.last_lot[s] = lot
            st.stock[s] += q
            st.active[s] = True
            g.opening_rows.append((d.idx, s, lot, q))


def ship_days(g: Context, d: Dealer, m: int) -> list[int]:
    first = g.plan.firsts[m]
    out = []
    for k in range(days_in(first)):
        day = first + timedelta(days=k)
        if day.weekday() not in d.ship_weekdays:
            continue
        if d.ship_fortnightly and day.isocalendar().week % 2 != d.idx % 2:
            continue
        if -1 <= (day - world.cny(day.year)).days <= 5:  # the factory is closed
            continue
        out.append(k)
    return out


def dealer_shipments(g: Context, d: Dealer, m: int) -> list[tuple]:
    """This month's lines for one dealer: (day idx, sku, qty, lot, is_return)."""
    st = g.state[d.idx]
    rng = g.rng(SHIP, d.idx, m)
    first = g.plan.firsts[m]
    nd = days_in(first)
    days = ship_days(g, d, m)
    exp = expected_units(g, d, m)
    per_day = exp / nd
    interval = 3.5 if len(d.ship_weekdays) > 1 else (14 if d.ship_fortnightly else 7)
    target = per_day * (interval + 24)
    packs = np.array([world.CATEGORIES[c].pack for c in g.plan.sku_category])
    carried = d.sku_weight > 0
    lines: list[tuple] = []
    shipped = np.zeros(g.S)
    week_of = lambda k: k // 7 + 1  # noqa: E731 - lot week within the month
    if days and rng.random() < 0.04:
        cand = np.flatnonzero(st.stock >= 10)
        if cand.size:
            s = int(rng.choice(cand))
            rows = st.lots[(st.lots[:, 0] == s) & (st.lots[:, 1] > st.fifo_ptr[s])]
            if rows.size:
                qty = -max(1, int(st.stock[s]) // 10)
                lines.append((days[0], s, qty, int(rows[0, 2]), True))
                shipped[s] += qty
    first_ord = first.toordinal()
    on_the_way = np.zeros(g.S)
    for s, _day, q, _lot in st.pending:
        on_the_way[s] += q
    for k in days:
        position = st.stock + on_the_way + shipped - per_day * k
        need = target - position
        ok = carried & (need > 0.3 * packs) & (g.plan.launch_ord <= first_ord + k) & (per_day > 0)
        for s in np.flatnonzero(ok):
            q = int(math.ceil(need[s] / packs[s]) * packs[s])
            lines.append((k, int(s), q, lot_id(m, week_of(k), d.region), False))
            shipped[s] += q
    return lines


def shipments(g: Context, m: int) -> None:
    """The month's shipment files; each dealer's receipts are its deliveries of the month (the
    goods in transit at the end of the last month first), and what is still on the road at the
    month's end waits in `pending` for the next (truth/in_transit.csv)."""
    first = g.plan.firsts[m]
    first_ord = first.toordinal()
    nd = days_in(first)
    rows = []  # (day idx, dealer, shipment_id, line_no, sku, qty, lot, delivery ordinal)
    index = []
    for d in g.plan.dealers:
        st = g.state[d.idx]
        lines = dealer_shipments(g, d, m)
        lags = delivery_lags(g, d, m, len(lines))
        st.month_returns = np.zeros(g.S, np.int64)
        st.month_sell_in = np.zeros(g.S, np.int64)
        receipts = list(st.pending)  # (sku, day idx of delivery, qty, lot)
        st.pending = []
        by_day: dict[tuple[int, bool], list] = {}
        for (k, s, q, lot, ret), lag in zip(lines, lags):
            deliver = None if ret or lag is None else k + lag
            by_day.setdefault((k, ret), []).append((s, q, lot, None if deliver is None else first_ord + deliver))
            if ret:
                st.month_sell_in[s] += q
                st.month_returns[s] -= q
                continue
            index.append((s, lot, first_ord + k, d.idx))
            st.active[s] = True
            day = k if deliver is None else deliver
            if day < nd:
                receipts.append((s, day, q, lot))
            else:
                st.pending.append((s, day - nd, q, lot))
        for s, _day, q, _lot in receipts:
            st.month_sell_in[s] += q
        transit = np.zeros(g.S, np.int64)
        for s, _day, q, _lot in st.pending:
            transit[s] += q
        for s in np.flatnonzero(transit):
            g.landing.writers["in_transit"].writerow((d.dealer_id, g.skus[s], first.isoformat(), int(transit[s])))
        for (k, ret), items in sorted(by_day.items()):
            day = first + timedelta(days=k)
            sid = f"{'RT' if ret else 'SO'}{day:%y%m%d}{d.idx + 1:05d}"
            for n, (s, q, lot, delivered) in enumerate(sorted(items, key=lambda i: i[:3]), 1):
                rows.append((k, d.idx, sid, n, s, q, lot, delivered))
        recv = np.array(receipts, np.int64).reshape(-1, 4)
        st.month_in = recv
        if recv.size:
            order = np.lexsort((recv[:, 1], recv[:, 0]))
            recv = recv[order]
            cum = grouped_cumsum(recv[:, 0], recv[:, 2])
            cum_end = st.received[recv[:, 0]] + cum
            np.add.at(st.received, recv[:, 0], recv[:, 2])
            new = np.column_stack([recv[:, 0], cum_end, recv[:, 3], first_ord + recv[:, 1]])
            st.lots = np.vstack([st.lots, new])
            st.lots = st.lots[np.lexsort((st.lots[:, 1], st.lots[:, 0]))]
    g.lot_index[m] = np.array(index, np.int64).reshape(-1, 4)
    write_shipment_files(g, m, rows)


def write_shipment_files(g: Context, m: int, rows: list[tuple]) -> None:
    first = g.plan.firsts[m]
    rng = g.rng(ERP, 0, m)
    events = g.plan.erp_events.get(m, [])
    by_day: dict[int, list] = {}
    for r in rows:
        by_day.setdefault(r[0], []).append(r)
    days = sorted(by_day)
    files: dict[int, list[dict]] = {}
    for k in days:
        day = first + timedelta(days=k)
        files[k] = [
            {"shipment_id": sid, "line_no": n, "ship_date": day.toordinal(),
             "dealer_id": g.plan.dealers[di].dealer_id, "sku": g.skus[s], "qty": q,
             "unit_price": int(g.plan.dealer_day[s, day.toordinal() - g.plan.start_ord]),
             "batch_no": g.lot(lot), "delivery_date": delivered, "_bad": None}
            for (_k, di, sid, n, s, q, lot, delivered) in sorted(by_day[k], key=lambda r: (r[2], r[3]))
        ]
    for ev in events:
        if ev == "correction":
            fixable = lambda r: r["_bad"] is None and r["qty"] >= 2  # noqa: E731
            movable = [k for k in days[:-1] if any(map(fixable, files[k]))]
            if not movable:
                continue
            k = movable[int(rng.integers(len(movable)))]
            cands = [r for r in files[k] if fixable(r)]
            row = cands[int(rng.integers(len(cands)))]
            later = days[days.index(k) + int(rng.integers(1, min(4, len(days) - days.index(k))))]
            files[later].append(dict(row))  # the final qty, resent
            row["qty"] = row["qty"] + (2 if rng.random() < 0.5 else -1)  # what was first sent
            g.injected["shipment_correction"] += 1
        else:
            if not days:
                continue
            codes = tuple(ev.split(":", 1)[1].split("+"))
            k = days[int(rng.integers(len(days)))]
            good = [r for r in files[k] if r["_bad"] is None]
            base = dict(good[int(rng.integers(len(good)))])
            base["shipment_id"] = f"SX{first + timedelta(days=k):%y%m%d}{len(files[k]):04d}"
            base["line_no"] = 1
            break_shipment(g, base, codes, first + timedelta(days=k))
            pos = int(rng.integers(len(files[k]) + 1))
            files[k].insert(pos, base)
            g.injected["bad_shipment_row:" + "+".join(codes)] += 1
    for k in days:
        fname = f"erp/shipments_{first + timedelta(days=k + 1):%Y%m%d}.csv"
        frows = files[k]
        data = {c: [r[c] for r in frows] for c in SHIP_COLUMNS}
        bad = [(i + 1, r["_bad"]) for i, r in enumerate(frows) if r["_bad"]]
        body = csv_bytes(SHIP_COLUMNS, data, ERP_PROFILE)
        ok = g.landing.write(fname, body, kind="shipments", dealer_id="",
                             status="partially_accepted" if bad else "accepted",
                             rows=len(frows), quarantined=len(bad))
        assert ok, fname
        for row_no, codes in bad:
            g.landing.quarantine(fname, row_no, codes)


def break_shipment(g: Context, row: dict, codes: tuple[str, ...], day: date) -> None:
    row["_bad"] = codes
    for code in codes:
        if code == "UNKNOWN_DEALER":
            row["dealer_id"] = f"D{g.p.dealers + 150:0{g.plan.dealer_id_width}d}"
        elif code == "UNKNOWN_SKU":
            row["sku"] = UNKNOWN_SKU
        elif code == "QTY_NOT_POSITIVE":
            row["qty"] = 0
        elif code == "PRICE_NOT_POSITIVE":
            row["unit_price"] = 0
        elif code == "MISSING_VALUE":
            row["batch_no"] = ""
        elif code == "BAD_DATE":
            row["ship_date"] = f"{day.year}-02-30"
        elif code == "BAD_NUMBER":
            row["qty"] = f"{row['qty']}箱"
        elif code == "DELIVERY_BEFORE_SHIP":  # the arrival keyed in as the order date
            row["delivery_date"] = (day - timedelta(days=2)).toordinal()
