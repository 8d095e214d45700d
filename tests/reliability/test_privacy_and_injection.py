"""Privacy and hostile input: no customer phone number in clear in any mart, the serving file
or the write-off report; the serving file holds marts only; file names and dealer text that
are SQL are data, never code."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date

import duckdb
import pytest
from tests.landing_builder import Landing
from tests.dcw_runs import dcw, marts_contents
from tests.reliability.reliability_env import D1, PHONES, copy_root, landed_phones

from pipelines.dbt import build_warehouse
from pipelines.ingest import run_ingestion

pytestmark = pytest.mark.slow  # every test reads the reference run (a whole `dcw run`)

AS_OF = date(2025, 3, 10)


def needles(phones: set[str]) -> set[str]:
    """A phone as sent and as its bare digits (with and without a +86 prefix)."""
    out = set(phones)
    for p in phones:
        digits = re.sub(r"\D", "", p)
        out |= {digits, digits.removeprefix("86")}
    return {n for n in out if len(n) >= 7}


def leaks(values: list[str], phones: set[str]) -> list[str]:
    """The phones found in clear in any value, also when only separators or stars were put
    between its digits ("139****00000003" hides nothing)."""
    found = set()
    for v in values:
        digits = re.sub(r"\D", "", v)
        found |= {n for n in needles(phones) if n in v or n in digits}
    return sorted(found)


def database_values(path, schemas: tuple[str, ...] | None = None) -> list[str]:
    """Every value of every table and view of a DuckDB file, as text."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rels = con.execute("select schema_name, table_name from duckdb_tables() union all "
                           "select schema_name, view_name from duckdb_views() where not internal").fetchall()
        out = []
        for schema, name in rels:
            if schemas is None or schema in schemas:
                for row in con.execute(f'select * from "{schema}"."{name}"').fetchall():
                    out += [str(v) for v in row if v is not None]
        return out
    finally:
        con.close()


def test_the_scan_finds_phone_numbers_where_they_are_in_clear(reference):
    phones = landed_phones(reference.landing)
    assert phones == set(PHONES)
    # the raw layer keeps the values as sent: the same scan that finds nothing in the marts
    # finds every phone of an accepted or quarantined row there
    assert leaks(database_values(reference.warehouse, ("raw",)), phones) == sorted(needles(phones))
    assert leaks(["139****00000003"], phones) == ["13900000003"]


def test_no_phone_number_in_clear_in_marts_or_serving_file(reference):
    phones = landed_phones(reference.landing)
    assert leaks(database_values(reference.warehouse, ("marts",)), phones) == []
    assert leaks(database_values(reference.serving), phones) == []


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_no_phone_number_in_clear_in_the_writeoff_report(reference, tmp_path, fmt):
    from openpyxl import load_workbook

    proc = dcw("report", "writeoff", "--month", "2025-02", "--format", fmt,
               "--out", str(tmp_path / "out"), env=reference.env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert written
    values: list[str] = []
    for p in written:
        if p.suffix == ".xlsx":
            wb = load_workbook(p, read_only=True)
            values += [str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r if c is not None]
            wb.close()
        else:
            values += [c for r in csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"))) for c in r]
    assert "CL1" in values  # the report does hold the claim
    assert leaks(values, landed_phones(reference.landing)) == []


def test_serving_file_holds_only_the_marts(reference):
    con = duckdb.connect(str(reference.serving), read_only=True)
    try:
        objects = con.execute("select schema_name, table_name from duckdb_tables() union all "
                              "select schema_name, view_name from duckdb_views() where not internal").fetchall()
    finally:
        con.close()
    assert {s for s, _ in objects} == {"marts"}
    assert {t for _, t in objects} == set(reference.marts)


def test_serving_file_holds_no_quarantined_values(reference):
    con = duckdb.connect(str(reference.serving), read_only=True)
    try:
        columns = set(con.table("marts.dq_quarantine").columns)
        failed_rows = con.execute("select count(*) from marts.dq_quarantine").fetchall()[0][0]
    finally:
        con.close()
    assert failed_rows > 0  # which rows failed and why is served ...
    assert not {"raw_values", "reason_detail"} & columns  # ... not the values as sent


SQL = "'; DROP TABLE raw.sales; --"
HOSTILE_NAMES = (
    f"dealers/{D1}/sales_{D1}_202501_20250301T000000{SQL}.csv",
    'erp/dealers_20250301"); DROP TABLE raw.submissions; --.csv',
    f"dealers/{D1}'; DROP TABLE raw.claims; --/claims_{D1}_20250301T000000.csv",
    "dealers/D0002/sales_D0002_202501_20250301T000000.csv'--",
)


def all_objects(warehouse) -> set[tuple[str, str]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return set(con.execute("select schema_name, table_name from duckdb_tables() union all "
                               "select schema_name, view_name from duckdb_views() where not internal").fetchall())
    finally:
        con.close()


def test_sql_in_file_names_and_dealer_text_is_data_not_code(reference, tmp_path):
    root, _ = copy_root(reference.root, tmp_path / "root")
    landing = Landing(tmp_path / "landing")
    shutil.copytree(reference.landing, landing.root, dirs_exist_ok=True)
    for name in HOSTILE_NAMES:
        landing.write(name, b"sale_date,sku\n2025-01-15,SKU001\n")
    # a validly named file, older than D0001's January report (so superseded by it), whose
    # text fields are SQL: its rows go all the way through parsing, validation and loading
    texty = Landing.sale(customer_name=SQL, invoice_no='x"); DROP TABLE marts.fct_price_deviation; --',
                         batch_no="B1' OR '1'='1")
    bad_sku = Landing.sale(sku="SKU001'); DROP TABLE raw.submissions; --", invoice_no="INV3")
    sneaky = landing.sales(D1, "202501", [texty, bad_sku], submitted="20250201T000000")
    sneaky_file = sneaky.relative_to(landing.root).as_posix()

    run_ingestion(landing.root, root / "warehouse.duckdb", root / "feedback")
    build_warehouse(root / "warehouse.duckdb", AS_OF)

    warehouse = root / "warehouse.duckdb"
    assert all_objects(warehouse) >= all_objects(reference.warehouse)  # nothing dropped
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        logged = dict(con.execute("select source_file, status from marts.dq_submissions").fetchall())
        texts = {r[0] for r in con.execute(
            "select customer_name from raw.sales where source_file = ?", [sneaky_file]).fetchall()}
        quarantined = con.execute("select raw_values from marts.dq_quarantine where source_file = ?",
                                  [sneaky_file]).fetchall()
    finally:
        con.close()
    for name in HOSTILE_NAMES:
        assert logged[name] == "rejected", name  # logged under its exact name
    assert logged[sneaky_file] == "superseded"
    assert texts == {SQL}  # stored as sent
    assert len(quarantined) == 1 and "DROP TABLE raw.submissions" in quarantined[0][0]

    marts = marts_contents(warehouse)
    expected = dict(reference.marts)
    # rpt_reporting_status: the sneaky file is D0001's first January file read, so its receipt
    for about_files in ("dq_submissions", "dq_quarantine", "fct_dealer_scorecard", "rpt_reporting_status"):
        del marts[about_files], expected[about_files]
    assert marts == expected
    # the scorecard counts every sales file a dealer sent, superseded ones too: only the
    # file-based figures of D0001's January (first submission, data quality) may change
    before, after = scorecard(reference.warehouse), scorecard(warehouse)
    assert before.keys() == after.keys()
    changed = {(key, col) for key in before for col in before[key] if before[key][col] != after[key][col]}
    assert changed and {key for key, _ in changed} == {(D1, date(2025, 1, 1))}
    assert {col for _, col in changed} <= DATA_QUALITY


DATA_QUALITY = {"first_sales_submitted_at", "sales_files", "rows_read", "rows_quarantined", "quarantined_row_share",
                "data_quality_component", "score_components", "composite_score", "suggested_tier"}


def scorecard(warehouse) -> dict[tuple, dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rel = con.table("marts.fct_dealer_scorecard")
        return {(r["dealer_id"], r["month"]): r for r in (dict(zip(rel.columns, row)) for row in rel.fetchall())}
    finally:
        con.close()
