"""The ERP's master-data snapshots (regions, dealers, territories, products, prices,
campaigns, opening inventory) and the stray files at the landing root (docs/generator.md,
"Files")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pipelines.synth import world
from pipelines.synth.context import Context
from pipelines.synth.expect import ThresholdRow, alert_thresholds
from pipelines.synth.formats import ERP_PROFILE, csv_bytes


def snapshots(g: Context) -> None:
    plan = g.plan
    before = g.p.start - timedelta(days=1)
    mid = plan.mid - timedelta(days=1)

    def put(kind: str, day: date, columns: tuple[str, ...], rows: list[tuple], status: str) -> bool:
        data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
        return g.landing.write(f"erp/{kind}_{day:%Y%m%d}.csv", csv_bytes(columns, data, ERP_PROFILE),
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
        g.landing.write(f"erp/regions_{again:%Y%m%d}.csv", csv_bytes(cols, data, ERP_PROFILE), kind="regions",
                           dealer_id="", status="duplicate", reason="DUPLICATE_FILE", duplicate=True)
        g.injected["duplicate_file"] += 1
    ends, people = renewals_and_contacts(g)
    series("dealers", ("dealer_id", "dealer_name", "tier", "region", "province", "city_code", "credit_limit",
                       "status", "contract_start", "contract_end", "contact_email", "manager_email"),
           [(day, [(d.dealer_id, d.name, d.tier, d.region_name, world.CITIES[d.city][2],
                    g.city_codes[d.city], d.credit_limit[v], "active", d.contract_start.toordinal(),
                    (ends.get(d.dealer_id) if v == 1 else None) or d.contract_end[v].toordinal(),
                    *people[d.dealer_id]) for d in plan.dealers])
            for v, day in ((0, before), (1, mid))])
    t_days = sorted({before} | {t.announced for d in plan.dealers for t in d.territories})
    series("territories", ("dealer_id", "city_code", "valid_from", "valid_to"),
           [(day, [(plan.dealers[t.dealer].dealer_id, g.city_codes[t.city], t.valid_from.toordinal(),
                    t.valid_to.toordinal() if t.valid_to and t.announced <= day else None)
                   for d in plan.dealers for t in d.territories if t.announced <= day or t.valid_from <= day])
            for day in t_days])
    series("products", ("sku", "product_name", "category", "brand", "unit_cost", "launch_date", "status"),
           [(day, [(p.sku, p.name, world.CATEGORIES[p.category].name, p.brand, p.unit_cost[v],
                    p.launch.toordinal(), "active") for p in plan.products])
            for v, day in ((0, before), (1, mid))])
    p_days = sorted({before} | {r.announced for r in plan.price_rows if r.announced > before})
    series("prices", ("sku", "price_type", "price", "valid_from", "valid_to"),
           [(day, [(g.skus[r.sku], r.price_type, r.fen, r.valid_from.toordinal(),
                    r.valid_to.toordinal() if r.valid_to and r.closed_announced <= day else None)
                   for r in plan.price_rows if r.announced <= day])
            for day in p_days])
    early = g.p.start + timedelta(days=183)
    series("campaigns", ("campaign_id", "campaign_name", "campaign_type", "start_date", "end_date", "category",
                         "region", "reimbursement_rate", "budget"),
           [(day, [(c.campaign_id, c.name, c.ctype, c.start.toordinal(), c.end.toordinal(), c.category,
                    c.region, str(c.rate), int(c.budget * 100)) for c in plan.campaigns if c.start <= horizon])
            for day, horizon in ((before, early), (mid, date.max))])
    assert put("opening_inventory", g.p.start, ("dealer_id", "sku", "batch_no", "qty", "as_of_date"),
               [(plan.dealers[di].dealer_id, g.skus[s], g.lot(lot), q, g.p.start.toordinal())
                for di, s, lot, q in g.opening_rows], "accepted")
    thresholds(g, before)
    if plan.once:
        g.landing.write("readme.txt", "上传说明：请将销售流向放入 dealers/<经销商编码>/ 目录。\n".encode(),
                           kind="", dealer_id="", status="rejected", reason="BAD_FILE_NAME")
        g.landing.write("erp/.DS_Store", b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00" + bytes(range(64)),
                           kind="", dealer_id="", status="rejected", reason="BAD_FILE_NAME")
        g.injected["hostile_file:landing_root"] += 1
        g.injected["hostile_file:erp_hidden"] += 1


# Days from the last day of the data to a contract's end, for the dealers whose contract
# the later dealers snapshot ends soon: one per bucket of rpt_contract_renewals (30, 60, 90,
# expired) as of that day (docs/generator.md, "Reminders").
RENEWAL_DAYS = (20, 50, 80, -10)


def renewals_and_contacts(g: Context) -> tuple[dict[str, int], dict[str, tuple[str | None, str | None]]]:
    """The contract ends the later dealers snapshot moves near the end of the data, and each
    dealer's reporting contact and channel manager (about 4 in 5 have a contact, 9 in 10 a
    manager: both columns are optional). Drawn from their own random stream, so the rest of
    the landing is what it was before these columns existed. Writes truth/renewals.csv."""
    import csv
    import random

    rng = random.Random(f"{g.p.seed}-reminders")
    dealers = g.plan.dealers
    chosen = rng.sample(range(len(dealers)), min(len(RENEWAL_DAYS), len(dealers)))
    ends = {dealers[i].dealer_id: (g.plan.end + timedelta(days=days)).toordinal()
            for i, days in zip(chosen, RENEWAL_DAYS)}
    with open(g.landing.truth / "renewals.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("dealer_id", "contract_end", "days_left", "bucket"))
        for i, days in sorted(zip(chosen, RENEWAL_DAYS), key=lambda x: dealers[x[0]].dealer_id):
            bucket = "expired" if days < 0 else next(str(b) for b in (30, 60, 90) if days <= b)
            w.writerow((dealers[i].dealer_id, date.fromordinal(ends[dealers[i].dealer_id]).isoformat(), days, bucket))
    people = {}
    for d in dealers:
        contact = f"report.{d.dealer_id.lower()}@dealer.example.cn" if rng.random() < 0.8 else None
        manager = f"manager.r{d.region + 1}@brand.example.cn" if rng.random() < 0.9 else None
        people[d.dealer_id] = (contact, manager)
    return ends, people


def thresholds(g: Context, day: date) -> None:
    """The company's stock alert levels (库存预警值) for some categories and tiers, one row the
    contract quarantines (BAD_THRESHOLDS), and truth/alert_thresholds.csv: the thresholds every
    category x tier gets (pipelines/synth/expect.py)."""
    names = sorted({world.CATEGORIES[p.category].name for p in g.plan.products})
    sent: list[tuple] = [("*", "C", 3, 16)]
    if names:
        sent += [(names[0], "*", 3, 10), (names[0], "A", "1.5", 8), (names[-1], "*", 2, 20)]
    bad = [("*", "D", 1, 2)] if g.plan.once else []
    rows = sent + bad
    columns = ("category", "tier", "low_weeks", "high_weeks")
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    rel = f"erp/alert_thresholds_{day:%Y%m%d}.csv"
    assert g.landing.write(rel, csv_bytes(columns, data, ERP_PROFILE), kind="alert_thresholds", dealer_id="",
                           status="partially_accepted" if bad else "accepted", rows=len(rows),
                           quarantined=len(bad))
    for i in range(len(bad)):
        g.landing.quarantine(rel, len(sent) + i + 1, ("BAD_THRESHOLDS",))
        g.injected["bad_threshold_row:BAD_THRESHOLDS"] += 1
    parsed = [ThresholdRow(i, c, t, Decimal(str(lo)), Decimal(str(hi))) for i, (c, t, lo, hi) in enumerate(sent, 1)]
    for name in names:
        for tier in ("A", "B", "C"):
            low, high, row = alert_thresholds(parsed, name, tier)
            g.landing.writers["alert_thresholds"].writerow((name, tier, low, high, row or ""))
