"""The computed truth (diversion, below_floor, negative_stock, claims) re-derived from the
landed files alone, by the rules of docs/marts.md, must equal what the generator wrote."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from tests.synth.synth_reader import check_rows, kind_of, parse_date, parse_number, read_table, read_truth, reference

from pipelines.core.errors import UserError
from pipelines.synth import GeneratorParams, generate
from pipelines.synth.expect import RULES, CampaignTerms, ClaimFact, evaluate

LOADED = ("accepted", "partially_accepted")


def month_of(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def valid(d: date, frm: str, to: str) -> bool:
    return parse_date(frm) <= d and (not to.strip() or d <= parse_date(to))


class Warehouse:
    """What the marts see, rebuilt from the files with the statuses of truth/files.csv."""

    def __init__(self, landing: Path):
        files = read_truth(landing, "files")
        status_of = {f["source_file"]: f["status"] for f in files}
        self.ref = reference(landing, status_of)
        self.loaded: dict[str, list[tuple[str, int, dict]]] = defaultdict(list)
        for rel in sorted(status_of):
            kind = kind_of(rel)
            if status_of[rel] not in LOADED or kind is None:
                continue
            _, bad = check_rows(landing / rel, kind, self.ref)
            bad_rows = {r for r, _ in bad}
            for i, row in enumerate(read_table(landing / rel, kind).rows, 1):
                if i not in bad_rows:
                    self.loaded[kind].append((rel, i, {k: v.strip() for k, v in row.items()}))
        self.submitted = {rel: rel.rsplit("_", 1)[-1].split(".")[0] for rel in status_of}

    def shipments(self) -> list[dict]:
        latest: dict[tuple, tuple] = {}
        for rel, _, row in self.loaded["shipments"]:  # files come in name (= date) order
            latest[(row["shipment_id"], row["line_no"])] = row
        return list(latest.values())


@pytest.fixture(scope="module")
def wh(small) -> Warehouse:
    return Warehouse(small)


def test_diversion_and_below_floor_recomputed(small, wh):
    received: dict[tuple[str, str], dict[str, date]] = defaultdict(dict)
    for row in wh.shipments():
        d = parse_date(row["ship_date"])
        key = (row["sku"], row["batch_no"])
        received[key][row["dealer_id"]] = min(d, received[key].get(row["dealer_id"], d))
    for _, _, row in wh.loaded["opening_inventory"]:
        if row.get("batch_no"):
            d = parse_date(row["as_of_date"])
            key = (row["sku"], row["batch_no"])
            received[key][row["dealer_id"]] = min(d, received[key].get(row["dealer_id"], d))
    territories = defaultdict(list)
    for _, _, row in wh.loaded["territories"]:
        territories[row["dealer_id"]].append(row)
    floor = defaultdict(list)
    for _, _, row in wh.loaded["prices"]:
        if row["price_type"] == "floor":
            floor[row["sku"]].append(row)
    diversion, below = set(), set()
    for rel, i, row in wh.loaded["sales"]:
        dealer, d, sku = rel.split("/")[1], parse_date(row["sale_date"]), row["sku"]
        if not any(t["city_code"] == row["customer_city_code"] and valid(d, t["valid_from"], t.get("valid_to", ""))
                   for t in territories[dealer]):
            diversion.add((rel, str(i), dealer, sku, d.isoformat(), "OUT_OF_TERRITORY", ""))
        if row.get("batch_no"):
            holders = {k for k, since in received.get((sku, row["batch_no"]), {}).items() if since <= d}
            if dealer not in holders:
                rule = "FOREIGN_BATCH" if holders else "UNKNOWN_BATCH"
                diversion.add((rel, str(i), dealer, sku, d.isoformat(), rule, ",".join(sorted(holders))))
        prices = [p for p in floor[sku] if valid(d, p["valid_from"], p.get("valid_to", ""))]
        assert len(prices) == 1, (rel, i)
        if parse_number(row["unit_price"]) < parse_number(prices[0]["price"]):
            below.add((rel, str(i)))
    truth = {tuple(r.values()) for r in read_truth(small, "diversion")}
    assert diversion == truth
    assert below == {tuple(r.values()) for r in read_truth(small, "below_floor")}
    assert {r[5] for r in truth} == {"OUT_OF_TERRITORY", "FOREIGN_BATCH", "UNKNOWN_BATCH"}


def test_negative_stock_recomputed(small, wh):
    flows: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    opening: dict[tuple[str, str], tuple[date, Decimal]] = {}
    for _, _, row in wh.loaded["opening_inventory"]:
        key = (row["dealer_id"], row["sku"])
        d, q = month_of(parse_date(row["as_of_date"])), parse_number(row["qty"])
        opening[key] = (d, opening.get(key, (d, Decimal(0)))[1] + q)
        flows[key][d] += 0
    for row in wh.shipments():
        # sell-in counts on delivery (the ship date where the line has no delivery date)
        delivered = parse_date(row.get("delivery_date") or row["ship_date"])
        flows[(row["dealer_id"], row["sku"])][month_of(delivered)] += parse_number(row["qty"])
    for rel, _, row in wh.loaded["sales"]:
        key = (rel.split("/")[1], row["sku"])
        flows[key][month_of(parse_date(row["sale_date"]))] -= parse_number(row["qty"])
    last = max(m for f in flows.values() for m in f)
    negative = set()
    for key, f in flows.items():
        m = min(f)
        closing = opening.get(key, (m, Decimal(0)))[1] if opening.get(key, (None,))[0] == m else Decimal(0)
        while m <= last:
            closing += f.get(m, 0)
            if closing < 0:
                negative.add((key[0], key[1], m.isoformat()))
            m = next_month(m)
    truth = {tuple(r.values()) for r in read_truth(small, "negative_stock")}
    assert negative == truth and truth


def test_claims_recomputed_from_files(small, wh):
    """Claim facts rebuilt from the files (newest version per claim_id, verified sales from
    the current sales lines without diversion flags) give the outcomes of truth/claims.csv."""
    flagged = {(r["source_file"], r["source_row"])
               for r in read_truth(small, "diversion") + read_truth(small, "double_reported")}
    category = {row["sku"]: row["category"] for _, _, row in wh.loaded["products"]}
    dealers = {row["dealer_id"]: row["region"] for _, _, row in wh.loaded["dealers"]}
    campaigns = {
        row["campaign_id"]: CampaignTerms(row["campaign_id"], parse_date(row["start_date"]), parse_date(row["end_date"]),
                                          row["category"], row["region"], parse_number(row["reimbursement_rate"]),
                                          parse_number(row["budget"]))
        for _, _, row in wh.loaded["campaigns"]
    }
    sales = defaultdict(list)
    for rel, i, row in wh.loaded["sales"]:
        if (rel, str(i)) not in flagged:
            sales[rel.split("/")[1]].append((parse_date(row["sale_date"]), category[row["sku"]],
                                             parse_number(row["qty"]) * parse_number(row["unit_price"])))
    newest: dict[str, tuple[str, dict]] = {}
    for rel, _, row in sorted(wh.loaded["claims"], key=lambda x: (wh.submitted[x[0]], x[0])):
        # per (dealer, claim_id); the first dealer to use a claim_id owns it (CLAIM_ID_TAKEN)
        if row["claim_id"] not in newest or newest[row["claim_id"]][0].split("/")[1] == rel.split("/")[1]:
            newest[row["claim_id"]] = (rel, row)
    facts = []
    for cid, (rel, row) in newest.items():
        dealer = rel.split("/")[1]
        camp = campaigns.get(row["campaign_id"])
        ps, pe = parse_date(row["period_start"]), parse_date(row["period_end"])
        verified = Decimal(0)
        if camp:
            lo, hi = max(ps, camp.start), min(pe, camp.end)
            verified = sum((v for d, cat, v in sales[dealer] if lo <= d <= hi and camp.category in ("*", cat)),
                           Decimal(0))
        facts.append(ClaimFact(cid, dealer, dealers[dealer], row["campaign_id"],
                               datetime.strptime(wh.submitted[rel], "%Y%m%dT%H%M%S"), parse_number(row["amount"]),
                               ps, pe, verified))
    outcomes = evaluate(facts, campaigns)
    truth = {r["claim_id"]: r for r in read_truth(small, "claims")}
    assert set(outcomes) == set(truth)
    for cid, o in outcomes.items():
        t = truth[cid]
        assert (o.status, ",".join(o.reason_codes), f"{o.approved:.2f}") == (
            t["expected_status"], t["expected_reason_codes"], t["expected_approved_amount"]), cid


def test_every_writeoff_rule_appears(demo):
    claims = read_truth(demo, "claims")
    reasons = {c for r in claims for c in r["expected_reason_codes"].split(",") if c}
    assert reasons == set(RULES)
    by_reason = defaultdict(set)
    for r in claims:
        by_reason[r["expected_reason_codes"]].add(r["expected_status"])
    assert {"partially_approved", "rejected"} <= by_reason["BUDGET_EXHAUSTED"]
    assert "rejected" in by_reason["CAPPED_BY_SALES,BUDGET_EXHAUSTED"]
    assert any(r["expected_status"] == "approved" for r in claims)


def test_expense_rules_by_hand():
    camp = CampaignTerms("C1", date(2025, 6, 1), date(2025, 6, 20), "*", "华南", Decimal("0.05"), Decimal("100"))
    at = datetime(2025, 7, 1, 10)

    def fact(cid, amount, verified, dealer="D1", region="华南", when=at, ps=date(2025, 6, 1), pe=date(2025, 6, 20),
             campaign="C1"):
        return ClaimFact(cid, dealer, region, campaign, when, Decimal(amount), ps, pe, Decimal(verified))

    out = evaluate([
        fact("A", "60", "2000"),  # cap 100 -> 60
        fact("B", "80", "1000", dealer="D2"),  # capped to 50, then cut to the 40 left
        fact("C", "10", "1000", dealer="D3", when=datetime(2025, 7, 2)),  # budget gone
        fact("D", "10", "1000", dealer="D1", when=datetime(2025, 7, 3)),  # overlaps A
        fact("E", "10", "1000", dealer="D4", region="华北"),
        fact("F", "10", "1000", dealer="D5", ps=date(2025, 5, 1), pe=date(2025, 5, 31)),
        fact("G", "10", "1000", dealer="D6", when=datetime(2025, 8, 20)),  # day 61
        fact("H", "10", "1000", dealer="D7", when=datetime(2025, 8, 19, 23)),  # day 60: on time
        fact("I", "10", "0", dealer="D8"),
        fact("J", "10", "1000", campaign="NOPE"),
    ], {"C1": camp})
    got = {k: (o.status, ",".join(o.reason_codes), str(o.approved)) for k, o in out.items()}
    assert got == {
        "A": ("approved", "", "60"),
        "B": ("partially_approved", "CAPPED_BY_SALES,BUDGET_EXHAUSTED", "40"),
        "C": ("rejected", "BUDGET_EXHAUSTED", "0"),
        "D": ("rejected", "DUPLICATE_CLAIM", "0.00"),
        "E": ("rejected", "DEALER_NOT_ELIGIBLE", "0.00"),
        "F": ("rejected", "OUT_OF_WINDOW", "0.00"),
        "G": ("rejected", "LATE_CLAIM", "0.00"),
        "H": ("rejected", "BUDGET_EXHAUSTED", "0"),
        "I": ("rejected", "NO_SALES_EVIDENCE", "0.00"),
        "J": ("rejected", "UNKNOWN_CAMPAIGN", "0.00"),
    }


def tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    tiny = dict(dealers=5, skus=8, months=7, start=date(2025, 1, 1))
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(GeneratorParams(out=tmp_path / name / "landing", seed=seed, **tiny))
    a, b, c = (tree_hash(tmp_path / n) for n in "abc")
    assert a == b
    assert a != c
    assert any(p.suffix == ".xlsx" for p in (tmp_path / "a").rglob("*"))


@pytest.mark.parametrize("change, message", [
    (dict(dealers=0), "--dealers"),
    (dict(months=0), "--months"),
    (dict(skus=0), "--skus"),
    (dict(start=date(2025, 1, 15)), "--start"),
    (dict(injection_scale=-1), "--injection-scale"),
])
def test_bad_parameters_are_one_line_user_errors(tmp_path, change, message):
    with pytest.raises(UserError, match=message) as e:
        generate(GeneratorParams(out=tmp_path / "landing", **change))
    assert "\n" not in str(e.value)


def test_refuses_a_foreign_folder_and_overwrites_its_own(tmp_path):
    out = tmp_path / "landing"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(UserError, match="not empty"):
        generate(GeneratorParams(out=out, dealers=2, skus=3, months=2))
    assert (out / "precious.txt").read_text() == "keep me"
    (out / "precious.txt").unlink()
    generate(GeneratorParams(out=out, dealers=2, skus=3, months=2))
    first = tree_hash(tmp_path)
    generate(GeneratorParams(out=out, dealers=2, skus=3, months=2))
    assert tree_hash(tmp_path) == first


def test_never_deletes_a_file_it_did_not_write(tmp_path):
    """A user's file added to a generated landing folder (or its truth) stays, and the
    generator refuses, naming it."""
    out = tmp_path / "landing"
    generate(GeneratorParams(out=out, dealers=2, skus=3, months=2))
    first = tree_hash(tmp_path)
    added = out / "dealers" / "D0001" / "sales_D0001_202412_20250103T090000.csv"
    added.parent.mkdir(parents=True, exist_ok=True)
    added.write_text("mine")
    with pytest.raises(UserError, match="sales_D0001_202412_20250103T090000.csv"):
        generate(GeneratorParams(out=out, dealers=2, skus=3, months=2))
    assert added.read_text() == "mine"
    added.unlink()
    (tmp_path / "truth" / "notes.txt").write_text("mine too")
    with pytest.raises(UserError, match="notes.txt"):
        generate(GeneratorParams(out=out, dealers=2, skus=3, months=2))
    (tmp_path / "truth" / "notes.txt").unlink()
    generate(GeneratorParams(out=out, dealers=2, skus=3, months=2))
    assert tree_hash(tmp_path) == first
