"""The one Definitions loads, and its graph is one lineage from ingestion to the marts."""

import dagster as dg

from pipelines.definitions import defs


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)


def test_marts_descend_from_the_ingested_raw_tables():
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["marts", "fct_price_deviation"])).parent_keys
    seen, frontier = set(), set(upstream)
    while frontier:
        key = frontier.pop()
        seen.add(key)
        frontier |= set(graph.get(key).parent_keys) - seen
    assert dg.AssetKey(["raw", "sales"]) in seen
    assert dg.AssetKey(["raw", "prices"]) in seen
    # the raw tables are materialised by the ingestion step, not external sources
    assert graph.get(dg.AssetKey(["raw", "sales"])).is_materializable


def test_jobs_select_what_they_say():
    nightly = defs.resolve_job_def("nightly")
    ingestion = defs.resolve_job_def("ingestion")
    nightly_keys = nightly.asset_layer.selected_asset_keys
    ingestion_keys = ingestion.asset_layer.selected_asset_keys
    assert dg.AssetKey(["marts", "fct_expense_writeoff"]) in nightly_keys
    assert dg.AssetKey(["raw", "sales"]) in ingestion_keys
    assert not any(k.path[0] == "marts" for k in ingestion_keys)


def test_conservation_is_a_blocking_check_on_the_submission_log():
    specs = {s.name: s for c in defs.asset_checks for s in c.check_specs}
    assert specs["conservation"].asset_key == dg.AssetKey(["raw", "submissions"])
    assert specs["conservation"].blocking
