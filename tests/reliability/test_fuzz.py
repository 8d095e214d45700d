"""Fuzzing the parsers and contracts with hypothesis: random and adversarial CSV/XLSX
content (random bytes, UTF-8/GBK/UTF-16, huge fields, NULs, unbalanced quotes, formulas,
look-alike codes). Every case ends accepted, quarantined or rejected with a code, never in an
exception, and conservation holds: rows read = rows accepted + rows quarantined.

The profile is derandomised (same examples every run) so CI is reproducible; the example
counts keep the module well under a minute."""

from __future__ import annotations

import shutil

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.landing_builder import CITIES, DEALERS, SKUS, Landing, xlsx_bytes

from pipelines.core.settings import raw_dir
from pipelines.contracts.spec import DEALER_KINDS, FILE_CODES, KINDS, ROW_CODES
from pipelines.ingest import run_ingestion
from pipelines.ingest import raw_layer as wh
from pipelines.ingest.read import read_file, stack
from pipelines.ingest.validate import IDX, check_rows, quarantine_rows

FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

HEADERS = {k.name: [c.name for c in k.columns] for k in DEALER_KINDS}
ZH_HEADERS = {k.name: [c.alias_zh or c.name for c in k.columns] for k in DEALER_KINDS}

# Cells a hostile or careless sender produces.
LOOKALIKES = ["ＳＫＵ００１", "SKU00１", "ЅKU001", "SKU0O1", "Ｄ０００１", "D000\u0031\u200b", "Д0001",
              "D0001\u00a0", "\ufeffD0001", "４６０１００", "46O100", "２０２５-０１-１５", "１２", "1e3", "-0", "NaN", "inf", "1,000"]
HOSTILE = ['=cmd|" /C calc"!A0', "+1+1", "@SUM(A1:A9)", "-2+3", '"', 'a"b', '"unbalanced', "\x00",
           "a\x00b", "\r", "\n", "'; DROP TABLE raw.sales; --", "\u202etxt.exe", "😀", "客户\u3000甲"]
GOOD = [*SKUS, *DEALERS, "2025-01-15", "2025-01-31", "2", "100", "B1", "C001", "460100", "13800000000",
        "INV1", "展会", "1000", "2025-01-01"]
cell = st.one_of(
    st.sampled_from(GOOD), st.sampled_from(LOOKALIKES), st.sampled_from(HOSTILE),
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.just("x" * (70 << 10)),  # above the 64 KiB field limit
)


@st.composite
def table(draw, kind: str):
    """A header (canonical or Chinese, maybe shuffled or short of columns) and rows of cells."""
    header = list(draw(st.sampled_from([HEADERS[kind], ZH_HEADERS[kind]])))
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 4)) == 0:
        header = header[: draw(st.integers(0, len(header)))]
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=6))
    return header, rows


def csv_text(header, rows, quote: bool) -> str:
    sep = ","
    def fmt(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if quote else v
    return "\n".join(sep.join(fmt(v) for v in r) for r in [header, *rows]) + "\n"


@st.composite
def file_bytes(draw, kind: str) -> tuple[bytes, str]:
    """(bytes, extension): random bytes, CSV text in some encoding, or an XLSX workbook."""
    how = draw(st.sampled_from(["bytes", "csv", "csv", "xlsx"]))
    if how == "bytes":
        return draw(st.binary(max_size=3000)), draw(st.sampled_from(["csv", "xlsx"]))
    header, rows = draw(table(kind))
    if how == "xlsx":
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        clean = [[ILLEGAL_CHARACTERS_RE.sub("", v)[:32000] for v in r] for r in rows]
        title = draw(st.lists(st.sampled_from(["销售报备", "", "=1+1"]), max_size=2))
        return xlsx_bytes(header, clean, title_rows=title), "xlsx"
    text = csv_text(header, rows, quote=draw(st.booleans()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace"), "csv"


def run_contracts(kind_name: str, frames: list[pl.DataFrame]) -> tuple[int, int]:
    """What _load_kind does before loading: stack, validate, quarantine; (rows, quarantined)."""
    kind = KINDS[kind_name]
    raw, counts = stack(frames, kind)
    raw = raw.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(IDX))
    refs = {("products", "sku"): pl.Series(SKUS), ("dealers", "dealer_id"): pl.Series(DEALERS),
            ("regions", "city_code"): pl.Series(CITIES),
            ("campaigns", "campaign_id"): pl.Series(["C001"])}
    if kind.mode == "month":
        from datetime import date

        from pipelines.contracts._base import PERIOD_END, PERIOD_START
        raw = raw.with_columns(pl.lit(date(2025, 1, 1)).alias(PERIOD_START), pl.lit(date(2025, 1, 31)).alias(PERIOD_END))
    typed, failures = check_rows(kind, raw, refs)
    assert set(failures.get_column("code").to_list()) <= set(ROW_CODES)
    quarantined, _ = quarantine_rows(raw, failures, kind)
    assert typed.height == raw.height == int(counts.sum())
    for codes in quarantined.get_column("reason_codes").to_list():
        assert codes and set(codes.split(",")) <= set(ROW_CODES)
    return raw.height, quarantined.height


@settings(FUZZ, max_examples=120)
@given(kind=st.sampled_from(sorted(HEADERS)), data=st.data())
def test_read_file_and_the_contracts_never_raise(kind, data):
    content, ext = data.draw(file_bytes(kind))
    result = read_file(content, ext, KINDS[kind])
    if result.frame is None:
        assert result.code in FILE_CODES and result.detail
        return
    assert result.code is None
    run_contracts(kind, [result.frame])


@pytest.fixture(scope="module")
def erp_warehouse(tmp_path_factory):
    """A warehouse holding the standard ERP snapshots: dealer files are judged against it."""
    root = tmp_path_factory.mktemp("fuzz")
    lb = Landing(root / "landing")
    lb.standard_erp()
    run_ingestion(lb.root, root / "warehouse.duckdb", root / "feedback")
    return root / "warehouse.duckdb"


@pytest.mark.slow  # 25 ingestion runs
@settings(FUZZ, max_examples=25)
@given(files=st.lists(st.tuples(st.sampled_from(sorted(HEADERS)), st.sampled_from(DEALERS), st.data()),
                      min_size=1, max_size=3))
def test_run_ingestion_gives_every_fuzzed_file_a_fate_and_conserves_rows(erp_warehouse, tmp_path_factory, files):
    root = tmp_path_factory.mktemp("case")
    warehouse = root / "warehouse.duckdb"
    shutil.copy(erp_warehouse, warehouse)
    shutil.copytree(raw_dir(erp_warehouse), raw_dir(warehouse))
    # the warehouse's own landing folder, copied: a warehouse refuses another one
    shutil.copytree(erp_warehouse.parent / "landing", root / "landing")
    landing = Landing(root / "landing")
    names = []
    for i, (kind, dealer, data) in enumerate(files):
        content, ext = data.draw(file_bytes(kind))
        middle = {"sales": "_202501", "inventory": "_20250131", "claims": ""}[kind]
        names.append(f"dealers/{dealer}/{kind}_{dealer}{middle}_2025020{i + 1}T100000.{ext}")
        landing.write(names[-1], content)

    run_ingestion(landing.root, warehouse, root / "feedback")

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        log = {r[0]: r[1:] for r in con.execute(
            "select source_file, status, reason_code, rows_read, rows_accepted, rows_quarantined "
            "from raw.submissions where source_file like 'dealers/%'").fetchall()}
        assert wh.conservation_violations(con, raw_dir(warehouse)).height == 0
        accepted_codes = {r[0] for k in ("sales", "inventory") for r in con.execute(
            f"select distinct sku from raw.{k}").fetchall()}
        accepted_cities = {r[0] for r in con.execute("select distinct customer_city_code from raw.sales").fetchall()}
    finally:
        con.close()
    assert sorted(log) == sorted(names)
    for name, (status, code, read, accepted, quarantined) in log.items():
        assert status in ("accepted", "partially_accepted", "rejected", "duplicate", "superseded"), name
        if status in ("rejected", "duplicate"):
            assert code in FILE_CODES or code == "DUPLICATE_FILE", (name, code)
        assert read == accepted + quarantined
    # look-alikes never pass for the codes they imitate
    assert accepted_codes <= set(SKUS)
    assert accepted_cities <= set(CITIES)
