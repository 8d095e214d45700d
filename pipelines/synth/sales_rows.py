"""The rows of a dealer's sales file: customers, the canonical columns plus the dealer's
extra ones, and the broken rows the ingestion must quarantine (docs/generator.md)."""

from __future__ import annotations

from datetime import date

import numpy as np

from pipelines.synth import world
from pipelines.synth.context import UNKNOWN_SKU, Context
from pipelines.synth.customers import CustomerWorld
from pipelines.synth.plan import Dealer


def customers(rng: np.random.Generator, cities: list[int]) -> list[str]:
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


def customer_world(g: Context) -> CustomerWorld:
    if getattr(g, "customers", None) is None:
        g.customers = CustomerWorld(g.p.seed, g.plan.dealers, len(world.CITIES), g.plan.start_ord)
    return g.customers


def sales_columns(g: Context, d: Dealer, rng: np.random.Generator, days: list[int], skus: list[int],
                  qty: list, price: list, cities: list[int], lots: list, invoices: list[str],
                  forced: list[str | None] | None = None) -> dict[str, list]:
    """Values of sales rows in canonical columns (plus the dealer's extra columns). The hidden
    column `_customer` (the true customer id) travels with the rows but is never written."""
    n = len(days)
    customers(rng, cities)  # the draws of the names before customers existed, kept so later draws are unchanged
    cw = customer_world(g)
    month = g.month_of(date.fromordinal(days[0])) if days else -1
    if days and month != cw.taken_month:
        cw.taken, cw.taken_month = {}, month
    names, phones, ids = cw.pick(cw.rng(2, d.idx, int(invoices[0]) if invoices else 0), d.idx, list(cities),
                                 d.profile.phone, list(skus), list(days), forced)
    cols: dict[str, list] = {
        "sale_date": days,
        "customer_name": names,
        "customer_city_code": [g.city_codes[c] for c in cities],
        "sku": [g.skus[s] for s in skus],
        "qty": qty,
        "unit_price": price,
        "batch_no": [None if lt is None else g.lot(lt) for lt in lots],
        "invoice_no": invoices,
    }
    if d.profile.phone:
        rng.integers(3_000_000_000, 9_999_999_999, size=n)  # as above: the draws of the old phones
        cols["customer_phone"] = phones
    for extra in d.profile.extras:
        pool = world.EXTRA_COLUMN_VALUES[extra]
        cols[extra] = [pool[i] for i in rng.integers(len(pool), size=n).tolist()]
    cols["_customer"] = ids
    return cols


def break_sale(row: dict, codes: tuple[str, ...], rng: np.random.Generator, first: date) -> None:
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
