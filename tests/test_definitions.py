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
    # the replenishment suggestions to dealers are written after the mart they come from
    assert dg.AssetKey("replenishment_feedback") in nightly_keys
    assert dg.AssetKey(["marts", "rpt_replenishment"]) in defs.resolve_asset_graph().get(
        dg.AssetKey("replenishment_feedback")).parent_keys
    assert dg.AssetKey(["raw", "sales"]) in ingestion_keys
    assert not any(k.path[0] == "marts" for k in ingestion_keys)


def test_conservation_is_a_blocking_check_on_the_submission_log():
    specs = {s.name: s for c in defs.asset_checks for s in c.check_specs}
    assert specs["conservation"].asset_key == dg.AssetKey(["raw", "submissions"])
    assert specs["conservation"].blocking


def test_the_quarterly_close_writes_the_quarter_just_ended():
    import datetime as dt

    schedule = defs.resolve_schedule_def("quarterly_close_schedule")
    assert defs.resolve_job_def("quarterly_close").asset_layer.selected_asset_keys == {dg.AssetKey("rebate_report")}
    for at, key in ((dt.datetime(2025, 4, 1, 6, tzinfo=dt.timezone.utc), "2025-01-01"),
                    (dt.datetime(2026, 1, 1, 6, tzinfo=dt.timezone.utc), "2025-10-01")):
        with dg.instance_for_test() as instance:
            ticks = schedule.evaluate_tick(dg.build_schedule_context(instance=instance, scheduled_execution_time=at))
        assert [r.partition_key for r in ticks.run_requests] == [key]


def test_the_incremental_models_are_monthly_partitions_backfilled_in_one_run():
    from pipelines.dbt import dbt_monthly_assets, dbt_warehouse_assets

    graph = defs.resolve_asset_graph()
    lines = dg.AssetKey(["intermediate", "int_sales_lines"])
    monthly = set(dbt_monthly_assets.keys)
    assert {lines, dg.AssetKey(["marts", "fct_price_deviation"]), dg.AssetKey(["intermediate", "int_diversion_flags"]),
            dg.AssetKey(["marts", "fct_sell_through_monthly"])} == monthly  # keyed by dealer x month only
    # one lineage: every model in exactly one of the two definitions, the rest unpartitioned
    assert not monthly & set(dbt_warehouse_assets.keys)
    assert all(graph.get(k).partitions_def == dbt_monthly_assets.partitions_def for k in monthly)
    assert graph.get(dg.AssetKey(["marts", "fct_diversion_flags"])).partitions_def is None
    assert lines in graph.get(dg.AssetKey(["intermediate", "int_diversion_flags"])).parent_keys
    assert dbt_monthly_assets.backfill_policy == dg.BackfillPolicy.single_run()
    assert dbt_monthly_assets.partitions_def.get_first_partition_key() == "2024-01-01"
    # the nightly job builds them in its dbt step (unpartitioned), and what is built on them
    nightly = defs.resolve_job_def("nightly").asset_layer.selected_asset_keys
    assert not monthly & nightly and set(dbt_warehouse_assets.keys) <= nightly
