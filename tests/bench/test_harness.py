"""The benchmark harness at a tiny scale, so that it cannot rot: it measures every stage and
ratio, writes them to JSON and markdown, and its transformation floor (bench/floor.py, derived
from dbt's compiled models) builds exactly dbt's marts - a faster but different floor would
make the transform ratio meaningless."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal

from bench import benchmark as bench
from bench.phase import separate_forecast
from pipelines.dbt import dbt_project
from pipelines.ingest.load import IngestSummary

pytestmark = pytest.mark.slow  # the whole benchmark at its tiny scale

INGEST_SPLIT = bench.INGEST_SPLIT


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    out, result = bench.run(["tiny"], data_root=root / "data", results=root / "results")
    return out, result


def expected_chain() -> list[str]:
    # The forecast is a stage of the night only while it is written outside dbt.
    return ["ingest", "customers", "dbt", *(["forecast"] if separate_forecast() else []), "publish"]


def expected_stages() -> list[str]:
    # The ingestion's own split is reported once IngestSummary carries it.
    split = list(INGEST_SPLIT) if "seconds" in {f.name for f in fields(IngestSummary)} else []
    return [*split, *expected_chain()]


def floor_stages() -> list[str]:
    return ["floor_sql", *(["floor_python"] if python_models() else [])]


def positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_json_has_every_stage_and_ratio(tiny):
    out, result = tiny
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(result))
    assert saved["machine"]["cores"] >= 1 and saved["machine"]["memory_bytes"] > 0
    assert saved["run_id"] == out.stem and len(saved["commit"].removesuffix("+dirty")) == 40
    r = saved["scales"]["tiny"]
    assert r["night_chain"] == expected_chain()
    # dbt ran in the warm dbt server's children, and their CPU is the dbt stage's
    assert saved["dbt_server"] is True
    assert "served dbt build" in (out.parent.parent / "data" / "dbt-server.log").read_text(encoding="utf-8")
    for stages in (r["stages"], r["incremental"]):
        assert stages["dbt"]["cpu_seconds"] > 0.5 * stages["dbt"]["seconds"]
    for night in ("stages", "incremental"):
        for name in expected_stages():
            stage = r[night][name]
            assert positive(stage["seconds"]) and positive(stage["peak_rss"]), (night, name, stage)
            # a stage of the night with nothing to do (no new spelling to resolve) may take
            # less CPU time than the clock counts
            idle = night == "incremental" and stage["rows"] == 0
            assert name in INGEST_SPLIT or positive(stage["cpu_seconds"]) or idle, (night, name, stage)
            assert positive(stage["rows_per_s"]) or idle, (night, name)
    assert set(r["baselines"]) == {"bare_parse", "dbt_run", *floor_stages()}
    for name in r["baselines"]:
        assert positive(r["baselines"][name]["seconds"]) and positive(r["baselines"][name]["peak_rss"])
    for name in ("ingest", "transform", "transform_run", "incremental", "memory"):
        q = r["ratios"][name]
        assert positive(q["value"]) and positive(q["budget"]) and isinstance(q["pass"], bool), name
        assert name == "memory" or positive(q["cpu_value"]), name
    # the incremental night read only the held-back day's files
    assert 0 < r["held_back"]["files"] < r["files"]
    assert r["stages"]["ingest"]["rows"] == r["rows_read"]
    assert r["incremental"]["ingest"]["rows"] == r["held_back"]["rows_read"] < r["rows_read"]
    # the customer resolution's rows are distinct spellings: all of them on the full build,
    # the night's new ones after it
    assert r["stages"]["customers"]["rows"] > 0
    assert r["incremental"]["customers"]["rows"] < r["stages"]["customers"]["rows"]
    # and how right it is, against the generator's identity truth
    scores = r["customers"]["scores"]
    assert scores["lines"] > 0 and 0 < scores["precision"] <= 1 and 0 < scores["recall"] <= 1
    # the intraday job for one landed dealer file: timed whole and by step; it rebuilt the
    # sales marts, published them, and left the forecast alone
    day = r["intraday"]
    for name in ("intraday", "intraday_tick", "intraday_ingest", "intraday_dbt", "intraday_publish"):
        assert positive(day[name]["seconds"]) and positive(day[name]["peak_rss"]), name
    assert day["intraday"]["rows"] > 0 and day["file"].startswith("sales_")
    # started by the sensor's tick, which told the job the one path that landed
    assert [p.rsplit("/", 1)[-1] for p in day["paths"]] == [day["file"]]
    assert "sales" in day["tables"] and "fct_price_deviation" in day["marts"]
    assert "serving_marts" in day["materialized"] and "marts/fct_forecast" not in day["materialized"]
    assert not list((Path(out).parents[1] / "data" / "tiny" / "landing").rglob(day["file"]))  # taken back


def test_markdown_lists_every_stage_and_ratio(tiny):
    out, result = tiny
    md = out.with_suffix(".md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in md.splitlines() if line.startswith("| ") and "---" not in line}
    for name in expected_stages():
        assert f"full: {name}" in rows and f"night +1 day: {name}" in rows
    for name in ("bare_parse", "dbt_run", *floor_stages()):
        assert f"baseline: {name}" in rows
    assert "intraday, 1 file: intraday" in rows
    for name, q in result["scales"]["tiny"]["ratios"].items():
        verdict = "PASS" if q["pass"] else "FAIL"
        assert f"{q['value']:.3f}" in rows[name] and (name == "transform_run" or verdict in rows[name])


def dbt_models() -> list[dict]:
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return [n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"]


def python_models() -> list[str]:
    return [n["name"] for n in dbt_models() if n["language"] == "python"]


def dbt_marts() -> set[str]:
    return {n["name"] for n in dbt_models() if n["fqn"][1] == "marts"}


def test_floor_builds_every_model_in_its_own_schemas(tiny):
    _, result = tiny
    floor = result["scales"]["tiny"]["floor"]
    expected: dict[str, set[str]] = {}
    for n in dbt_models():
        expected.setdefault(floor["schemas"][n["schema"]], set()).add(n["alias"])
    assert {schema: set(names) for schema, names in floor["tables"].items()} == expected
    assert all(schema.startswith("floor_") for schema in floor["tables"])


def test_floor_builds_exactly_dbts_marts(tiny):
    _, result = tiny
    floor = result["scales"]["tiny"]["floor"]
    schema = floor["schemas"]["marts"]
    assert set(floor["tables"][schema]) == dbt_marts()
    con = duckdb.connect(floor["warehouse"], read_only=True)
    try:
        for table in sorted(dbt_marts()):
            dbt = con.sql(f"select * from marts.{table}").pl()
            derived = con.sql(f"select * from {schema}.{table}").pl()
            assert derived.schema == dbt.schema, table
            assert dbt.height > 0, f"{table} is empty at the tiny scale: the comparison would prove nothing"
            assert_frame_equal(derived.sort(derived.columns, nulls_last=True), dbt.sort(dbt.columns, nulls_last=True),
                               check_exact=False, rel_tol=0, abs_tol=1e-9, check_row_order=True)
    finally:
        con.close()


def test_customers_stages_only(tmp_path):
    """`--stages customers`: the ingestion and the customer resolution only, full then the
    held-back night, in the whole benchmark's JSON shape and markdown."""
    out, result = bench.run(["tiny"], data_root=tmp_path / "data", results=tmp_path / "results", stages="customers")
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(result)) and saved["stages"] == "customers"
    r = saved["scales"]["tiny"]
    assert r["stage_set"] == "customers" and r["night_chain"] == ["ingest", "customers"]
    assert not {"dbt", "publish"} & (set(r["stages"]) | set(r["incremental"]))
    full, night = r["stages"]["customers"], r["incremental"]["customers"]
    assert positive(full["seconds"]) and positive(full["peak_rss"]) and full["rows"] == r["customers"]["spellings"] > 0
    assert night["rows"] == r["customers_night"]["new_spellings"] < full["rows"]
    assert r["incremental"]["ingest"]["rows"] == r["held_back"]["rows_read"] < r["rows_read"]
    scores = r["customers"]["scores"]
    assert scores["lines"] > 0 and 0.9 < scores["precision"] <= 1 and 0.9 < scores["recall"] <= 1
    assert set(r["ratios"]) == {"customers_full", "customers_night", "memory"}
    assert r["ratios"]["customers_full"]["value"] == full["seconds"]
    assert r["ratios"]["customers_night"]["budget"] == bench.CUSTOMER_BUDGETS["customers_night"]
    md = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "| full: customers |" in md and "| night +1 day: customers |" in md and "| customers_full |" in md
    assert f"precision {scores['precision']:.4f}, recall {scores['recall']:.4f}" in md
    # a run of some stages is not the nightly chain: an L run does not take its peak for M's
    (tmp_path / "results" / "as_if_M.json").write_text(json.dumps({"scales": {"M": r}}), encoding="utf-8")
    assert bench.latest_m_peak(tmp_path / "results") is None


def test_build_stages_only(tmp_path):
    """`--stages build`: the nightly chain on the history and on the held-back day, without the
    baselines; its incremental ratio is the night's chain over the full build's, and its M
    peak is the nightly chain's, so an L run may be held to it."""
    out, result = bench.run(["tiny"], data_root=tmp_path / "data", results=tmp_path / "results", stages="build")
    r = json.loads(out.read_text(encoding="utf-8"))["scales"]["tiny"]
    assert r["stage_set"] == "build" and r["baselines"] == {}
    assert {"ingest", "dbt", "publish"} <= set(r["stages"]) and {"ingest", "dbt"} <= set(r["incremental"])
    night = sum(r["incremental"][s]["seconds"] for s in r["night_chain"])
    full = sum(r["stages"][s]["seconds"] for s in r["night_chain"])
    assert positive(night) and r["ratios"]["incremental"]["value"] == night / full
    assert r["incremental"]["ingest"]["rows"] == r["held_back"]["rows_read"] < r["rows_read"]
    assert "| full: dbt |" in out.with_suffix(".md").read_text(encoding="utf-8")
    (tmp_path / "results" / "as_if_M.json").write_text(json.dumps({"scales": {"M": r}}), encoding="utf-8")
    assert bench.latest_m_peak(tmp_path / "results") == r["peak_rss"]
