"""The master data of a run (dealers, territories, products, prices, campaigns) and the plan
of every injection and claim, drawn up front from the seed. The streaming generator then
works month by month and dealer by dealer against this plan."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np

from pipelines.synth import world
from pipelines.synth.formats import PROFILES, Profile, layout
from pipelines.synth.params import GeneratorParams

# Quarantine cases injected into sales files: the codes each extra row must get.
SALES_BAD_ROWS: tuple[tuple[str, ...], ...] = (
    ("MISSING_VALUE",),
    ("BAD_DATE",),
    ("BAD_NUMBER",),
    ("QTY_NOT_POSITIVE",),
    ("PRICE_NOT_POSITIVE",),
    ("UNKNOWN_SKU",),
    ("UNKNOWN_CITY",),
    ("DATE_OUTSIDE_PERIOD",),
    ("DUPLICATE_ROW",),
    ("QTY_NOT_POSITIVE", "UNKNOWN_SKU"),
    ("MISSING_VALUE", "UNKNOWN_CITY"),
)
INVENTORY_BAD_ROWS: tuple[tuple[str, ...], ...] = (
    ("QTY_NOT_POSITIVE",),
    ("UNKNOWN_SKU",),
    ("BAD_NUMBER",),
)
SHIPMENT_BAD_ROWS: tuple[tuple[str, ...], ...] = (
    ("DELIVERY_BEFORE_SHIP",),
    ("UNKNOWN_DEALER",),
    ("UNKNOWN_SKU",),
    ("QTY_NOT_POSITIVE",),
    ("PRICE_NOT_POSITIVE",),
    ("MISSING_VALUE",),
    ("BAD_DATE",),
    ("BAD_NUMBER",),
)
CLAIM_BAD_ROWS: tuple[tuple[str, ...], ...] = (
    ("AMOUNT_NOT_POSITIVE",),
    ("MISSING_VALUE",),
    ("BAD_DATE",),
)
# Rejected dealer files, each written as an earlier failed attempt next to a good file.
HOSTILE_KINDS: tuple[str, ...] = (
    "name_pattern",  # sales_D0007_2025-03.csv
    "name_hidden",  # .~sales_... (an editor's lock file)
    "name_other_dealer",  # dealer id in the name differs from the folder
    "name_dotdot",  # sales_..._20250404T093012..csv
    "name_extension",  # .xls
    "name_nested",  # dealers/D0007/archive/sales_...csv
    "unknown_dealer",  # a folder of a dealer not in master data
    "garbage_csv",  # an old binary .xls renamed to .csv
    "truncated_xlsx",
    "missing_columns",  # no unit_price column
    "header_only",
)
DEALER_EVENTS: tuple[str, ...] = (
    "out_of_territory", "foreign_batch", "unknown_batch", "future_batch", "negative_stock",
    "below_floor", "month_to_date", "duplicate_file",
)
INVENTORY_EVENTS: tuple[str, ...] = ("inventory_missing", "inventory_resubmitted", "inventory_variance")
CAMPAIGN_LIFT = 1.6
TIER_SHARE = (("A", 0.15), ("B", 0.40), ("C", 0.45))
TIER_LINES = {"A": 500.0, "B": 210.0, "C": 90.0}


def month_start(start: date, m: int) -> date:
    y, mo = divmod(start.year * 12 + start.month - 1 + m, 12)
    return date(y, mo + 1, 1)


def days_in(first: date) -> int:
    return (month_start(first, 1) - first).days


@dataclass
class Territory:
    dealer: int
    city: int  # index into world.CITIES
    valid_from: date
    valid_to: date | None
    announced: date  # first snapshot date that shows this row as it finally is


@dataclass
class Dealer:
    idx: int
    dealer_id: str
    name: str
    tier: str
    city: int
    region: int
    credit_limit: tuple[int, int]  # fen: first snapshot, later snapshot
    contract_start: date
    contract_end: tuple[date, date]
    categories: np.ndarray  # bool per category carried
    sku_weight: np.ndarray  # float per sku, 0 when not carried
    base_lines: float
    growth: float
    profile: Profile
    layouts: dict[str, tuple[str, ...]]
    ship_weekdays: tuple[int, ...]
    ship_fortnightly: bool
    on_time: bool
    reports_inventory: bool
    territories: list[Territory] = field(default_factory=list)

    @property
    def region_name(self) -> str:
        return world.REGIONS[self.region]


@dataclass
class Product:
    idx: int
    sku: str
    name: str
    category: int
    brand: str
    unit_cost: tuple[int, int]  # fen: first snapshot, later snapshot
    launch: date
    popularity: float


@dataclass
class PriceRow:
    sku: int
    price_type: str
    fen: int
    valid_from: date
    valid_to: date | None
    announced: date
    closed_announced: date | None  # when valid_to became known (the next row's announcement)


@dataclass
class Campaign:
    campaign_id: str
    name: str
    ctype: str
    start: date
    end: date
    category: str  # name or "*"
    region: str  # name or "*"
    rate: Decimal
    budget: Decimal = Decimal("0")


@dataclass
class ClaimPlan:
    claim_id: str
    dealer: int
    campaign_id: str
    period_start: date
    period_end: date
    submitted: datetime
    expense_type: str
    intent: str = ""  # the write-off rule designed to fire, "" for an ordinary claim
    resubmitted: datetime | None = None  # a newer file with a corrected amount
    missing_columns_attempt: bool = False  # an earlier rejected file without `amount`
    bad_row: tuple[str, ...] = ()  # a quarantined extra row in the same file


class Plan:
    """Everything decided up front. Deterministic in the seed."""

    def __init__(self, p: GeneratorParams):
        self.p = p
        self.rng = random.Random(p.seed)
        self.start = p.start
        self.months = p.months
        self.firsts = [month_start(p.start, m) for m in range(p.months + 1)]
        self.end = self.firsts[-1] - timedelta(days=1)
        self.start_ord = p.start.toordinal()
        self.ndays = (self.firsts[-1] - p.start).days
        self.mid = self.firsts[max(1, p.months // 2)]
        self._products()
        self._prices()
        self._dealers()
        self._campaigns()
        self._events()
        self._claims()

    # --- master data ----------------------------------------------------------------------

    def _products(self) -> None:
        r, ncat = self.rng, len(world.CATEGORIES)
        self.products: list[Product] = []
        for i in range(self.p.skus):
            cat = i % ncat
            c = world.CATEGORIES[cat]
            model = i // ncat
            brand = world.BRANDS[2] if c.guide_hi < 700 else world.BRANDS[model % 2]
            launch_in_period = i >= ncat and self.months >= 6 and r.random() < 0.2
            if launch_in_period:
                launch = self.firsts[r.randint(2, self.months - 3)] + timedelta(days=r.randint(0, 19))
            else:
                launch = self.start - timedelta(days=r.randint(60, 5 * 365))
            suffix = world.MODEL_SUFFIX[model % len(world.MODEL_SUFFIX)]
            self.products.append(Product(
                idx=i, sku=f"{c.code}{101 + model}", name=f"{brand}{c.name} {c.code}-{300 + 100 * model}{suffix}",
                category=cat, brand=brand, unit_cost=(0, 0), launch=launch,
                popularity=math.exp(r.gauss(0, 0.5)),
            ))
        self.categories_present = sorted({pr.category for pr in self.products})
        self.sku_category = np.array([pr.category for pr in self.products])
        self.launch_ord = np.array([pr.launch.toordinal() for pr in self.products])
        self.known_skus = frozenset(pr.sku for pr in self.products)

    def _prices(self) -> None:
        r = self.rng
        S, nd = len(self.products), self.ndays
        self.guide_day = np.zeros((S, nd), np.int64)
        self.floor_day = np.zeros((S, nd), np.int64)
        self.dealer_day = np.zeros((S, nd), np.int64)
        self.price_rows: list[PriceRow] = []
        changes = [m for m in range(6, self.months, 6)]
        announce0 = self.start - timedelta(days=1)
        for pr in self.products:
            c = world.CATEGORIES[pr.category]
            guide = _retail_price(r.uniform(c.guide_lo, c.guide_hi))
            cost = int(guide * r.uniform(0.36, 0.46)) * 100
            pr.unit_cost = (cost, int(cost * r.choice((1.0, 1.02, 1.04))) // 10 * 10)
            segments = [(pr.launch, guide, max(announce0, pr.launch - timedelta(days=20)))]
            for m in changes:
                eff = self.firsts[m]
                if eff > pr.launch and r.random() < 0.5:
                    guide = _retail_price(guide * r.choice((0.9, 0.95, 1.05, 1.08)))
                    segments.append((eff, guide, eff - timedelta(days=10)))
            for k, (frm, g, ann) in enumerate(segments):
                to = segments[k + 1][0] - timedelta(days=1) if k + 1 < len(segments) else None
                fen = {"dealer": int(g * 62) // 10 * 10, "retail_guide": g * 100, "floor": int(g * 0.85) * 100}
                closed = segments[k + 1][2] if k + 1 < len(segments) else None
                for ptype, v in fen.items():
                    self.price_rows.append(PriceRow(pr.idx, ptype, v, frm, to, ann, closed))
                a = max(0, frm.toordinal() - self.start_ord)
                b = nd if to is None else min(nd, to.toordinal() - self.start_ord + 1)
                if a < b:
                    self.guide_day[pr.idx, a:b] = fen["retail_guide"]
                    self.floor_day[pr.idx, a:b] = fen["floor"]
                    self.dealer_day[pr.idx, a:b] = fen["dealer"]

    def _dealers(self) -> None:
        r, n = self.rng, self.p.dealers
        width = max(4, len(str(n + 200)))
        self.dealer_id_width = width
        cities_by_region: dict[int, list[int]] = {}
        for ci, (_code, _name, _prov, reg) in enumerate(world.CITIES):
            cities_by_region.setdefault(world.REGIONS.index(reg), []).append(ci)
        self.cities_by_region = cities_by_region
        # Bigger regions get more dealers, as a real network would.
        region_weight = [len(cities_by_region[k]) for k in range(len(world.REGIONS))]
        profiles_w = [pf.weight for pf in PROFILES]
        ncat = len(world.CATEGORIES)
        self.dealers: list[Dealer] = []
        for i in range(n):
            tier = r.choices([t for t, _ in TIER_SHARE], [w for _, w in TIER_SHARE])[0]
            region = r.choices(range(len(world.REGIONS)), region_weight)[0]
            city = r.choice(cities_by_region[region])
            profile = r.choices(PROFILES, profiles_w)[0]
            if profile.ext == "xlsx" and tier == "A":  # big dealers run a DMS export, not Excel
                profile = PROFILES[0]
            present = self.categories_present
            carried = np.zeros(ncat, bool)
            keep = len(present) if tier == "A" else max(1, round(len(present) * (0.75 if tier == "B" else 0.5)))
            for cat in r.sample(present, keep):
                carried[cat] = True
            weights = np.array([
                pr.popularity if carried[pr.category] else 0.0 for pr in self.products
            ])
            city_name = world.CITIES[city][1].removesuffix("市")
            name = f"{city_name}{r.choice(world.DEALER_WORDS)}{r.choice(world.DEALER_SUFFIX)}"
            # every dealer is under contract from the period's first month on: its territory
            # is where it may sell (docs/generator.md), and a period starting before 2024
            # would otherwise open before some contracts, leaving a dealer no city to sell into
            cstart = min(date(r.randint(2016, 2023), r.randint(1, 12), 1), self.start)
            cend = date(self.end.year + 1, 12, 31)
            limit = {"A": 5_000_000, "B": 1_500_000, "C": 500_000}[tier]
            limit = int(limit * r.uniform(0.7, 1.3)) // 10_000 * 10_000 * 100
            lay_rng = random.Random(f"{self.p.seed}-layout-{i}")
            d = Dealer(
                idx=i, dealer_id=f"D{i + 1:0{width}d}", name=name, tier=tier, city=city,
                region=region, credit_limit=(limit, limit if r.random() < 0.7 else limit * 6 // 5),
                contract_start=cstart, contract_end=(date(self.end.year, 12, 31), cend),
                categories=carried, sku_weight=weights,
                base_lines=TIER_LINES[tier] * math.exp(r.gauss(0, 0.25)),
                growth=r.gauss(0.08, 0.1), profile=profile,
                layouts={k: layout(k, profile, lay_rng) for k in ("sales", "inventory", "claims")},
                ship_weekdays=((r.randint(0, 1), r.randint(3, 4)) if tier == "A" else (r.randint(0, 4),)),
                ship_fortnightly=tier == "C",
                on_time=r.random() < 0.85,
                reports_inventory=r.random() < 0.88,
            )
            self._territories(d, cities_by_region[region])
            self.dealers.append(d)

    def _territories(self, d: Dealer, region_cities: list[int]) -> None:
        r = self.rng
        others = [c for c in region_cities if c != d.city]
        extra = {"A": r.randint(2, 4), "B": r.randint(1, 2), "C": r.randint(0, 1)}[d.tier]
        extra_cities = r.sample(others, min(extra, len(others)))
        first = self.start - timedelta(days=1)
        d.territories.append(Territory(d.idx, d.city, d.contract_start, None, first))
        for c in extra_cities:
            d.territories.append(Territory(d.idx, c, d.contract_start, None, first))
        # Some territories change over the period (a city handed over, a city won),
        # always at a month start so a month's territory set is fixed.
        if self.months >= 6 and r.random() < 0.12:
            m = r.randint(3, self.months - 2)
            eff = self.firsts[m]
            ann = eff - timedelta(days=5)
            if extra_cities and r.random() < 0.6:
                lost = d.territories[-1]
                lost.valid_to = eff - timedelta(days=1)
                lost.announced = ann
            spare = [c for c in others if c not in extra_cities]
            if spare:
                d.territories.append(Territory(d.idx, r.choice(spare), eff, None, ann))

    def territory_cities(self, d: Dealer, m: int) -> list[int]:
        """Cities the dealer may sell into during month m (fixed within a month)."""
        first, last = self.firsts[m], self.firsts[m + 1] - timedelta(days=1)
        out = [t.city for t in d.territories
               if t.valid_from <= first and (t.valid_to is None or t.valid_to >= last)]
        return sorted(set(out))

    def _campaigns(self) -> None:
        cats = {world.CATEGORIES[c].name for c in self.categories_present}
        templates = []
        for year in range(self.start.year, self.end.year + 1):
            ny = world.cny(year)
            templates += [
                ("春节焕新季", "节日促销", ny - timedelta(days=25), ny + timedelta(days=5), "*", "*", "0.05"),
                ("618年中大促", "电商大促", date(year, 5, 25), date(year, 6, 20), "*", "*", "0.06"),
                ("夏季净水节", "品类推广", date(year, 7, 1), date(year, 8, 15), "净水器", "华南", "0.08"),
                ("国庆家电节", "节日促销", date(year, 9, 25), date(year, 10, 8), "电饭煲", "*", "0.05"),
                ("双11狂欢节", "电商大促", date(year, 10, 20), date(year, 11, 12), "*", "*", "0.06"),
                ("冬季净化季", "品类推广", date(year, 11, 15), date(year, 12, 31), "空气净化器", "华北", "0.07"),
                ("东北暖冬季", "区域推广", date(year, 11, 1), date(year, 12, 20), "加湿器", "东北", "0.08"),
            ]
        templates.sort(key=lambda t: (t[2], t[0]))
        self.campaigns: list[Campaign] = []
        seq: dict[int, int] = {}
        for name, ctype, s, e, cat, reg, rate in templates:
            if s < self.start or e > self.end or (cat != "*" and cat not in cats):
                continue
            seq[s.year] = seq.get(s.year, 0) + 1
            cid = f"CP{s.year % 100:02d}{seq[s.year]:02d}"
            self.campaigns.append(Campaign(cid, f"{s.year}{name}", ctype, s, e, cat, reg, Decimal(rate)))
        self.campaign_by_id = {c.campaign_id: c for c in self.campaigns}

    # --- injections -----------------------------------------------------------------------

    def _events(self) -> None:
        """Which (dealer, month) gets which injection; counts follow `InjectionRates`."""
        rates, scale = self.p.rates, self.p.injection_scale
        r = random.Random(f"{self.p.seed}-events")
        cells = [(d, m) for d in range(self.p.dealers) for m in range(self.months)]
        self.events: dict[tuple[int, int], list[str]] = {}
        self.erp_events: dict[int, list[str]] = {}

        def pick(name: str, eligible: list, tag: str, rate_name: str | None = None, cap: int | None = None):
            k = rates.planned(rate_name or name, len(eligible), scale)
            if cap is not None:
                k = min(k, cap)
            for cell in r.sample(eligible, k):
                self.events.setdefault(cell, []).append(tag)

        missing_k = rates.planned("missing_sales", len(cells), scale)
        # The first month stays complete: every dealer starts reporting.
        missing = set(r.sample([c for c in cells if c[1] > 0], min(missing_k, len(cells) - self.p.dealers)))
        for cell in sorted(missing):
            self.events.setdefault(cell, []).append("missing_sales")
        active = [c for c in cells if c not in missing]
        with_batch = [c for c in active if self.dealers[c[0]].profile.batch]
        for name in DEALER_EVENTS:
            eligible = with_batch if name in ("foreign_batch", "unknown_batch", "future_batch") else active
            pick(name, eligible, name)
        for codes in SALES_BAD_ROWS:
            pick("bad_sales_row", active, "bad:" + "+".join(codes))
        reporting = [c for c in active if self.dealers[c[0]].reports_inventory]
        for name in INVENTORY_EVENTS:
            pick(name, reporting, name)
        for codes in INVENTORY_BAD_ROWS:
            pick("bad_inventory_row", reporting, "badinv:" + "+".join(codes))
        for kind in HOSTILE_KINDS:
            pick("hostile_file", active, "hostile:" + kind)
        pick("hostile_file", reporting, "hostile:zero_byte", cap=1)
        months = list(range(self.months))
        for codes in SHIPMENT_BAD_ROWS:
            for m in r.sample(months, rates.planned("bad_shipment_row", len(months), scale)):
                self.erp_events.setdefault(m, []).append("bad:" + "+".join(codes))
        for m in r.sample(months, rates.planned("shipment_correction", len(months), scale)):
            self.erp_events.setdefault(m, []).append("correction")
        self.once = scale > 0  # one-off hostile files (landing root, erp hidden, duplicate snapshot)

    # --- claims ---------------------------------------------------------------------------

    def _claims(self) -> None:
        """Ordinary claims, then the designed rule cases, each with a submission time."""
        r = random.Random(f"{self.p.seed}-claims")
        rates, scale = self.p.rates, self.p.injection_scale
        self.claims: list[ClaimPlan] = []
        self.tight_campaign: str | None = None
        last_submit = datetime.combine(self.end + timedelta(days=10), time(18, 0))
        seq = [0]

        def new_id(d: Dealer, when: datetime) -> str:
            seq[0] += 1
            return f"FY{when:%y%m}{d.dealer_id[1:]}{seq[0] % 1000:03d}"

        def stamp(day: date) -> datetime:
            return datetime.combine(day, time(r.randint(8, 21), r.randint(0, 59), r.randint(0, 59)))

        claimed: set[tuple[int, str]] = set()
        for camp in self.campaigns:
            for d in self.dealers:
                if not self._eligible(d, camp):
                    continue
                if r.random() > {"A": 0.7, "B": 0.5, "C": 0.3}[d.tier]:
                    continue
                sub = stamp(camp.end + timedelta(days=r.randint(3, 40)))
                if sub > last_submit:
                    continue
                claimed.add((d.idx, camp.campaign_id))
                ps, pe = camp.start, camp.end
                if r.random() < 0.1:
                    ps = ps - timedelta(days=r.randint(1, 7))  # wider than the campaign: trimmed
                if r.random() < 0.15 and (pe - ps).days >= 9:  # split in two halves
                    mid = ps + timedelta(days=(pe - ps).days // 2)
                    halves = [(ps, mid), (mid + timedelta(days=1), pe)]
                else:
                    halves = [(ps, pe)]
                for a, b in halves:
                    self.claims.append(ClaimPlan(new_id(d, sub), d.idx, camp.campaign_id, a, b, sub,
                                                 r.choice(world.EXPENSE_TYPES)))
        ordinary = list(self.claims)
        n_ord = len(ordinary)

        def count(name: str = "claim_rule") -> int:
            return rates.planned(name, n_ord, scale) if n_ord else (1 if scale > 0 else 0)

        for c in r.sample(ordinary, min(n_ord, count("claim_resubmitted"))):
            camp = self.campaign_by_id[c.campaign_id]
            later = c.submitted + timedelta(days=r.randint(1, 10), hours=r.randint(0, 5))
            if later.date() <= camp.end + timedelta(days=55) and later <= last_submit:
                c.resubmitted = later
        for codes in CLAIM_BAD_ROWS:
            for c in r.sample(ordinary, min(n_ord, count("bad_claim_row"))):
                if not c.bad_row:
                    c.bad_row = codes
        if ordinary and scale > 0:
            r.choice(ordinary).missing_columns_attempt = True
        if scale <= 0:
            return
        timely = [c for c in self.campaigns
                  if datetime.combine(c.end + timedelta(days=59), time(23)) <= last_submit]
        dealers = self.dealers

        def add(intent: str, d: Dealer, camp_id: str, ps: date, pe: date, sub: datetime) -> None:
            self.claims.append(ClaimPlan(new_id(d, sub), d.idx, camp_id, ps, pe, sub,
                                         r.choice(world.EXPENSE_TYPES), intent))

        for _ in range(count()):
            if self.campaigns:
                camp = r.choice(self.campaigns)
                d = r.choice(dealers)
                add("UNKNOWN_CAMPAIGN", d, f"CP{camp.start.year % 100:02d}9{r.randint(1, 9)}",
                    camp.start, camp.end, stamp(camp.end + timedelta(days=r.randint(3, 30))))
        regional = [c for c in timely if c.region != "*"]
        for _ in range(count()):
            if regional:
                camp = r.choice(regional)
                outsiders = [d for d in dealers if d.region_name != camp.region]
                if outsiders:
                    d = r.choice(outsiders)
                    add("DEALER_NOT_ELIGIBLE", d, camp.campaign_id, camp.start, camp.end,
                        stamp(camp.end + timedelta(days=r.randint(3, 30))))
        for _ in range(count()):
            camp, d = self._free_pair(r, timely, claimed)
            if camp:
                ps = camp.start - timedelta(days=r.randint(20, 40))
                add("OUT_OF_WINDOW", d, camp.campaign_id, ps, camp.start - timedelta(days=r.randint(1, 10)),
                    stamp(camp.end + timedelta(days=r.randint(3, 30))))
        late = [c for c in self.campaigns
                if datetime.combine(c.end + timedelta(days=75), time(23)) <= last_submit]
        for _ in range(count()):
            camp, d = self._free_pair(r, late, claimed)
            if camp:
                add("LATE_CLAIM", d, camp.campaign_id, camp.start, camp.end,
                    stamp(camp.end + timedelta(days=r.randint(61, 75))))
        for c in r.sample(ordinary, min(n_ord, count())):
            camp = self.campaign_by_id[c.campaign_id]
            sub = c.submitted + timedelta(days=r.randint(1, 12))
            if sub.date() <= camp.end + timedelta(days=58) and sub <= last_submit:
                add("DUPLICATE_CLAIM", dealers[c.dealer], c.campaign_id, c.period_start, c.period_end, sub)
        for _ in range(count()):
            scoped = [c for c in timely if c.category != "*"]
            pairs = [(c, d) for c in scoped for d in dealers
                     if self._region_ok(d, c) and not self._carries(d, c) and (d.idx, c.campaign_id) not in claimed]
            if pairs:
                camp, d = r.choice(pairs)
                claimed.add((d.idx, camp.campaign_id))
                add("NO_SALES_EVIDENCE", d, camp.campaign_id, camp.start, camp.end,
                    stamp(camp.end + timedelta(days=r.randint(3, 30))))
        for c in r.sample(ordinary, min(n_ord, count())):
            if not c.intent:
                c.intent = "CAPPED_BY_SALES"
        # One campaign runs out of budget: its budget is set after the fact so that one claim
        # is cut partially and the later ones to 0, the last of them capped first.
        national = [c for c in timely if c.region == "*"]
        busiest = max(national, key=lambda c: sum(1 for x in ordinary if x.campaign_id == c.campaign_id),
                      default=None)
        self.tight_campaign = busiest.campaign_id if busiest else None
        if busiest:
            camp, d = self._free_pair(r, [busiest], claimed, need_sales=True)
            if camp:
                add("CAPPED_BY_SALES", d, camp.campaign_id, camp.start, camp.end,
                    datetime.combine(camp.end + timedelta(days=59), time(23, 30)))

    def _region_ok(self, d: Dealer, camp: Campaign) -> bool:
        return camp.region == "*" or camp.region == d.region_name

    def _carries(self, d: Dealer, camp: Campaign) -> bool:
        if camp.category == "*":
            return True
        cat = next(i for i, c in enumerate(world.CATEGORIES) if c.name == camp.category)
        return bool(d.categories[cat])

    def _eligible(self, d: Dealer, camp: Campaign) -> bool:
        return self._region_ok(d, camp) and self._carries(d, camp)

    def _free_pair(self, r: random.Random, camps: list[Campaign], claimed: set, need_sales: bool = True):
        pairs = [(c, d) for c in camps for d in self.dealers
                 if self._eligible(d, c) and (d.idx, c.campaign_id) not in claimed
                 and (not need_sales or d.tier != "C")]
        if not pairs:
            return None, None
        camp, d = r.choice(pairs)
        claimed.add((d.idx, camp.campaign_id))
        return camp, d


def _retail_price(x: float) -> int:
    """A guide price the way they are set: 1299, 399, 189."""
    if x >= 1000:
        return max(1, round(x / 100)) * 100 - 1
    return max(2, round(x / 10)) * 10 - 1
