"""The generator's reminders material (docs/generator.md, "Reminders"): contacts and managers
in the dealers snapshot, and contracts ending around the end of the data, with their truth."""

from __future__ import annotations

import csv
from datetime import date

from tests.synth.conftest import SMALL


def newest_dealers(landing) -> list[dict]:
    path = max((landing / "erp").glob("dealers_*.csv"))
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_some_dealers_have_a_contact_and_a_manager(small):
    rows = newest_dealers(small)
    contacts = [r["contact_email"] for r in rows if r["contact_email"]]
    managers = {r["manager_email"] for r in rows if r["manager_email"]}
    assert 0 < len(contacts) < len(rows)  # optional: some dealers have none
    assert all(c == f"report.{r['dealer_id'].lower()}@dealer.example.cn" for r in rows for c in [r["contact_email"]] if c)
    assert 1 < len(managers) <= 7 and all(m.endswith("@brand.example.cn") for m in managers)


def test_contracts_ending_soon_are_in_the_truth(small):
    # 14 months from 2024-10: the data ends on 2025-11-30
    end = date(2025, 11, 30)
    truth = list(csv.DictReader((small.parent / "truth" / "renewals.csv").read_text(encoding="utf-8").splitlines()))
    assert sorted(r["bucket"] for r in truth) == ["30", "60", "90", "expired"]
    snapshot = {r["dealer_id"]: r["contract_end"] for r in newest_dealers(small)}
    for r in truth:
        assert snapshot[r["dealer_id"]] == r["contract_end"]
        assert (date.fromisoformat(r["contract_end"]) - end).days == int(r["days_left"])
    # every other contract runs past the 90 days
    others = [d for d in snapshot if d not in {r["dealer_id"] for r in truth}]
    assert all((date.fromisoformat(snapshot[d]) - end).days > 90 for d in others)
    assert SMALL["months"] == 14
