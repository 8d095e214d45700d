"""Every generated file, read back independently, is what truth/files.csv and
truth/quarantine.csv say it is."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from pipelines.contracts.spec import FILE_CODES, KINDS, ROW_CODE_ORDER, ROW_CODES
from tests.synth.synth_reader import Unreadable, check_rows, decode, kind_of, read_table, read_truth, reference


def landed(landing: Path) -> list[str]:
    return sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file())


def submitted_key(rel: str) -> tuple:
    name = rel.rsplit("/", 1)[-1]
    m = re.search(r"(\d{8}T\d{6})", name) or re.search(r"_(\d{8})\.csv$", name)
    return (m[1] if m else "", rel)


# the demo-sized run read back whole is slow; the small run covers the same checks fast
@pytest.fixture(params=["small", pytest.param("demo", marks=pytest.mark.slow)])
def landing(request) -> Path:
    return request.getfixturevalue(request.param)


def test_truth_lists_every_file_once(landing):
    files = read_truth(landing, "files")
    assert sorted(f["source_file"] for f in files) == landed(landing)
    assert len({f["source_file"] for f in files}) == len(files)


def _claim_owners(landing: Path, files: list[dict], ref) -> dict[str, str]:
    """claim_id -> the dealer whose loaded claims file used it first (in submission order),
    among rows the contract accepts otherwise."""
    owners: dict[str, str] = {}
    claims = [f for f in files if kind_of(f["source_file"]) == "claims"
              and f["status"] in ("accepted", "partially_accepted")]
    for f in sorted(claims, key=lambda f: (f["source_file"].rsplit("_", 1)[-1], f["source_file"])):
        path = landing / f["source_file"]
        _, bad = check_rows(path, "claims", ref)
        failing = {i for i, _ in bad}
        for i, row in enumerate(read_table(path, "claims").rows, 1):
            if i not in failing and row.get("claim_id"):
                owners.setdefault(row["claim_id"].strip(), f["source_file"].split("/")[1])
    return owners


def _with_claim_ids_taken(bad, rows, dealer: str, owners: dict[str, str]):
    codes = dict(bad)
    for i, row in enumerate(rows, 1):
        owner = owners.get((row.get("claim_id") or "").strip())
        if owner is not None and owner != dealer:
            codes[i] = tuple(c for c in ROW_CODE_ORDER if c in {*codes.get(i, ()), "CLAIM_ID_TAKEN"})
    return sorted(codes.items())


def test_file_fates_hold_when_read_back(landing):
    files = read_truth(landing, "files")
    status_of = {f["source_file"]: f["status"] for f in files}
    ref = reference(landing, status_of)
    quarantine: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for q in read_truth(landing, "quarantine"):
        quarantine.setdefault(q["source_file"], []).append((int(q["source_row"]), tuple(q["reason_codes"].split(","))))
    owners = _claim_owners(landing, files, ref)
    for f in files:
        rel, status, reason = f["source_file"], f["status"], f["reason_code"]
        path = landing / rel
        parts = rel.split("/")
        kind = kind_of(rel)
        good_place = (parts[0] == "erp" and len(parts) == 2 and kind and KINDS[kind].source == "erp") or (
            parts[0] == "dealers" and len(parts) == 3 and kind and KINDS[kind].source == "dealer"
            and KINDS[kind].pattern.fullmatch(parts[2])["dealer_id"] == parts[1])
        if reason == "BAD_FILE_NAME":
            assert not good_place, rel
            continue
        assert good_place, rel
        if reason == "BAD_SUBMISSION_TIME":  # the generator's: a month after the stamp's month
            m = KINDS[kind].pattern.fullmatch(parts[2])
            assert m["month"] > m["submitted"][:6], rel
            continue
        if reason == "UNKNOWN_DEALER":
            assert parts[1] not in ref.dealers
            continue
        if parts[0] == "dealers":
            assert parts[1] in ref.dealers, rel
        if reason == "UNREADABLE":
            with pytest.raises(Unreadable):
                read_table(path, kind)
            if rel.endswith(".csv"):
                for codec in ("utf-8", "gbk", "gb18030"):
                    with pytest.raises(UnicodeDecodeError):
                        path.read_bytes().decode(codec)
            continue
        if status == "duplicate":
            continue
        if path.stat().st_size == 0:
            assert reason == "EMPTY_FILE", rel
            continue
        table = read_table(path, kind)
        missing = set(KINDS[kind].required) - set(table.columns)
        if reason == "MISSING_COLUMNS":
            assert missing, rel
            continue
        assert not missing, rel
        if reason == "EMPTY_FILE":
            assert not table.rows, rel
            continue
        assert reason == "" and status in ("accepted", "partially_accepted", "superseded"), f
        rows, bad = check_rows(path, kind, ref)
        if kind == "claims":
            bad = _with_claim_ids_taken(bad, read_table(path, kind).rows, parts[1], owners)
        assert int(f["rows_read"]) == rows, rel
        assert int(f["rows_quarantined"]) == len(bad), rel
        assert sorted(bad) == sorted(quarantine.pop(rel, [])), rel
        if status != "superseded":
            assert (status == "partially_accepted") == bool(bad), rel
    assert not quarantine, "quarantine truth for files that are not loaded"


def test_duplicates_are_exactly_the_byte_identical_later_files(landing):
    files = read_truth(landing, "files")
    first_of: dict[str, str] = {}
    expected_dups = set()
    for rel in sorted((f["source_file"] for f in files), key=submitted_key):
        digest = hashlib.sha256((landing / rel).read_bytes()).hexdigest()
        if digest in first_of:
            expected_dups.add(rel)
        else:
            first_of[digest] = rel
    assert expected_dups == {f["source_file"] for f in files if f["status"] == "duplicate"}
    assert all(f["reason_code"] == "DUPLICATE_FILE" for f in files if f["status"] == "duplicate")


@pytest.mark.slow  # the demo-sized run
def test_messy_formats_are_present(demo):
    names = [f["source_file"] for f in read_truth(demo, "files") if f["status"] in ("accepted", "partially_accepted")]
    blobs = {"gbk": 0, "bom": 0, "xlsx": 0, "thousands": 0, "zh_date": 0, "slash_date": 0}
    for rel in names:
        if not rel.startswith("dealers/") or kind_of(rel) != "sales":
            continue
        data = (demo / rel).read_bytes()
        if rel.endswith(".xlsx"):
            blobs["xlsx"] += 1
            continue
        if data.startswith(b"\xef\xbb\xbf"):
            blobs["bom"] += 1
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            blobs["gbk"] += 1
        text = decode(data)
        blobs["thousands"] += bool(re.search(r'"\d{1,3}(,\d{3})+\.\d\d"', text))
        blobs["zh_date"] += bool(re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text))
        blobs["slash_date"] += bool(re.search(r"\d{4}/\d{1,2}/\d{1,2}", text))
    assert all(blobs.values()), blobs


@pytest.mark.slow  # the demo-sized run
def test_every_reason_code_is_exercised(demo):
    files = read_truth(demo, "files")
    file_codes = {f["reason_code"] for f in files} - {""}
    assert file_codes == set(FILE_CODES)
    row_codes = {c for q in read_truth(demo, "quarantine") for c in q["reason_codes"].split(",")}
    assert row_codes == set(ROW_CODES)
    assert any("," in q["reason_codes"] for q in read_truth(demo, "quarantine"))
    assert any((demo / f["source_file"]).stat().st_size == 0 for f in files if f["reason_code"] == "EMPTY_FILE")
    statuses = Counter(f["status"] for f in files)
    assert set(statuses) == {"accepted", "partially_accepted", "rejected", "duplicate", "superseded"}


def test_summary_counts_match_the_files(small):
    summary = json.loads((small.parent / "truth" / "summary.json").read_text("utf-8"))
    injected = summary["injected"]
    per_code = Counter()
    for q in read_truth(small, "quarantine"):
        kind = kind_of(q["source_file"])
        per_code[f"{ {'sales': 'bad_sales_row', 'inventory': 'bad_inventory_row', 'shipments': 'bad_shipment_row', 'claims': 'bad_claim_row', 'targets': 'bad_target_row', 'alert_thresholds': 'bad_threshold_row'}[kind]}:{q['reason_codes'].replace(',', '+')}"] += 1
    # a superseded inventory report repeats its bad rows: count each injected row once
    files = {f["source_file"]: f for f in read_truth(small, "files")}
    for q in read_truth(small, "quarantine"):
        if files[q["source_file"]]["status"] == "superseded":
            per_code[f"bad_inventory_row:{q['reason_codes'].replace(',', '+')}"] -= 1
    assert +per_code == {k: v for k, v in injected.items() if k.startswith("bad_")}
    diversion = Counter(d["rule"] for d in read_truth(small, "diversion"))
    assert diversion["OUT_OF_TERRITORY"] == injected.get("out_of_territory", 0)
    assert diversion["FOREIGN_BATCH"] == injected.get("foreign_batch", 0)
    assert diversion["UNKNOWN_BATCH"] == injected.get("unknown_batch", 0) + injected.get("future_batch", 0)
    assert len(read_truth(small, "below_floor")) == injected["below_floor"]
    # each injected double report is two lines, one in each dealer's file
    assert len(read_truth(small, "double_reported")) == 2 * injected.get("double_reported", 0)
    statuses = Counter(f["status"] for f in files.values())
    assert statuses["duplicate"] == injected["duplicate_file"]
    assert dict(statuses) == summary["files_by_status"]
    assert len(read_truth(small, "claims")) == summary["claims"]


def test_clean_run_has_no_injections(clean):
    files = read_truth(clean, "files")
    assert {f["status"] for f in files} <= {"accepted", "superseded"}
    assert all(f["reason_code"] == "" and f["rows_quarantined"] == "0" for f in files)
    for name in ("quarantine", "diversion", "below_floor", "negative_stock", "double_reported"):
        assert read_truth(clean, name) == [], name
    claims = read_truth(clean, "claims")
    assert claims and all(c["expected_status"] == "approved" and not c["injected_rule"] for c in claims)
    summary = json.loads((clean.parent / "truth" / "summary.json").read_text("utf-8"))
    assert summary["injected"] == {}
