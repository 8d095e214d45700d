"""Targets (业绩目标) and rebate programmes (返利政策), written once every sale is known, and
the expected accrual of every programme x dealer (truth/rebates.csv) and verified value of
every target row (truth/targets.csv), computed by pipelines/synth/expect.py
(docs/generator.md, "Targets and rebates").

Dealers get quarterly targets, monthly targets (a few quarters miss a month, so the quarter
has no target), or none. Some quarterly targets put a dealer exactly on a tier boundary;
some put a tier between its verified value and its value with the diverted lines, so that
only the exclusion of flagged lines keeps it below the tier.
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from pipelines.synth.context import Context
from pipelines.synth.expect import accrue, quarter_target
from pipelines.synth.formats import ERP_PROFILE, csv_bytes

TARGETS = 60  # the purpose of this module's random draws (context.py keys them)
# (min_attainment, rebate_rate) of the programme for every region and of the regional one
ALL_TIERS = ((Fraction(4, 5), "0.0100"), (Fraction(1), "0.0200"), (Fraction(6, 5), "0.0350"))
REGION_TIERS = ((Fraction(9, 10), "0.0050"), (Fraction(11, 10), "0.0150"))


def _cny(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _dec(f: Fraction) -> Decimal:
    return Decimal(f.numerator) / Decimal(f.denominator)


def _quarters(g: Context) -> list[tuple[str, list[int]]]:
    """("YYYY-Qn", its three month indexes) for every whole quarter of the generated months."""
    out = []
    for m, first in enumerate(g.plan.firsts):
        if first.month % 3 == 1 and m + 2 < g.p.months:
            out.append((f"{first.year}-Q{(first.month - 1) // 3 + 1}", [m, m + 1, m + 2]))
    return out


def targets_and_rebates(g: Context, truth: Path) -> None:
    quarters = _quarters(g)
    if not quarters:
        return
    rng = g.rng(TARGETS, 0, 0)
    dealers = g.plan.dealers
    # a few dealers get no target; the rest alternate quarterly and monthly targets
    mode = {d.idx: ("none" if d.idx % 7 == 6 else "quarter" if d.idx % 2 == 0 else "month") for d in dealers}
    regions = sorted({d.region_name for d in dealers})
    programs = []  # (program_id, name, quarter, region, tiers)
    for qi, (q, _) in enumerate(quarters):
        code = q.replace("-", "")[2:]
        programs.append((f"RB{code}A", f"{q} 季度返利（全国）", q, "*", ALL_TIERS))
        region = regions[qi % len(regions)]
        programs.append((f"RB{code}B", f"{q} {region}大区返利", q, region, REGION_TIERS))
    rows: list[tuple[str, str, int]] = []  # dealer_id, period, target fen
    case: dict[tuple[str, str], str] = {}
    need = {"boundary": True, "excluded_below_tier": True}
    for d in dealers:
        for q, months in quarters:
            verified = sum(g.month_fen.get((d.idx, m), (0, 0))[0] for m in months)
            flagged = sum(g.month_fen.get((d.idx, m), (0, 0))[1] for m in months)
            if mode[d.idx] == "quarter":
                fen, why = _quarter_target(rng, verified, flagged, need)
                rows.append((d.dealer_id, q, fen))
                case[(d.dealer_id, q)] = why
            elif mode[d.idx] == "month":
                skip = int(rng.integers(3)) if rng.random() < 0.12 else None
                for i, m in enumerate(months):
                    if i != skip:
                        v = g.month_fen.get((d.idx, m), (0, 0))[0]
                        rows.append((d.dealer_id, f"{g.plan.firsts[m]:%Y-%m}", _ordinary(rng, v)))
                case[(d.dealer_id, q)] = "month_missing" if skip is not None else "months"
    _write(g, truth, rows, programs, quarters, case)


def _ordinary(rng, verified: int) -> int:
    """A target near what the dealer sold, in whole hundreds of CNY (at least 100)."""
    return max(10_000, round(verified * rng.uniform(0.75, 1.35) / 10_000) * 10_000)


def _quarter_target(rng, verified: int, flagged: int, need: dict[str, bool]) -> tuple[int, str]:
    """(target fen, case): exactly on a tier of the programme for every region, a tier that
    only the diverted lines would reach, or an ordinary target."""
    u = rng.random()
    if verified > 0 and (need["boundary"] or u < 0.15):
        fits = [m for m, _ in ALL_TIERS if (verified * m.denominator) % m.numerator == 0]
        m = fits[int(rng.integers(len(fits)))]
        need["boundary"] = False
        return int(verified / m), "boundary"
    if flagged >= 100 and (need["excluded_below_tier"] or u < 0.6):
        m = ALL_TIERS[int(rng.integers(len(ALL_TIERS)))][0]
        fen = math.ceil((verified + math.ceil(flagged / 2)) / m)
        if verified < m * fen <= verified + flagged:
            need["excluded_below_tier"] = False
            return fen, "excluded_below_tier"
    return _ordinary(rng, verified), ""


def _write(g: Context, truth: Path, rows, programs, quarters, case) -> None:
    day = g.p.start - timedelta(days=1)
    cols = ("dealer_id", "period", "target_value")
    data = {"dealer_id": [r[0] for r in rows], "period": [r[1] for r in rows],
            "target_value": [_cny(r[2]) for r in rows]}
    bad = g.p.injection_scale > 0 and bool(rows)
    if bad:  # a period in neither form: quarantined with BAD_DATE
        data["dealer_id"].append(rows[0][0])
        data["period"].append(rows[0][1].replace("-", "") + "X")
        data["target_value"].append(_cny(rows[0][2]))
        g.injected["bad_target_row:BAD_DATE"] += 1
    rel = f"erp/targets_{day:%Y%m%d}.csv"
    assert g.landing.write(rel, csv_bytes(cols, data, ERP_PROFILE), kind="targets", dealer_id="",
                           status="partially_accepted" if bad else "accepted", rows=len(data["period"]),
                           quarantined=int(bad))
    if bad:
        g.landing.quarantine(rel, len(data["period"]), ("BAD_DATE",))
    pcols = ("program_id", "program_name", "quarter", "region", "min_attainment", "rebate_rate")
    prow = [(pid, name, q, region, str(_dec(m)), rate) for pid, name, q, region, tiers in programs
            for m, rate in tiers]
    assert g.landing.write(f"erp/rebate_programs_{day:%Y%m%d}.csv",
                           csv_bytes(pcols, {c: [r[i] for r in prow] for i, c in enumerate(pcols)}, ERP_PROFILE),
                           kind="rebate_programs", dealer_id="", status="accepted", rows=len(prow))
    _truth(g, truth, rows, programs, quarters, case)


def _truth(g: Context, truth: Path, rows, programs, quarters, case) -> None:
    months_of = dict(quarters)
    by_dealer = {d.dealer_id: d for d in g.plan.dealers}
    month_index = {f"{f:%Y-%m}": m for m, f in enumerate(g.plan.firsts)}
    targets = {(r[0], r[1]): Decimal(r[2]) / 100 for r in rows}

    def verified(d, months) -> Decimal:
        return Decimal(sum(g.month_fen.get((d.idx, m), (0, 0))[0] for m in months)) / 100

    with open(truth / "targets.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("dealer_id,period,target_value,expected_verified_value\n")
        for (did, period), value in sorted(targets.items()):
            months = months_of.get(period) or [month_index[period]]
            fh.write(f"{did},{period},{value:.2f},{verified(by_dealer[did], months):.2f}\n")
    with open(truth / "rebates.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("program_id,dealer_id,quarter,case,expected_quarter_target,expected_verified_value,"
                 "expected_tier_min_attainment,expected_rebate_rate,expected_rebate_amount,expected_status\n")
        for pid, _, q, region, tiers in programs:
            months = months_of[q]
            for d in g.plan.dealers:
                if region != "*" and d.region_name != region:
                    continue
                month_rows = [targets[k] for m in months if (k := (d.dealer_id, f"{g.plan.firsts[m]:%Y-%m}")) in targets]
                target = quarter_target(targets.get((d.dealer_id, q)), month_rows)
                v = verified(d, months)
                a = accrue(target, v, [(_dec(m), Decimal(r)) for m, r in tiers])
                label = case.get((d.dealer_id, q), "no_target") if region == "*" else ""
                fh.write(f"{pid},{d.dealer_id},{q},{label},{'' if target is None else f'{target:.2f}'},{v:.2f},"
                         f"{'' if a.tier_min_attainment is None else a.tier_min_attainment},"
                         f"{'' if a.rebate_rate is None else a.rebate_rate},{a.rebate_amount:.2f},{a.status}\n")
