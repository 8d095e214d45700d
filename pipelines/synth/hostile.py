"""Failed upload attempts beside a dealer's good sales file: bad names, an unknown dealer,
unreadable bytes, missing columns, a header only (docs/generator.md); each is rejected whole."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from pipelines.synth.context import Context
from pipelines.synth.formats import PROFILES, csv_bytes, write_xlsx
from pipelines.synth.plan import Dealer

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old binary .xls


def hostile(g: Context, d: Dealer, m: int, kind: str, at: datetime, base: dict, rng: np.random.Generator) -> bool:
    """A failed attempt next to the dealer's good file; returns whether it was written."""
    first = g.plan.firsts[m]
    ym = f"{first:%Y%m}"
    stamp = f"{at:%Y%m%dT%H%M%S}"
    did = d.dealer_id
    folder = f"dealers/{did}"
    half = {c: v[::2] for c, v in base.items()}
    rows = len(half["sku"])
    cols = d.layouts["sales"]
    title = f"{d.name} {first.year}年{first.month}月销售流向"

    def rejected(rel: str, data: bytes, reason: str, kind_: str = "", dealer_id: str = did) -> bool:
        return g.landing.write(rel, data, kind=kind_, dealer_id=dealer_id, status="rejected", reason=reason)

    def table(columns=cols, data=half, profile=PROFILES[0]) -> bytes:
        return csv_bytes(columns, {c: data.get(c, [None] * len(data["sku"])) for c in columns},
                         d.profile if d.profile.ext == "csv" else profile)

    if kind == "name_pattern":
        return rejected(f"{folder}/sales_{did}_{first:%Y-%m}.csv", table(), "BAD_FILE_NAME")
    if kind == "name_hidden":
        lock = f"{d.name},DESKTOP-{d.idx:04d}/{did},{stamp};\n".encode()
        return rejected(f"{folder}/.~lock.sales_{did}_{ym}_{stamp}.csv#", lock, "BAD_FILE_NAME")
    if kind == "name_other_dealer":
        if len(g.plan.dealers) < 2:
            return False
        other = g.plan.dealers[(d.idx + 1) % len(g.plan.dealers)].dealer_id
        return rejected(f"{folder}/sales_{other}_{ym}_{stamp}.csv", table(), "BAD_FILE_NAME")
    if kind == "name_dotdot":
        return rejected(f"{folder}/sales_{did}_{ym}_{stamp}..csv", table(), "BAD_FILE_NAME")
    if kind == "name_extension":
        return rejected(f"{folder}/sales_{did}_{ym}_{stamp}.xls", garbage(rng), "BAD_FILE_NAME")
    if kind == "name_nested":
        return rejected(f"{folder}/archive/sales_{did}_{ym}_{stamp}.csv", table(), "BAD_FILE_NAME")
    if kind == "unknown_dealer":
        unk = f"D{g.p.dealers + 101 + d.idx:0{g.plan.dealer_id_width}d}"
        return rejected(f"dealers/{unk}/sales_{unk}_{ym}_{stamp}.csv", table(), "UNKNOWN_DEALER", "sales", unk)
    if kind == "garbage_csv":
        return rejected(f"{folder}/sales_{did}_{ym}_{stamp}.csv", garbage(rng), "UNREADABLE", "sales")
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
        return g.emit(d, f"{folder}/sales_{did}_{ym}_{stamp}.{d.profile.ext}", "sales", short, half, title,
                      "rejected", "MISSING_COLUMNS", rows)
    if kind == "header_only":
        return g.emit(d, f"{folder}/sales_{did}_{ym}_{stamp}.{d.profile.ext}", "sales", cols,
                      {c: [] for c in cols}, title, "rejected", "EMPTY_FILE", 0)
    raise ValueError(kind)


def garbage(rng: np.random.Generator) -> bytes:
    """Bytes no text codec of the contract decodes (0xFF never occurs in UTF-8 or GBK)."""
    body = rng.integers(0, 256, size=int(rng.integers(600, 2000)), dtype=np.uint8).tobytes()
    return OLE_MAGIC + b"\x00\xff\x80\xff" + body


def look_valid(g: Context) -> None:
    """Two files that look valid but are not (docs/generator.md), written last and drawing no
    random numbers, so every other file is as before: a sales file for the month after its
    submission month (BAD_SUBMISSION_TIME; stamped in the first month), and a claims file reusing a claim_id another dealer
    already owns (its row quarantined with CLAIM_ID_TAKEN)."""
    dealers = g.plan.dealers
    if not dealers or g.p.injection_scale <= 0:  # a clean run has no injections
        return
    d = dealers[0]
    # Stamped in the first month, so it never is the newest submission day of a landing (the
    # benchmark holds back that day as the next night).
    first = g.plan.firsts[0]
    ahead = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    stamp = datetime(first.year, first.month, 15, 12, 0, 0)
    rel = f"dealers/{d.dealer_id}/sales_{d.dealer_id}_{ahead:%Y%m}_{stamp:%Y%m%dT%H%M%S}.csv"
    body = f"sale_date,customer_name,customer_city_code,sku,qty,unit_price\n{ahead.isoformat()},{d.name},,,1,1\n"
    if g.landing.write(rel, body.encode("utf-8"), kind="sales", dealer_id=d.dealer_id, status="rejected",
                       reason="BAD_SUBMISSION_TIME"):
        g.injected["submission_time_file"] += 1
    facts = sorted(g.claim_facts, key=lambda f: (f.submitted_at, f.claim_id))
    if len(dealers) < 2 or not facts:
        return
    owned = facts[0]
    other = next(x for x in dealers if x.dealer_id != owned.dealer_id)
    at = owned.submitted_at + timedelta(hours=1, seconds=7)
    rel = f"dealers/{other.dealer_id}/claims_{other.dealer_id}_{at:%Y%m%dT%H%M%S}.csv"
    body = ("claim_id,campaign_id,expense_type,amount,period_start,period_end\n"
            f"{owned.claim_id},{owned.campaign_id},展会,100.00,{owned.period_start},{owned.period_end}\n")
    if g.landing.write(rel, body.encode("utf-8"), kind="claims", dealer_id=other.dealer_id,
                       status="partially_accepted", rows=1, quarantined=1):
        g.landing.quarantine(rel, 1, ("CLAIM_ID_TAKEN",))
        g.injected["bad_claim_row:CLAIM_ID_TAKEN"] += 1
