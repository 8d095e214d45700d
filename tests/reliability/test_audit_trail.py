"""Audit trail: the queries of docs/audit_trail.md trace every figure of the aggregate marts
to raw rows whose values sum to it, and each traced row is a row of its landed file;
dq_submissions holds every landed file exactly once with its sha256."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import duckdb
import pytest
from tests.reliability.reliability_env import landing_rows

from pipelines.core.settings import PROJECT_ROOT

AUDIT = re.compile(r"<!-- audit: (\w+)\.(\w+) by ([\w, ]+) -->\s*```sql\n(.*?)```", re.S)
QUERIES = [(m[1], m[2], [k.strip() for k in m[3].split(",")], m[4])
           for m in AUDIT.finditer((PROJECT_ROOT / "docs" / "audit_trail.md").read_text(encoding="utf-8"))]


def test_the_document_has_a_query_for_every_aggregate_mart():
    assert {mart for mart, *_ in QUERIES} >= {
        "fct_sell_through_monthly", "agg_dealer_diversion_monthly", "fct_expense_writeoff",
        "fct_campaign_roi", "fct_dealer_scorecard", "fct_target_attainment", "fct_rebate_accrual"}


@pytest.mark.slow  # reads the reference run (a whole `dcw run`)
@pytest.mark.parametrize("mart,figure,keys,sql", QUERIES, ids=[f"{m}.{f}" for m, f, *_ in QUERIES])
def test_each_figure_is_the_sum_over_its_traced_landed_rows(reference, mart, figure, keys, sql):
    con = duckdb.connect(str(reference.warehouse), read_only=True)
    try:
        rows = con.execute(f"select {', '.join(keys)}, {figure} from marts.{mart}").fetchall()
        traced = {}
        for *key, value in rows:
            trace = con.execute(sql, dict(zip(keys, key))).fetchall()
            total = sum((Decimal(v) for _, _, v in trace), Decimal(0))
            assert total == Decimal(value or 0), (mart, figure, key, trace)
            traced.update({(f, r): v for f, r, v in trace})
    finally:
        con.close()
    assert len(rows) > 0
    assert any(v for v in traced.values()), "nothing traced: the check would be vacuous"
    for source_file, source_row in traced:
        header, data = landing_rows(reference.landing / source_file)
        assert header is not None and 1 <= source_row <= len(data), (source_file, source_row)
        assert any(cell not in (None, "") for cell in data[source_row - 1])


@pytest.mark.slow  # reads the reference run (a whole `dcw run`)
def test_dq_submissions_holds_every_landed_file_once_with_its_sha256(reference):
    landed = {p.relative_to(reference.landing).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in reference.landing.rglob("*") if p.is_file()}
    con = duckdb.connect(str(reference.warehouse), read_only=True)
    try:
        logged = con.execute("select source_file, content_hash, status from marts.dq_submissions").fetchall()
    finally:
        con.close()
    assert sorted(f for f, _, _ in logged) == sorted(landed)  # each exactly once
    assert {f: h for f, h, _ in logged} == landed
    statuses = {s for _, _, s in logged}
    assert {"rejected", "superseded", "partially_accepted", "accepted"} <= statuses  # hostile ones too
