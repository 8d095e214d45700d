"""Reason codes, rule names and statuses with their Chinese and English wording.

The one table is the dbt seed `dbt_project/seeds/dcw_codes.csv` (described beside it in
`dcw_codes.yml`, loaded by `dbt build` into `reference.dcw_codes`). The ingestion needs the
codes before dbt has run, so Python reads the CSV file itself, once per process; the
warehouse copy serves the dbt tests and analysts. See docs/input_contract.md.

Families:
- `file`: why a landed file was rejected or changed nothing (one per file)
- `row`: why a data row was quarantined (several per row, reported in `rule_order`)
- `writeoff`: the expense write-off rules (a claim's codes are listed in `rule_order`)
- `diversion`: the diversion rules of a flagged sales line
- `submission_status`, `claim_status`: the status of a landed file, of a claim
- `reporting_status`, `report_kind`, `renewal_bucket`: the reminders' marts (docs/reminders.md)
- `customer_segment`, `repurchase_status`: a customer's grade (fct_customer_rfm), a repurchase
  reminder's status (rpt_customer_repurchase_due)

This module imports nothing of dcw: every layer may read it.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

CODES_CSV = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "dcw_codes.csv"
COLUMNS = ("family", "code", "rule_order", "zh", "en")
FAMILIES = ("file", "row", "writeoff", "diversion", "submission_status", "claim_status",
            "rebate_status", "customer_segment", "repurchase_status")
# the reminders (docs/reminders.md): rpt_reporting_status, rpt_contract_renewals
FAMILIES += ("reporting_status", "report_kind", "renewal_bucket")


@dataclass(frozen=True)
class Code:
    family: str
    code: str
    rule_order: int  # 1, 2, ... within the family
    zh: str
    en: str


@cache
def table() -> tuple[Code, ...]:
    """Every code of the seed, by family (in FAMILIES order) and rule_order."""
    return parse(CODES_CSV.read_text(encoding="utf-8"), str(CODES_CSV))


def parse(text: str, source: str = "dcw_codes.csv") -> tuple[Code, ...]:
    """The codes of the seed's CSV text, checked: a malformed table is an error here rather
    than a wrong word in a dealer's feedback file."""
    reader = csv.reader(text.splitlines())
    header = tuple(next(reader, ()))
    if header != COLUMNS:
        raise ValueError(f"{source}: header must be {','.join(COLUMNS)}, got {','.join(header)}")
    out: list[Code] = []
    for line, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS) or not all(v.strip() == v and v for v in row):
            raise ValueError(f"{source} line {line}: {len(COLUMNS)} non-empty values without "
                             f"surrounding spaces expected, got {row!r}")
        family, code, order, zh, en = row
        if family not in FAMILIES:
            raise ValueError(f"{source} line {line}: unknown family {family!r} (expected one of {', '.join(FAMILIES)})")
        if not order.isdigit():
            raise ValueError(f"{source} line {line}: rule_order must be a whole number, got {order!r}")
        out.append(Code(family, code, int(order), zh, en))
    for family in FAMILIES:
        members = [c for c in out if c.family == family]
        names = [c.code for c in members]
        if len(set(names)) != len(names):
            raise ValueError(f"{source}: family {family} lists a code twice: {sorted(names)}")
        if sorted(c.rule_order for c in members) != list(range(1, len(members) + 1)):
            raise ValueError(f"{source}: rule_order of family {family} must be 1..{len(members)}")
    return tuple(sorted(out, key=lambda c: (FAMILIES.index(c.family), c.rule_order)))


def codes(family: str) -> tuple[str, ...]:
    """The codes of `family` in rule order."""
    return tuple(c.code for c in _members(family))


@cache
def wording(family: str) -> Mapping[str, tuple[str, str]]:
    """code -> (Chinese, English) for the codes of `family`, in rule order: made once per
    family and process (the feedback looks words up for every file), so read-only."""
    return MappingProxyType({c.code: (c.zh, c.en) for c in _members(family)})


def _members(family: str) -> list[Code]:
    if family not in FAMILIES:
        raise KeyError(f"unknown code family {family!r} (expected one of {', '.join(FAMILIES)})")
    return [c for c in table() if c.family == family]
