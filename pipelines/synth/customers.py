"""The end customers of the generated channel (docs/generator.md, "Customers").

Each city has a pool of businesses; each business buys from one to three of the dealers
serving its city (and, through diverted sales, from others). Every dealer writes a business
its own way: with or without the legal form or a different one (有限公司 / 有限责任公司 /
股份有限公司), a city or province prefix, a branch (（天河店）, 天河分公司), spaces, full-width
letters, traditional characters, now and then a one-character typo, and with the true phone,
another phone or none. The identity of every accepted line goes to truth/customers.csv.

Draws come from their own generators keyed by (seed, CUSTOMERS, ...), so the rest of the
landing folder is byte-for-byte what it was before customers existed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipelines.customers.places import DISTRICTS
from pipelines.synth import world

DOUBLE_REPORTED_RATE = 0.03  # per dealer-month, times injection_scale
CUSTOMERS = 16  # purpose key of the random draws (pipelines/synth/context.py lists the others)
BRAND_CHARS = (
    "鑫源恒达宏图金龙瑞丰永泰嘉禾兴旺百顺祥和富民聚福天成安居明珠汇通鼎盛联创佳荣昌博远德隆众诚"
    "新宇海星光辉腾飞雅锦绣云帆信盈科美乐康宁和睦润泽益民立信润达盛世佳豪伟业同心志远尚品优"
)
INDUSTRIES = (
    "酒店", "餐饮", "物业管理", "幼儿园", "商务会所", "办公用品商行", "养老院", "家政服务",
    "超市", "宾馆", "健身会所", "美容院", "培训学校", "茶楼", "便利店", "员工食堂", "民宿", "洗衣店",
)
LEGAL = ("有限公司", "有限责任公司", "股份有限公司")
LATIN = ("ABC", "KTV", "A+", "MAX", "V8", "TOP")


@dataclass
class Customer:
    cid: str
    city: int
    core: str  # brand + industry: what every variant names
    legal: int
    phone: str
    weight: float
    dealers: list[int] = field(default_factory=list)


def _keys(core: str) -> list[str]:
    """One key per position with that character wild: two cores sharing a key differ in one."""
    return [core[:i] + "*" + core[i + 1:] for i in range(len(core))]


class CustomerWorld:
    """The customer pools of every city, built lazily, and each dealer's spelling of each."""

    def __init__(self, seed: int, dealers: list, n_cities: int, start_ord: int):
        self.seed = seed
        self.serving: list[list[int]] = [[] for _ in range(n_cities)]
        for d in dealers:
            for c in sorted({d.city, *(t.city for t in d.territories)}):
                self.serving[c].append(d.idx)
        self.pools: dict[int, list[Customer]] = {}
        self.by_dealer: dict[tuple[int, int], tuple[list[Customer], np.ndarray]] = {}
        self.variants: dict[tuple[str, int], tuple[str, str, str | None, str | None]] = {}
        self.keys: dict[int, dict[str, set[str]]] = {}
        # (customer, sku, day) -> dealer, for the month being written: a business buys a sku on
        # a day from one dealer, so every DOUBLE_REPORTED group is an injected one
        self.taken: dict[tuple[str, int, int], int] = {}
        self.taken_month = -1
        self.pending: dict[int, list[tuple]] = {}  # dealer -> copies of lines it will double-report

    def rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(CUSTOMERS, *key)))

    def pool(self, c: int) -> list[Customer]:
        if c in self.pools:
            return self.pools[c]
        rng = self.rng(0, c)
        serving = self.serving[c]
        n = 12 + 10 * len(serving)
        keys: dict[str, set[str]] = {}
        cores: set[str] = set()
        out = []
        while len(out) < n:
            brand = "".join(BRAND_CHARS[i] for i in rng.integers(len(BRAND_CHARS), size=2).tolist())
            if rng.random() < 0.04:
                brand = LATIN[int(rng.integers(len(LATIN)))] + brand
            core = brand + INDUSTRIES[int(rng.integers(len(INDUSTRIES)))]
            # no two businesses of a city one character apart: a typo must not name another
            if core in cores or any(k in keys for k in _keys(core)):
                continue
            cores.add(core)
            cid = f"K{c:02d}{len(out):05d}"
            for k in _keys(core):
                keys.setdefault(k, set()).add(cid)
            legal = int(rng.choice(3, p=[0.8, 0.12, 0.08]))
            phone = f"1{int(rng.integers(3_000_000_000, 9_999_999_999))}"
            cust = Customer(cid, c, core, legal, phone, float(rng.lognormal(0, 1)))
            if serving:
                k = 1 + int(rng.random() < 0.35) + int(rng.random() < 0.1)
                cust.dealers = sorted(rng.choice(serving, size=min(k, len(serving)), replace=False).tolist())
            out.append(cust)
        self.pools[c] = out
        self.keys[c] = keys
        return out

    def candidates(self, d: int, c: int) -> tuple[list[Customer], np.ndarray]:
        """The businesses of city c that buy from dealer d (all of them for a diverted sale)."""
        got = self.by_dealer.get((d, c))
        if got is None:
            pool = self.pool(c)
            mine = [x for x in pool if d in x.dealers] or pool
            w = np.array([x.weight for x in mine])
            got = self.by_dealer[(d, c)] = (mine, np.cumsum(w) / w.sum())
        return got

    def pick(self, rng: np.random.Generator, d: int, cities: list[int], phone: bool, skus: list[int],
             days: list[int], forced: list[str | None] | None = None
             ) -> tuple[list[str], list[str | None], list[str]]:
        """Names, phones and true customer ids of lines sold into `cities` by dealer d (a
        forced id: that customer, for a double-reported copy)."""
        names, phones, ids = [], [], []
        u = rng.random(len(cities))
        second = rng.random(len(cities)) < 0.1
        # each line's first choice, drawn by weight, one city at a time (the generator's
        # slowest loop: docs/generator.md, "Both cores")
        chosen: list[Customer] = [None] * len(cities)  # type: ignore[list-item]
        by_city = np.asarray(cities, np.int64)
        for c in np.unique(by_city).tolist():
            at = np.flatnonzero(by_city == c)
            mine, cum = self.candidates(d, c)
            for j, i in zip(at.tolist(), np.minimum(np.searchsorted(cum, u[at]), len(mine) - 1).tolist()):
                chosen[j] = mine[i]
        for j, (c, cust, s) in enumerate(zip(cities, chosen, second.tolist())):
            key = (skus[j], days[j])
            if forced and forced[j]:
                cust = next(x for x in self.pool(c) if x.cid == forced[j])
            else:
                tries = 0
                while self.taken.get((cust.cid, *key), d) != d:
                    tries += 1
                    pool = self.by_dealer[(d, c)][0] if tries < 8 else self.pool(c)
                    cust = pool[int(rng.integers(len(pool)))]
                    if tries > 40:
                        break
                self.taken[(cust.cid, *key)] = d
            name, name2, ph, _ = self.variants.get((cust.cid, d)) or self.variant(cust, d)
            names.append(name2 if s else name)
            phones.append(ph if phone else None)
            ids.append(cust.cid)
        return names, phones, ids

    def variant(self, cust: Customer, d: int) -> tuple[str, str, str | None, bool]:
        """Dealer d's usual and occasional spelling of the customer, the phone it gives, and
        whether either spelling carries a typo."""
        got = self.variants.get((cust.cid, d))
        if got is None:
            rng = self.rng(1, cust.city, int(cust.cid[3:]), d)
            first, typo1 = self.spell(cust, rng)
            second, typo2 = self.spell(cust, rng)
            u = rng.random()
            ph = cust.phone if u < 0.7 else (None if u < 0.9 else f"1{int(rng.integers(3_000_000_000, 9_999_999_999))}")
            got = self.variants[(cust.cid, d)] = (first, second, ph, typo1 or typo2)
        return got

    def spell(self, cust: Customer, rng: np.random.Generator) -> tuple[str, bool]:
        core = cust.core
        if rng.random() < 0.04:
            core = self.typo(cust, rng)
        city_name, province = world.CITIES[cust.city][1], world.CITIES[cust.city][2]
        legal = LEGAL[cust.legal] if rng.random() < 0.85 else LEGAL[int(rng.integers(3))]
        district = DISTRICTS[int(rng.integers(len(DISTRICTS)))]
        form = int(rng.choice(9, p=[0.3, 0.15, 0.15, 0.06, 0.1, 0.06, 0.08, 0.05, 0.05]))
        if form == 0:
            s = core + legal
        elif form == 1:
            s = city_name + core + legal
        elif form == 2:
            s = core
        elif form == 3:
            s = province + core + legal
        elif form == 4:
            s = core + (f"（{district}店）" if rng.random() < 0.6 else f"({district}店)")
        elif form == 5:
            s = core + legal + district + "分公司"
        elif form == 6:
            i = int(rng.integers(1, len(core)))
            s = core[:i] + " " + core[i:] + (" " + legal if rng.random() < 0.5 else "")
        elif form == 7:
            s = _traditional(city_name.removesuffix("市") + core + legal)
        else:
            s = core + district + "门店"
        if any(ch.isascii() and ch.isalnum() for ch in s) and rng.random() < 0.5:
            s = "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in s)
        return s, core != cust.core

    def typo(self, cust: Customer, rng: np.random.Generator) -> str:
        """One brand character replaced, never giving a name one character from another business."""
        keys = self.keys[cust.city]
        core = cust.core
        for _ in range(20):
            i = int(rng.integers(min(2, len(core))))
            ch = BRAND_CHARS[int(rng.integers(len(BRAND_CHARS)))]
            cand = core[:i] + ch + core[i + 1:]
            if cand != core and all(keys.get(k, set()) <= {cust.cid} for k in _keys(cand)):
                return cand
        return core


def _traditional(s: str) -> str:
    from opencc import OpenCC
    global _S2T
    if _S2T is None:
        _S2T = OpenCC("s2t")
    return _S2T.convert(s)


_S2T = None
