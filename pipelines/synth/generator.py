"""The streaming generator: month by month, shipments for every dealer first (so every batch
of the month is known), then each dealer's sales, inventory report and claims.

Bookkeeping mirrors what the pipeline will see (accepted rows of the current versions, final
shipment lines after corrections, opening inventory), so the computed truth files
(negative_stock, below_floor, claims) are exact. Random draws come from generators keyed by
(seed, purpose, dealer, month), so a dealer-month's data does not depend on loop order.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
from collections import Counter
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Callable

import numpy as np

from pipelines.synth import world
from pipelines.synth.expect import CampaignTerms, ClaimFact, eligible_window, evaluate
from pipelines.synth.formats import ERP_PROFILE, PROFILES, csv_bytes, write_xlsx
from pipelines.synth.landing import Landing, prepare
from pipelines.synth.params import GeneratorParams
from pipelines.synth.plan import CAMPAIGN_LIFT, ClaimPlan, Dealer, Plan, days_in, month_start

Progress = Callable[[int, int, str], None]
SHIP_COLUMNS = ("shipment_id", "line_no", "ship_date", "dealer_id", "sku", "qty", "unit_price", "batch_no")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old binary .xls
QTY_VALUES = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12])
QTY_P = np.array([0.72, 0.17, 0.06, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005])
UNKNOWN_SKU = "XX999"
FAKE_WEEK = 7  # lots are weeks 1-5 of a month (0 = opening stock); week 7 is never made
BIG = 1 << 40


def lot_code(lot: int, start: date) -> str:
    """Production lot number, e.g. L25032E: made in 2025-03, week 2, for region 华东."""
    first = month_start(start, lot // 64 - 2)
    return f"L{first.year % 100:02d}{first.month:02d}{(lot // 8) % 8}{world.REGION_LETTER[world.REGIONS[lot % 8]]}"


def lot_id(month: int, week: int, region: int) -> int:
    return (month + 2) * 64 + week * 8 + region


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
        self.month_sell_in = np.zeros(n_sku, np.int64)
        self.values: dict[int, np.ndarray] = {}  # month -> fen by (category, day) of clean lines


class Generator:
    def __init__(self, params: GeneratorParams, progress: Progress | None = None):
        params.check()
        self.p = params
        self.progress = progress or (lambda done, total, detail: None)
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
        self.claims_by_cell: dict[tuple[int, int], list[ClaimPlan]] = {}
        for c in self.plan.claims:
            m = min(self.month_of(c.submitted.date()), self.p.months - 1)
            self.claims_by_cell.setdefault((c.dealer, m), []).append(c)
        self.skus = [pr.sku for pr in self.plan.products]
        self.city_codes = [c[0] for c in world.CITIES]

    # --- helpers --------------------------------------------------------------------------

    def rng(self, purpose: int, dealer: int, month: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.p.seed, spawn_key=(purpose, dealer, month)))

    def month_of(self, d: date) -> int:
        return (d.year - self.p.start.year) * 12 + d.month - self.p.start.month

    def lot(self, lot: int) -> str:
        code = self.lot_codes.get(lot)
        if code is None:
            code = self.lot_codes[lot] = lot_code(lot, self.p.start)
        return code

    def day_weights(self, m: int) -> np.ndarray:
        first = self.plan.firsts[m]
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

    def month_matrix(self, m: int, region: int) -> tuple[np.ndarray, np.ndarray]:
        """Demand weight by (day, sku) for a region: calendar rhythm, product seasonality and
        launch, with and without campaign lifts."""
        key = (m, region)
        if key not in self.matrix_cache:
            first = self.plan.firsts[m]
            nd = days_in(first)
            cal = first.month - 1
            cat_season = np.array([world.CATEGORIES[c].season[cal] for c in self.plan.sku_category])
            days = first.toordinal() + np.arange(nd)
            launched = days[:, None] >= self.plan.launch_ord[None, :]
            base = self.day_weights(m)[:, None] * cat_season[None, :] * launched
            lift = np.ones_like(base)
            cat_names = np.array([world.CATEGORIES[c].name for c in self.plan.sku_category])
            for camp in self.plan.campaigns:
                if camp.region not in ("*", world.REGIONS[region]):
                    continue
                inwin = (days >= camp.start.toordinal()) & (days <= camp.end.toordinal())
                if not inwin.any():
                    continue
                skus = np.ones(self.S, bool) if camp.category == "*" else cat_names == camp.category
                lift[np.ix_(inwin, skus)] = CAMPAIGN_LIFT
            self.matrix_cache[key] = (base * lift, base)
            if len(self.matrix_cache) > 64:
                self.matrix_cache.pop(next(iter(self.matrix_cache)))
        return self.matrix_cache[key]

    def demand(self, d: Dealer, m: int) -> tuple[np.ndarray, float]:
        """(day x sku weights for this dealer, expected number of sales lines)."""
        lifted, base = self.month_matrix(m, d.region)
        W = lifted * d.sku_weight[None, :]
        nolift = (base * d.sku_weight[None, :]).sum()
        if nolift <= 0:
            return W, 0.0
        first = self.plan.firsts[m]
        trend = (1 + d.growth) ** (m / 12)
        lam = d.base_lines * world.MONTH_SEASON[first.month - 1] * trend * W.sum() / nolift
        return W, lam

    def expected_units(self, d: Dealer, m: int) -> np.ndarray:
        W, lam = self.demand(d, m)
        tot = W.sum()
        if tot <= 0:
            return np.zeros(self.S)
        return lam * float(QTY_VALUES @ QTY_P) * W.sum(axis=0) / tot

    # --- run ------------------------------------------------------------------------------

    def run(self) -> dict:
        truth = prepare(self.p.out)
        self.out = Path(self.p.out)
        self.landing = Landing(self.out, truth)
        total = 2 * self.p.months + 2
        self.opening_inventory()
        self.progress(1, total, "master data and opening inventory")
        for m in range(self.p.months):
            first = self.plan.firsts[m]
            self.shipments(m)
            self.progress(2 + 2 * m, total, f"{first:%Y-%m} shipments")
            for d in self.plan.dealers:
                self.dealer_month(d, m)
            self.lot_index.pop(m - 1, None)
            self.progress(3 + 2 * m, total, f"{first:%Y-%m} dealers")
        outcomes = self.claims_truth(truth)
        self.snapshots()
        summary = self.summary(outcomes)
        (truth / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                            encoding="utf-8")
        self.landing.close()
        self.progress(total, total, "done")
        return summary

    # --- opening inventory ----------------------------------------------------------------

    def opening_inventory(self) -> None:
        start_ord = self.p.start.toordinal()
        self.opening_rows = []
        for d in self.plan.dealers:
            st = self.state[d.idx]
            rng = self.rng(0, d.idx, 0)
            exp = self.expected_units(d, 0)
            rows = []
            for s in range(self.S):
                if d.sku_weight[s] <= 0 or self.plan.launch_ord[s] > start_ord:
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
                self.opening_rows.append((d.idx, s, lot, q))

    # --- shipments ------------------------------------------------------------------------

    def ship_days(self, d: Dealer, m: int) -> list[int]:
        first = self.plan.firsts[m]
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

    def dealer_shipments(self, d: Dealer, m: int) -> list[tuple]:
        """This month's lines for one dealer: (day idx, sku, qty, lot, is_return)."""
        st = self.state[d.idx]
        rng = self.rng(1, d.idx, m)
        first = self.plan.firsts[m]
        nd = days_in(first)
        days = self.ship_days(d, m)
        exp = self.expected_units(d, m)
        per_day = exp / nd
        interval = 3.5 if len(d.ship_weekdays) > 1 else (14 if d.ship_fortnightly else 7)
        target = per_day * (interval + 24)
        packs = np.array([world.CATEGORIES[c].pack for c in self.plan.sku_category])
        carried = d.sku_weight > 0
        lines: list[tuple] = []
        shipped = np.zeros(self.S)
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
        for k in days:
            position = st.stock + shipped - per_day * k
            need = target - position
            ok = carried & (need > 0.3 * packs) & (self.plan.launch_ord <= first_ord + k) & (per_day > 0)
            for s in np.flatnonzero(ok):
                q = int(math.ceil(need[s] / packs[s]) * packs[s])
                lines.append((k, int(s), q, lot_id(m, week_of(k), d.region), False))
                shipped[s] += q
        return lines

    def shipments(self, m: int) -> None:
        first = self.plan.firsts[m]
        first_ord = first.toordinal()
        rows = []  # (day idx, dealer, shipment_id, line_no, sku, qty, lot)
        index = []
        for d in self.plan.dealers:
            st = self.state[d.idx]
            lines = self.dealer_shipments(d, m)
            st.month_returns = np.zeros(self.S, np.int64)
            st.month_sell_in = np.zeros(self.S, np.int64)
            by_day: dict[tuple[int, bool], list] = {}
            for k, s, q, lot, ret in lines:
                by_day.setdefault((k, ret), []).append((s, q, lot))
                st.month_sell_in[s] += q
                if ret:
                    st.month_returns[s] -= q
                else:
                    index.append((s, lot, first_ord + k, d.idx))
                    st.active[s] = True
            for (k, ret), items in sorted(by_day.items()):
                day = first + timedelta(days=k)
                sid = f"{'RT' if ret else 'SO'}{day:%y%m%d}{d.idx + 1:05d}"
                for n, (s, q, lot) in enumerate(sorted(items), 1):
                    rows.append((k, d.idx, sid, n, s, q, lot))
            recv = np.array([(s, k, q, lot) for k, s, q, lot, ret in lines if not ret], np.int64).reshape(-1, 4)
            st.month_in = recv
            if recv.size:
                order = np.lexsort((recv[:, 1], recv[:, 0]))
                recv = recv[order]
                cum = self.grouped_cumsum(recv[:, 0], recv[:, 2])
                cum_end = st.received[recv[:, 0]] + cum
                np.add.at(st.received, recv[:, 0], recv[:, 2])
                new = np.column_stack([recv[:, 0], cum_end, recv[:, 3], first_ord + recv[:, 1]])
                st.lots = np.vstack([st.lots, new])
                st.lots = st.lots[np.lexsort((st.lots[:, 1], st.lots[:, 0]))]
        self.lot_index[m] = np.array(index, np.int64).reshape(-1, 4)
        self.write_shipment_files(m, rows)

    @staticmethod
    def grouped_cumsum(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Running sum of values within runs of equal (sorted) group keys."""
        c = np.cumsum(values)
        if not len(c):
            return c
        start = np.r_[True, groups[1:] != groups[:-1]]
        base = np.maximum.accumulate(np.where(start, c - values, np.iinfo(np.int64).min))
        return c - base

    def write_shipment_files(self, m: int, rows: list[tuple]) -> None:
        first = self.plan.firsts[m]
        rng = self.rng(3, 0, m)
        events = self.plan.erp_events.get(m, [])
        by_day: dict[int, list] = {}
        for r in rows:
            by_day.setdefault(r[0], []).append(r)
        days = sorted(by_day)
        files: dict[int, list[dict]] = {}
        for k in days:
            day = first + timedelta(days=k)
            files[k] = [
                {"shipment_id": sid, "line_no": n, "ship_date": day.toordinal(),
                 "dealer_id": self.plan.dealers[di].dealer_id, "sku": self.skus[s], "qty": q,
                 "unit_price": int(self.plan.dealer_day[s, day.toordinal() - self.plan.start_ord]),
                 "batch_no": self.lot(lot), "_bad": None}
                for (_k, di, sid, n, s, q, lot) in sorted(by_day[k], key=lambda r: (r[2], r[3]))
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
                self.injected["shipment_correction"] += 1
            else:
                if not days:
                    continue
                codes = tuple(ev.split(":", 1)[1].split("+"))
                k = days[int(rng.integers(len(days)))]
                good = [r for r in files[k] if r["_bad"] is None]
                base = dict(good[int(rng.integers(len(good)))])
                base["shipment_id"] = f"SX{first + timedelta(days=k):%y%m%d}{len(files[k]):04d}"
                base["line_no"] = 1
                self.break_shipment(base, codes, first + timedelta(days=k))
                pos = int(rng.integers(len(files[k]) + 1))
                files[k].insert(pos, base)
                self.injected["bad_shipment_row:" + "+".join(codes)] += 1
        for k in days:
            fname = f"erp/shipments_{first + timedelta(days=k + 1):%Y%m%d}.csv"
            frows = files[k]
            data = {c: [r[c] for r in frows] for c in SHIP_COLUMNS}
            bad = [(i + 1, r["_bad"]) for i, r in enumerate(frows) if r["_bad"]]
            body = csv_bytes(SHIP_COLUMNS, data, ERP_PROFILE)
            ok = self.landing.write(fname, body, kind="shipments", dealer_id="",
                                    status="partially_accepted" if bad else "accepted",
                                    rows=len(frows), quarantined=len(bad))
            assert ok, fname
            for row_no, codes in bad:
                self.landing.quarantine(fname, row_no, codes)

    def break_shipment(self, row: dict, codes: tuple[str, ...], day: date) -> None:
        row["_bad"] = codes
        for code in codes:
            if code == "UNKNOWN_DEALER":
                row["dealer_id"] = f"D{self.p.dealers + 150:0{self.plan.dealer_id_width}d}"
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

    # --- dealer month ---------------------------------------------------------------------

    def dealer_month(self, d: Dealer, m: int) -> None:
        st = self.state[d.idx]
        events = self.plan.events.get((d.idx, m), [])
        rng = self.rng(2, d.idx, m)
        first = self.plan.firsts[m]
        opening = st.stock.copy()
        closing = opening + st.month_sell_in
        if "missing_sales" in events:
            self.injected["missing_sales"] += 1
        else:
            sales = self.normal_sales(d, m, rng)
            np.add.at(closing, sales["sku"], -sales["qty"])
            self.sales_file(d, m, rng, sales, closing, events)
        st.stock = closing
        neg = np.flatnonzero(st.active & (closing < 0))
        for s in neg:
            self.landing.writers["negative_stock"].writerow((d.dealer_id, self.skus[s], first.isoformat()))
        self.inventory_report(d, m, events)
        self.dealer_claims(d, m)
        for old in [k for k in st.values if k < m - 7]:
            del st.values[old]

    def normal_sales(self, d: Dealer, m: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The dealer's ordinary sell-out: never more than it holds, always from a batch it has
        received by the sale date (FIFO), into a city it is authorised for, within the price
        band."""
        st = self.state[d.idx]
        first = self.plan.firsts[m]
        nd = days_in(first)
        W, lam = self.demand(d, m)
        tot = W.sum()
        n = int(rng.poisson(lam)) if tot > 0 else 0
        empty = np.zeros(0, np.int64)
        if n == 0:
            return {"day": empty, "sku": empty, "qty": empty, "price": empty, "lot": empty, "city": empty}
        flat = rng.choice(W.size, size=n, p=(W / tot).ravel())
        day, sku = flat // self.S, flat % self.S
        qty = rng.choice(QTY_VALUES, size=n, p=QTY_P).astype(np.int64)
        order = np.lexsort((rng.random(n), day, sku))
        day, sku, qty = day[order], sku[order], qty[order]
        # what it holds by each day: opening + receipts so far - this month's returns
        rec = np.zeros((self.S, nd), np.int64)
        if st.month_in.size:
            np.add.at(rec, (st.month_in[:, 0], st.month_in[:, 1]), st.month_in[:, 2])
        avail = st.stock[:, None] + np.cumsum(rec, axis=1) - st.month_returns[:, None]
        keep = self.grouped_cumsum(sku, qty) <= avail[sku, day]
        day, sku, qty = day[keep], sku[keep], qty[keep]
        cum = self.grouped_cumsum(sku, qty)
        pos = st.fifo_ptr[sku] + cum - qty + 1
        keys = st.lots[:, 0] * BIG + st.lots[:, 1]
        at = np.searchsorted(keys, sku * BIG + pos, side="left")
        lot = st.lots[at, 2] if len(at) else empty
        np.add.at(st.fifo_ptr, sku, qty)
        st.lots = st.lots[st.lots[:, 1] > st.fifo_ptr[st.lots[:, 0]]]
        # prices within [floor, guide], mostly near the guide
        di = first.toordinal() - self.plan.start_ord + day
        lo = -(-self.plan.floor_day[sku, di] // 100)
        hi = self.plan.guide_day[sku, di] // 100
        price = (hi - np.floor((hi - lo) * rng.random(len(sku)) ** 2).astype(np.int64)) * 100
        cities = self.plan.territory_cities(d, m)
        city = np.where(rng.random(len(sku)) < 0.55, d.city, np.array(cities)[rng.integers(len(cities), size=len(sku))])
        order = np.argsort(day, kind="stable")
        return {"day": day[order], "sku": sku[order], "qty": qty[order], "price": price[order],
                "lot": lot[order], "city": city[order]}

    # --- a dealer's sales files -----------------------------------------------------------

    def own_lot(self, d: Dealer, s: int, k: int) -> int | None:
        """The newest batch of sku s the dealer had received by day k of this month."""
        st = self.state[d.idx]
        rec = st.month_in
        if rec.size:
            mine = rec[(rec[:, 0] == s) & (rec[:, 1] <= k)]
            if mine.size:
                return int(mine[np.argmax(mine[:, 1]), 3])
        return int(st.last_lot[s]) if st.last_lot[s] >= 0 else None

    def customers(self, rng: np.random.Generator, cities: list[int]) -> list[str]:
        n = len(cities)
        sur = rng.integers(len(world.SURNAMES), size=n).tolist()
        giv = rng.integers(len(world.GIVEN), size=n).tolist()
        biz = (rng.random(n) < 0.1).tolist()
        w1 = rng.integers(len(world.BUSINESS_WORDS), size=n).tolist()
        w2 = rng.integers(len(world.BUSINESS_SUFFIX), size=n).tolist()
        return [
            (world.CITIES[c][1].removesuffix("市") + world.BUSINESS_WORDS[a] + world.BUSINESS_SUFFIX[b]) if z
            else world.SURNAMES[x] + world.GIVEN[y]
            for c, x, y, z, a, b in zip(cities, sur, giv, biz, w1, w2)
        ]

    def sales_columns(self, d: Dealer, rng: np.random.Generator, days: list[int], skus: list[int],
                      qty: list, price: list, cities: list[int], lots: list, invoices: list[str]) -> dict[str, list]:
        """Values of sales rows in canonical columns (plus the dealer's extra columns)."""
        n = len(days)
        cols: dict[str, list] = {
            "sale_date": days,
            "customer_name": self.customers(rng, cities),
            "customer_city_code": [self.city_codes[c] for c in cities],
            "sku": [self.skus[s] for s in skus],
            "qty": qty,
            "unit_price": price,
            "batch_no": [None if lt is None else self.lot(lt) for lt in lots],
            "invoice_no": invoices,
        }
        if d.profile.phone:
            cols["customer_phone"] = [f"1{x}" for x in rng.integers(3_000_000_000, 9_999_999_999, size=n).tolist()]
        for extra in d.profile.extras:
            pool = world.EXTRA_COLUMN_VALUES[extra]
            cols[extra] = [pool[i] for i in rng.integers(len(pool), size=n).tolist()]
        return cols

    def sales_file(self, d: Dealer, m: int, rng: np.random.Generator, sales: dict, closing: np.ndarray,
                   events: list[str]) -> None:
        st = self.state[d.idx]
        first = self.plan.firsts[m]
        nd = days_in(first)
        first_ord = first.toordinal()
        start_ord = self.plan.start_ord
        prefix = f"{first:%y%m}{d.dealer_id[1:]}"
        n = len(sales["day"])
        base = self.sales_columns(
            d, rng, (first_ord + sales["day"]).tolist(), sales["sku"].tolist(), sales["qty"].tolist(),
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
            lo, hi = -(-int(self.plan.floor_day[s, di]) // 100), int(self.plan.guide_day[s, di]) // 100
            return int(rng.integers(lo, hi + 1)) * 100

        def pick_sku(min_qty: int = 1) -> int | None:
            cand = np.flatnonzero(carried & (closing >= min_qty) & (self.plan.launch_ord <= first_ord))
            return int(rng.choice(cand)) if cand.size else None

        def accepted(k: int, s: int, qty: int, price: int, city: int, lot, rule: str = "", sources: str = "") -> None:
            row = self.sales_columns(d, rng, [first_ord + k], [s], [qty], [price], [city],
                                     [lot if d.profile.batch else None], [invoice()])
            specials.append({"row": {c: v[0] for c, v in row.items()}, "codes": None,
                             "line": (k, s, qty, price), "rule": rule, "sources": sources})
            closing[s] -= qty

        home = d.city
        for ev in events:
            if ev == "out_of_territory":
                s = pick_sku()
                allowed = set(self.plan.territory_cities(d, m))
                others = [c for c in range(len(world.CITIES)) if c not in allowed]
                k = int(rng.integers(nd))
                lot = self.own_lot(d, s, k) if s is not None else None
                if s is None or lot is None or not others:
                    continue
                accepted(k, s, 1, price_in_band(s, k), others[int(rng.integers(len(others)))], lot, "OUT_OF_TERRITORY")
            elif ev == "foreign_batch":
                idx = np.vstack([self.lot_index.get(m - 1, np.zeros((0, 4), np.int64)), self.lot_index[m]])
                ok = (idx[:, 1] % 8 != d.region) & (idx[:, 2] < first_ord + nd)
                ok &= np.isin(idx[:, 0], np.flatnonzero(carried & (closing >= 1)))
                cand = idx[ok]
                if not cand.size:
                    continue
                s, lot, day_ord, _ = cand[int(rng.integers(len(cand)))].tolist()
                k = int(rng.integers(max(0, day_ord - first_ord), nd))
                same = idx[(idx[:, 0] == s) & (idx[:, 1] == lot) & (idx[:, 2] <= first_ord + k)]
                sources = ",".join(sorted({self.plan.dealers[x].dealer_id for x in same[:, 3].tolist()}))
                accepted(k, s, 1, price_in_band(s, k), home, lot, "FOREIGN_BATCH", sources)
            elif ev == "unknown_batch":
                s = pick_sku()
                if s is None:
                    continue
                k = int(rng.integers(nd))
                accepted(k, s, 1, price_in_band(s, k), home, lot_id(m, FAKE_WEEK, d.region), "UNKNOWN_BATCH")
            elif ev == "future_batch":
                idx = self.lot_index[m]
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
                self.injected["future_batch"] += 1
                continue
            elif ev == "below_floor":
                s = pick_sku()
                k = int(rng.integers(nd))
                lot = self.own_lot(d, s, k) if s is not None else None
                if lot is None:
                    continue
                floor = int(self.plan.floor_day[s, first_ord + k - start_ord]) // 100 * 100
                cut = int(rng.integers(1, max(2, floor // 100 // 12) + 1)) * 100
                accepted(k, s, 1, floor - cut, home, lot)
            else:
                continue
            self.injected[ev] += 1
        if "negative_stock" in events:
            s = pick_sku(2)
            k = nd - 1 - int(rng.integers(min(5, nd)))
            lot = self.own_lot(d, s, k) if s is not None else None
            if lot is not None:
                accepted(k, s, int(closing[s]) + int(rng.integers(1, 6)), price_in_band(s, k), home, lot)
                self.injected["negative_stock"] += 1
        for ev in events:
            if ev.startswith("bad:") and n:
                codes = tuple(ev[4:].split("+"))
                i = int(rng.integers(n))
                row = {c: v[i] for c, v in base.items()}
                if codes != ("DUPLICATE_ROW",):
                    row["invoice_no"] = invoice()
                self.break_sale(row, codes, rng, first)
                specials.append({"row": row, "codes": codes, "after": i if codes == ("DUPLICATE_ROW",) else None})
                self.injected["bad_sales_row:" + "+".join(codes)] += 1
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
        self.sales_lines += len(acc_k)
        ym = f"{first:%Y%m}"
        final_at = self.submit_time(rng, first, d.on_time and rng.random() > 0.05)
        rel = self.sales_name(d, ym, final_at)
        # earlier versions and failed attempts
        if "month_to_date" in events and n:
            cut = int(rng.integers(10, 21))
            part = int(np.searchsorted(sales["day"], cut - 1))
            if 0 < part < n:
                at = datetime.combine(first + timedelta(days=cut - 1), time(int(rng.integers(8, 12)), int(rng.integers(60))))
                data = {c: v[:part] for c, v in base.items()}
                if self.emit(d, self.sales_name(d, ym, at), "sales", d.layouts["sales"], data,
                             f"{d.name} {first.year}年{first.month}月销售流向（截至{cut - 1}日）", "superseded", "", part):
                    self.injected["month_to_date"] += 1
        attempt = 0
        for ev in events:
            if ev.startswith("hostile:") and ev != "hostile:zero_byte":
                attempt += 1
                at = final_at - timedelta(minutes=7 * attempt + int(rng.integers(1, 6)))
                if self.hostile(d, m, ev[8:], at, base, rng):
                    self.injected[ev.replace(":", "_file:")] += 1
        bad = [(row_of[j], sp["codes"]) for j, sp in enumerate(specials) if sp["codes"] is not None]
        ok = self.emit(d, rel, "sales", d.layouts["sales"], cols, f"{d.name} {first.year}年{first.month}月销售流向",
                       "partially_accepted" if bad else "accepted", "", rows_total, len(bad))
        assert ok, rel
        for row_no, codes in bad:
            self.landing.quarantine(rel, row_no, codes)
        for j, sp in enumerate(specials):
            if sp["codes"] is None and sp["rule"]:
                k, s = sp["line"][:2]
                self.landing.writers["diversion"].writerow(
                    (rel, row_of[j], d.dealer_id, self.skus[s], date.fromordinal(first_ord + k).isoformat(),
                     sp["rule"], sp["sources"]))
        k_arr, s_arr = np.array(acc_k, np.int64), np.array(acc_s, np.int64)
        p_arr, q_arr = np.array(acc_p, np.int64), np.array(acc_q, np.int64)
        below = p_arr < self.plan.floor_day[s_arr, first_ord - start_ord + k_arr] if len(k_arr) else []
        for r_ in np.array(acc_row)[below].tolist() if len(k_arr) else []:
            self.landing.writers["below_floor"].writerow((rel, r_))
        clean = ~np.array(flagged, bool)
        vals = st.values.setdefault(m, np.zeros((len(world.CATEGORIES), 31), np.int64))
        np.add.at(vals, (self.plan.sku_category[s_arr[clean]], k_arr[clean]), (q_arr * p_arr)[clean])
        if "duplicate_file" in events:
            later = final_at + timedelta(hours=int(rng.integers(1, 72)), minutes=int(rng.integers(60)))
            self.landing.write(self.sales_name(d, ym, later), (self.out / rel).read_bytes(), kind="sales",
                               dealer_id=d.dealer_id, status="duplicate", reason="DUPLICATE_FILE", duplicate=True)
            self.injected["duplicate_file"] += 1

    def sales_name(self, d: Dealer, ym: str, at: datetime, dealer_id: str | None = None, ext: str | None = None) -> str:
        did = dealer_id or d.dealer_id
        return f"dealers/{did}/sales_{did}_{ym}_{at:%Y%m%dT%H%M%S}.{ext or d.profile.ext}"

    def submit_time(self, rng: np.random.Generator, first: date, on_time: bool) -> datetime:
        """Sales for month M are due by the 5th of M+1."""
        nxt = month_start(first, 1)
        offset = int(rng.integers(0, 5)) if on_time else int(rng.integers(5, 15))
        return datetime.combine(nxt + timedelta(days=offset),
                                time(int(rng.integers(8, 22)), int(rng.integers(60)), int(rng.integers(60))))

    def emit(self, d: Dealer, rel: str, kind: str, columns: tuple[str, ...], data: dict[str, list], title: str,
             status: str, reason: str, rows: int, quarantined: int = 0, profile=None, dealer_id: str | None = None) -> bool:
        profile = profile or d.profile
        data = {c: data.get(c, [None] * rows) for c in columns}
        did = d.dealer_id if dealer_id is None else dealer_id
        if rel.endswith(".xlsx"):
            return self.landing.write(rel, None, kind=kind, dealer_id=did, status=status, reason=reason,
                                      rows=rows, quarantined=quarantined,
                                      xlsx=lambda path: write_xlsx(path, columns, data, profile, title))
        if profile.ext == "xlsx":  # a CSV from an Excel dealer (a hostile copy): plain portal CSV
            profile = PROFILES[0]
        return self.landing.write(rel, csv_bytes(columns, data, profile), kind=kind, dealer_id=did,
                                  status=status, reason=reason, rows=rows, quarantined=quarantined)

    def break_sale(self, row: dict, codes: tuple[str, ...], rng: np.random.Generator, first: date) -> None:
        for code in codes:
            if code == "MISSING_VALUE":
                row["customer_name"] = None
            elif code == "BAD_DATE":
                row["sale_date"] = (f"{first.year}-02-30", f"{first.year}/13/{first.month}",
                                    f"{first.year}年2月30日")[int(rng.integers(3))]
            elif code == "BAD_NUMBER":
                if rng.random() < 0.5:
                    row["qty"] = "两台"
                else:
                    row["unit_price"] = "面议"
            elif code == "QTY_NOT_POSITIVE":
                row["qty"] = int(rng.integers(-1, 1))
            elif code == "PRICE_NOT_POSITIVE":
                row["unit_price"] = 0
            elif code == "UNKNOWN_SKU":
                row["sku"] = UNKNOWN_SKU
            elif code == "UNKNOWN_CITY":
                row["customer_city_code"] = world.BAD_CITY_CODES[int(rng.integers(len(world.BAD_CITY_CODES)))]
            elif code == "DATE_OUTSIDE_PERIOD":
                row["sale_date"] = first.toordinal() - int(rng.integers(1, 11))

    def hostile(self, d: Dealer, m: int, kind: str, at: datetime, base: dict, rng: np.random.Generator) -> bool:
        """A failed attempt next to the dealer's good file; returns whether it was written."""
        first = self.plan.firsts[m]
        ym = f"{first:%Y%m}"
        stamp = f"{at:%Y%m%dT%H%M%S}"
        did = d.dealer_id
        folder = f"dealers/{did}"
        half = {c: v[::2] for c, v in base.items()}
        rows = len(half["sku"])
        cols = d.layouts["sales"]
        title = f"{d.name} {first.year}年{first.month}月销售流向"

        def rejected(rel: str, data: bytes, reason: str, kind_: str = "", dealer_id: str = did) -> bool:
            return self.landing.write(rel, data, kind=kind_, dealer_id=dealer_id, status="rejected", reason=reason)

        def table(columns=cols, data=half, profile=PROFILES[0]) -> bytes:
            return csv_bytes(columns, {c: data.get(c, [None] * len(data["sku"])) for c in columns},
                             d.profile if d.profile.ext == "csv" else profile)

        if kind == "name_pattern":
            return rejected(f"{folder}/sales_{did}_{first:%Y-%m}.csv", table(), "BAD_FILE_NAME")
        if kind == "name_hidden":
            lock = f"{d.name},DESKTOP-{d.idx:04d}/{did},{stamp};\n".encode()
            return rejected(f"{folder}/.~lock.sales_{did}_{ym}_{stamp}.csv#", lock, "BAD_FILE_NAME")
        if kind == "name_other_dealer":
            if len(self.plan.dealers) < 2:
                return False
            other = self.plan.dealers[(d.idx + 1) % len(self.plan.dealers)].dealer_id
            return rejected(f"{folder}/sales_{other}_{ym}_{stamp}.csv", table(), "BAD_FILE_NAME")
        if kind == "name_dotdot":
            return rejected(f"{folder}/sales_{did}_{ym}_{stamp}..csv", table(), "BAD_FILE_NAME")
        if kind == "name_extension":
            return rejected(f"{folder}/sales_{did}_{ym}_{stamp}.xls", self.garbage(rng), "BAD_FILE_NAME")
        if kind == "name_nested":
            return rejected(f"{folder}/archive/sales_{did}_{ym}_{stamp}.csv", table(), "BAD_FILE_NAME")
        if kind == "unknown_dealer":
            unk = f"D{self.p.dealers + 101 + d.idx:0{self.plan.dealer_id_width}d}"
            return rejected(f"dealers/{unk}/sales_{unk}_{ym}_{stamp}.csv", table(), "UNKNOWN_DEALER", "sales", unk)
        if kind == "garbage_csv":
            return rejected(f"{folder}/sales_{did}_{ym}_{stamp}.csv", self.garbage(rng), "UNREADABLE", "sales")
        if kind == "truncated_xlsx":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "t.xlsx"
                write_xlsx(path, cols, {c: half.get(c, [None] * rows) for c in cols},
                           d.profile if d.profile.ext == "xlsx" else PROFILES[6], title)
                whole = path.read_bytes()
            return rejected(f"{folder}/sales_{did}_{ym}_{stamp}.xlsx", whole[: len(whole) * 11 // 20],
                            "UNREADABLE", "sales")
        if kind == "missing_columns":
            short = tuple(c for c in cols if c != "unit_price")
            return self.emit(d, f"{folder}/sales_{did}_{ym}_{stamp}.{d.profile.ext}", "sales", short, half, title,
                             "rejected", "MISSING_COLUMNS", rows)
        if kind == "header_only":
            return self.emit(d, f"{folder}/sales_{did}_{ym}_{stamp}.{d.profile.ext}", "sales", cols,
                             {c: [] for c in cols}, title, "rejected", "EMPTY_FILE", 0)
        raise ValueError(kind)

    @staticmethod
    def garbage(rng: np.random.Generator) -> bytes:
        """Bytes no text codec of the contract decodes (0xFF never occurs in UTF-8 or GBK)."""
        body = rng.integers(0, 256, size=int(rng.integers(600, 2000)), dtype=np.uint8).tobytes()
        return OLE_MAGIC + b"\x00\xff\x80\xff" + body

    # --- inventory reports ----------------------------------------------------------------

    def inventory_report(self, d: Dealer, m: int, events: list[str]) -> None:
        st = self.state[d.idx]
        rec = st.month_in
        if rec.size:
            order = np.argsort(rec[:, 1], kind="stable")
            st.last_lot[rec[order, 0]] = rec[order, 3]
        if not d.reports_inventory or "inventory_missing" in events:
            if "inventory_missing" in events:
                self.injected["inventory_missing"] += 1
            return
        rng = self.rng(4, d.idx, m)
        first = self.plan.firsts[m]
        day = month_start(first, 1) - timedelta(days=1)
        held = np.flatnonzero(st.stock > 0)
        if not held.size:
            return
        qty = st.stock[held].copy()
        if "inventory_variance" in events:
            for j in rng.choice(len(held), size=min(2, len(held)), replace=False):
                qty[j] = max(0, qty[j] + int(rng.choice([-3, -2, -1, 1, 2])))
        cols = d.layouts["inventory"]
        data = {"sku": [self.skus[s] for s in held], "qty_on_hand": qty.tolist(),
                "batch_no": [self.lot(int(st.last_lot[s])) if st.last_lot[s] >= 0 else None for s in held]}
        bad = []
        for ev in events:
            if ev.startswith("badinv:"):
                codes = tuple(ev[7:].split("+"))
                s = int(held[int(rng.integers(len(held)))])
                row = {"sku": self.skus[s], "qty_on_hand": 1, "batch_no": data["batch_no"][0]}
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
            if self.landing.write(name(at - timedelta(minutes=30)).rsplit(".", 1)[0] + ".csv", b"", kind="inventory",
                                  dealer_id=d.dealer_id, status="rejected", reason="EMPTY_FILE"):
                self.injected["hostile_file:zero_byte"] += 1
        rel = name(at)
        status = "partially_accepted" if bad else "accepted"
        # Two reports can come out byte-identical (a small dealer whose stock did not move):
        # listing a carried SKU at 0 changes nothing in the marts and makes the file distinct.
        spare = [int(s) for s in np.flatnonzero(d.sku_weight > 0) if st.stock[s] <= 0]
        while not self.emit(d, rel, "inventory", cols, data, title, status, "", len(data["sku"]), len(bad)):
            if not spare:
                return  # the same report was already sent: this month counts as not reported
            s = spare.pop(0)
            for c, v in (("sku", self.skus[s]), ("qty_on_hand", 0), ("batch_no", None)):
                data[c].append(v)
        for r, codes in bad:
            self.landing.quarantine(rel, r, codes)
            self.injected["bad_inventory_row:" + "+".join(codes)] += 1
        if "inventory_variance" in events:
            self.injected["inventory_variance"] += 1
        if "inventory_resubmitted" in events:
            first_try = {c: list(v) for c, v in data.items()}
            counted = [j for j, v in enumerate(first_try["qty_on_hand"]) if type(v) is int and v >= 0]
            j = counted[int(rng.integers(len(counted)))]
            first_try["qty_on_hand"][j] += 5  # a miscount, corrected by the later report
            rel0 = name(at - timedelta(hours=int(rng.integers(2, 40))))
            if self.emit(d, rel0, "inventory", cols, first_try, title, "superseded", "", len(data["sku"]), len(bad)):
                for r, codes in bad:
                    self.landing.quarantine(rel0, r, codes)
                self.injected["inventory_resubmitted"] += 1

    # --- claims ---------------------------------------------------------------------------

    def verified_value(self, d: Dealer, category: str, lo: date, hi: date) -> Decimal:
        """Σ qty × unit_price of the dealer's clean accepted lines in [lo, hi] (fen → CNY)."""
        st = self.state[d.idx]
        cats = (slice(None) if category == "*" else
                [i for i, c in enumerate(world.CATEGORIES) if c.name == category])
        total = 0
        for mm in range(self.month_of(lo), self.month_of(hi) + 1):
            vals = st.values.get(mm)
            if vals is None:
                continue
            first = self.plan.firsts[mm]
            a = max(lo, first).day - 1
            b = min(hi, month_start(first, 1) - timedelta(days=1)).day
            total += int(vals[cats, a:b].sum())
        return Decimal(total) / 100

    def dealer_claims(self, d: Dealer, m: int) -> None:
        plans = self.claims_by_cell.get((d.idx, m), [])
        if not plans:
            return
        rng = self.rng(5, d.idx, m)
        groups: dict[datetime, list[ClaimPlan]] = {}
        for c in plans:
            groups.setdefault(c.submitted, []).append(c)
        resent: dict[datetime, list[tuple[ClaimPlan, int]]] = {}
        for at in sorted(groups):
            rows = []
            for c in sorted(groups[at], key=lambda c: c.claim_id):
                camp = self.plan.campaign_by_id.get(c.campaign_id)
                window = eligible_window(c.period_start, c.period_end, self.terms(camp)) if camp else None
                verified = self.verified_value(d, camp.category, *window) if window else Decimal(0)
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
                    self.injected["claim_resubmitted"] += 1
                else:
                    rows.append((c, fen))
                self.claim_facts.append(ClaimFact(
                    c.claim_id, d.dealer_id, d.region_name, c.campaign_id, latest, Decimal(fen) / 100,
                    c.period_start, c.period_end, verified))
                self.claim_intent[c.claim_id] = c.intent
            if rows:
                self.claims_file(d, at, rows, rng)
        for at in sorted(resent):
            self.claims_file(d, at, resent[at], rng, resubmission=True)

    def claims_file(self, d: Dealer, at: datetime, rows: list[tuple[ClaimPlan, int]], rng: np.random.Generator,
                    resubmission: bool = False) -> None:
        cols = d.layouts["claims"]

        def values(items: list[tuple[ClaimPlan, int]]) -> dict[str, list]:
            out: dict[str, list] = {c: [] for c in ("claim_id", "campaign_id", "expense_type", "amount",
                                                     "period_start", "period_end", "description")}
            for c, fen in items:
                camp = self.plan.campaign_by_id.get(c.campaign_id)
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
                self.injected["bad_claim_row:" + "+".join(c.bad_row)] += 1
        title = f"{d.name} 费用报销申请"
        name = lambda t: f"dealers/{d.dealer_id}/claims_{d.dealer_id}_{t:%Y%m%dT%H%M%S}.{d.profile.ext}"  # noqa: E731
        n = len(data["claim_id"])
        if not resubmission and any(c.missing_columns_attempt for c, _ in rows):
            short = tuple(c for c in cols if c != "amount")
            if self.emit(d, name(at - timedelta(minutes=7)), "claims", short, data, title, "rejected",
                         "MISSING_COLUMNS", n):
                self.injected["claims_missing_columns_file"] += 1
        rel = name(at)
        ok = self.emit(d, rel, "claims", cols, data, title, "partially_accepted" if bad else "accepted", "", n, len(bad))
        assert ok, rel
        for r, codes in bad:
            self.landing.quarantine(rel, r, codes)

    @staticmethod
    def terms(camp, budget: Decimal | None = None) -> CampaignTerms:
        return CampaignTerms(camp.campaign_id, camp.start, camp.end, camp.category, camp.region, camp.rate,
                             camp.budget if budget is None else budget)

    def claims_truth(self, truth: Path) -> dict:
        """Budgets (generous, except one campaign that runs out), then the expected outcome of
        every current claim."""
        unlimited = {c.campaign_id: self.terms(c, Decimal(10) ** 12) for c in self.plan.campaigns}
        first_pass = evaluate(self.claim_facts, unlimited)
        facts = sorted(self.claim_facts, key=lambda f: (f.submitted_at, f.claim_id))
        for camp in self.plan.campaigns:
            served = [first_pass[f.claim_id].approved for f in facts
                      if f.campaign_id == camp.campaign_id and first_pass[f.claim_id].approved > 0]
            total = sum(served, Decimal(0))
            camp.budget = Decimal(math.ceil((total * Decimal("1.2") + 5000) / 10000) * 10000)
            if camp.campaign_id == self.plan.tight_campaign and len(served) >= 2 and self.p.injection_scale > 0:
                k = len(served) // 2 if len(served) >= 3 else 1
                before = sum(served[: k - 1], Decimal(0))
                budget = (before + served[k - 1] / 2).quantize(Decimal("0.01"))
                rounded = Decimal(int(budget / 100) * 100)
                camp.budget = rounded if before < rounded < before + served[k - 1] else budget
        outcomes = evaluate(self.claim_facts, {c.campaign_id: self.terms(c) for c in self.plan.campaigns})
        with open(truth / "claims.csv", "w", encoding="utf-8", newline="") as fh:
            fh.write("claim_id,dealer_id,campaign_id,injected_rule,expected_status,expected_reason_codes,"
                     "expected_approved_amount\n")
            for f in sorted(self.claim_facts, key=lambda f: f.claim_id):
                o = outcomes[f.claim_id]
                fh.write(f"{f.claim_id},{f.dealer_id},{f.campaign_id},{self.claim_intent[f.claim_id]},{o.status},"
                         f"\"{','.join(o.reason_codes)}\",{o.approved:.2f}\n")
        return outcomes

    # --- ERP snapshots --------------------------------------------------------------------

    def snapshots(self) -> None:
        plan = self.plan
        before = self.p.start - timedelta(days=1)
        mid = plan.mid - timedelta(days=1)

        def put(kind: str, day: date, columns: tuple[str, ...], rows: list[tuple], status: str) -> bool:
            data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
            return self.landing.write(f"erp/{kind}_{day:%Y%m%d}.csv", csv_bytes(columns, data, ERP_PROFILE),
                                      kind=kind, dealer_id="", status=status, rows=len(rows))

        def series(kind: str, columns: tuple[str, ...], versions: list[tuple[date, list[tuple]]]) -> None:
            """Snapshots of one kind; a version equal to the next one is not sent."""
            versions = sorted(versions, key=lambda v: v[0])
            keep = [v for i, v in enumerate(versions) if i + 1 == len(versions) or v[1] != versions[i + 1][1]]
            for i, (day, rows) in enumerate(keep):
                assert put(kind, day, columns, rows, "accepted" if i + 1 == len(keep) else "superseded")

        regions = [c for c in world.CITIES]
        cols = ("city_code", "city_name", "province", "region")
        assert put("regions", before, cols, regions, "accepted")
        if plan.once:
            data = {c: [r[i] for r in regions] for i, c in enumerate(cols)}
            again = before + timedelta(days=95)
            self.landing.write(f"erp/regions_{again:%Y%m%d}.csv", csv_bytes(cols, data, ERP_PROFILE), kind="regions",
                               dealer_id="", status="duplicate", reason="DUPLICATE_FILE", duplicate=True)
            self.injected["duplicate_file"] += 1
        series("dealers", ("dealer_id", "dealer_name", "tier", "region", "province", "city_code", "credit_limit",
                           "status", "contract_start", "contract_end"),
               [(day, [(d.dealer_id, d.name, d.tier, d.region_name, world.CITIES[d.city][2],
                        self.city_codes[d.city], d.credit_limit[v], "active", d.contract_start.toordinal(),
                        d.contract_end[v].toordinal()) for d in plan.dealers])
                for v, day in ((0, before), (1, mid))])
        t_days = sorted({before} | {t.announced for d in plan.dealers for t in d.territories})
        series("territories", ("dealer_id", "city_code", "valid_from", "valid_to"),
               [(day, [(plan.dealers[t.dealer].dealer_id, self.city_codes[t.city], t.valid_from.toordinal(),
                        t.valid_to.toordinal() if t.valid_to and t.announced <= day else None)
                       for d in plan.dealers for t in d.territories if t.announced <= day or t.valid_from <= day])
                for day in t_days])
        series("products", ("sku", "product_name", "category", "brand", "unit_cost", "launch_date", "status"),
               [(day, [(p.sku, p.name, world.CATEGORIES[p.category].name, p.brand, p.unit_cost[v],
                        p.launch.toordinal(), "active") for p in plan.products])
                for v, day in ((0, before), (1, mid))])
        p_days = sorted({before} | {r.announced for r in plan.price_rows if r.announced > before})
        series("prices", ("sku", "price_type", "price", "valid_from", "valid_to"),
               [(day, [(self.skus[r.sku], r.price_type, r.fen, r.valid_from.toordinal(),
                        r.valid_to.toordinal() if r.valid_to and r.closed_announced <= day else None)
                       for r in plan.price_rows if r.announced <= day])
                for day in p_days])
        early = self.p.start + timedelta(days=183)
        series("campaigns", ("campaign_id", "campaign_name", "campaign_type", "start_date", "end_date", "category",
                             "region", "reimbursement_rate", "budget"),
               [(day, [(c.campaign_id, c.name, c.ctype, c.start.toordinal(), c.end.toordinal(), c.category,
                        c.region, str(c.rate), int(c.budget * 100)) for c in plan.campaigns if c.start <= horizon])
                for day, horizon in ((before, early), (mid, date.max))])
        assert put("opening_inventory", self.p.start, ("dealer_id", "sku", "batch_no", "qty", "as_of_date"),
                   [(plan.dealers[di].dealer_id, self.skus[s], self.lot(lot), q, self.p.start.toordinal())
                    for di, s, lot, q in self.opening_rows], "accepted")
        if plan.once:
            self.landing.write("readme.txt", "上传说明：请将销售流向放入 dealers/<经销商编码>/ 目录。\n".encode(),
                               kind="", dealer_id="", status="rejected", reason="BAD_FILE_NAME")
            self.landing.write("erp/.DS_Store", b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00" + bytes(range(64)),
                               kind="", dealer_id="", status="rejected", reason="BAD_FILE_NAME")
            self.injected["hostile_file:landing_root"] += 1
            self.injected["hostile_file:erp_hidden"] += 1

    def summary(self, outcomes: dict) -> dict:
        reasons = Counter(r for o in outcomes.values() for r in o.reason_codes)
        return {
            "generator": "dcw",
            "params": {"seed": self.p.seed, "dealers": self.p.dealers, "skus": self.p.skus,
                       "months": self.p.months, "start": self.p.start.isoformat(),
                       "injection_scale": self.p.injection_scale, "rates": asdict(self.p.rates)},
            "files": self.landing.files,
            "files_by_status": dict(sorted(self.landing.counts.items())),
            "rows_by_kind": dict(sorted(self.landing.kind_rows.items())),
            "sales_lines": self.sales_lines,
            "claims": len(outcomes),
            "claims_by_status": dict(sorted(Counter(o.status for o in outcomes.values()).items())),
            "claims_by_reason": dict(sorted(reasons.items())),
            "injected": dict(sorted(self.injected.items())),
        }


def generate(params: GeneratorParams, progress: Progress | None = None) -> dict:
    """Write a landing folder at params.out and its ground truth at params.out/../truth."""
    return Generator(params, progress).run()
