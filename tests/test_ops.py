"""Schedules and sensors, evaluated with Dagster's test contexts."""

from __future__ import annotations

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.definitions import defs
from pipelines.orchestration.nightly import DbtLogStream
from pipelines.orchestration.schedules import nightly_schedule
from pipelines.orchestration.sensors import landing_sensor, run_failure_alert


def test_nightly_schedule_runs_the_whole_build_at_two_in_shanghai():
    assert nightly_schedule.job_name == "nightly"
    assert nightly_schedule.execution_timezone == "Asia/Shanghai"
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 3, 1, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    data = nightly_schedule.evaluate_tick(ctx)
    assert len(data.run_requests) == 1
    assert nightly_schedule.cron_schedule == "0 2 * * *"


def test_monthly_close_writes_the_month_just_ended():
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 3, 1, 6, 0, tzinfo=ZoneInfo("UTC")))
    schedule = defs.resolve_schedule_def("monthly_close_schedule")
    [request] = schedule.evaluate_tick(ctx).run_requests
    assert request.partition_key == "2026-02-01"
    assert schedule.job_name == "monthly_close"


def _warehouse(tmp_path, **paths) -> WarehouseResource:
    return WarehouseResource.from_settings(Settings.for_warehouse(tmp_path / "warehouse.duckdb", **paths))


def _tick(cursor: str | None, landing):
    ctx = dg.build_sensor_context(cursor=cursor, definitions=defs,
                                  resources={"warehouse": _warehouse(landing.parent, landing=landing)})
    result = landing_sensor(ctx)
    return result, ctx.cursor


def test_landing_sensor_triggers_once_per_new_file(tmp_path):
    landing = tmp_path / "landing"
    (landing / "erp").mkdir(parents=True)

    (landing / "erp" / "regions_20250101.csv").write_text("city_code\n")
    first, cursor = _tick(None, landing)
    assert isinstance(first, dg.RunRequest)
    assert landing_sensor.job_name == "intraday"  # not the whole nightly build

    again, same_cursor = _tick(cursor, landing)
    assert isinstance(again, dg.SkipReason) and same_cursor == cursor

    (landing / "erp" / "regions_20250201.csv").write_text("city_code\n")
    new, newer = _tick(cursor, landing)
    assert isinstance(new, dg.RunRequest) and newer != cursor and new.run_key != first.run_key


def _paths(request: dg.RunRequest):
    return request.run_config["ops"]["ingest_landed"]["config"]["paths"]


def test_landing_sensor_tells_the_run_which_paths_arrived_or_changed(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "erp").mkdir(parents=True)
    (landing / "erp" / "regions_20250101.csv").write_text("city_code\n")
    first, cursor = _tick(None, landing)
    assert _paths(first) is None  # no listing yet: the run walks the whole folder

    (landing / "dealers" / "D1").mkdir(parents=True)
    (landing / "dealers" / "D1" / "sales_D1_202501_20250102T000000.csv").write_text("x\n")
    (landing / "erp" / "regions_20250101.csv").write_text("city_code\nC1\n")  # other bytes
    second, cursor = _tick(cursor, landing)
    assert _paths(second) == ["dealers/D1/sales_D1_202501_20250102T000000.csv", "erp/regions_20250101.csv"]

    (landing / "erp" / "regions_20250101.csv").unlink()
    removed, cursor = _tick(cursor, landing)
    assert isinstance(removed, dg.SkipReason) and "none arrived" in removed.skip_message

    monkeypatch.setattr("pipelines.orchestration.sensors.MAX_PATHS", 1)
    for n in (2, 3):
        (landing / "erp" / f"regions_2025010{n}.csv").write_text("city_code\n")
    many, cursor = _tick(cursor, landing)
    assert _paths(many) is None  # many at once: the walk costs the same
    # only the listings of the last two ticks are kept beside the warehouse
    assert len(list((tmp_path / "warehouse_landing_listings").glob("*.json.gz"))) == 2


def test_the_landing_listing_names_every_entry_but_folders_without_following_links(tmp_path):
    from pipelines.orchestration.sensors import landing_listing

    landing = tmp_path / "landing"
    (landing / "dealers" / "D1" / "deep").mkdir(parents=True)
    (landing / "dealers" / "D1" / "deep" / "a.csv").write_text("xy")
    (landing / "b.csv").write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "c.csv").write_text("x")
    (landing / "dealers" / "D2").symlink_to(outside)  # listed as the link, not entered
    (landing / "dealers" / "D1" / "d.csv").symlink_to(outside / "c.csv")
    listing = landing_listing(landing)
    assert [p for p, _, _ in listing] == ["b.csv", "dealers/D1/d.csv", "dealers/D1/deep/a.csv", "dealers/D2"]
    st = (landing / "dealers" / "D1" / "deep" / "a.csv").stat()
    assert listing[2] == ("dealers/D1/deep/a.csv", 2, st.st_mtime_ns)


def test_landing_sensor_skips_without_a_landing_folder(tmp_path):
    result, _ = _tick(None, tmp_path / "missing")
    assert isinstance(result, dg.SkipReason) and "does not exist" in result.skip_message


def test_run_failure_sensor_writes_an_alert_naming_the_failed_step(tmp_path):

    @dg.op
    def load_sales():
        raise RuntimeError("disk full")

    @dg.job
    def broken():
        load_sales()

    with dg.DagsterInstance.ephemeral() as instance:
        result = broken.execute_in_process(instance=instance, raise_on_error=False)
        ctx = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert", dagster_instance=instance,
            dagster_run=result.dagster_run, dagster_event=result.get_run_failure_event(),
            resources={"warehouse": _warehouse(tmp_path)},
        ).for_run_failure()
        run_failure_alert(ctx)
    [alert_file] = (tmp_path / "alerts").glob("run_failed_*.json")
    alert = json.loads(alert_file.read_text(encoding="utf-8"))
    assert alert["job"] == "broken"
    assert alert["failed_steps"] == ["load_sales"]


def test_dbt_log_goes_to_the_file_and_finished_nodes_to_progress():
    calls, log = [], io.StringIO()
    stream = DbtLogStream(log, lambda done, total, detail: calls.append((done, total, detail)))
    text = (
        "12:00:01  Running with dbt=1.11\n"
        "1 of 3 START sql view model staging.stg_sales ..... [RUN]\n"
        "1 of 3 OK created sql view model staging.stg_sales ..... [OK in 0.1s]\n"
        "2 of 3 FAIL 4 assert_closing_balances ..... [FAIL 4 in 0.2s]\n"
    )
    stream.write(text)
    assert log.getvalue() == text
    assert calls == [
        (1, 3, "OK created sql view model staging.stg_sales"),
        (2, 3, "FAIL 4 assert_closing_balances"),
    ]
    assert stream.nodes == 3


def test_rerunning_one_month_of_the_monthly_close_changes_only_that_month(tmp_path):
    from tests.consumers.consumer_data import writeoff_marts

    from pipelines.reports.assets import writeoff_report

    warehouse = writeoff_marts(tmp_path / "warehouse.duckdb")
    resources = {"warehouse": _warehouse(tmp_path)}
    out = tmp_path / "reports" / "writeoff"
    for month in ("2026-03-01", "2026-04-01"):
        assert dg.materialize([writeoff_report], partition_key=month, resources=resources).success
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}

    # a dealer's correction changes April's figures; finance re-runs April alone
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.fct_expense_writeoff set approved_amount = 50.5, status = 'partially_approved' "
                "where writeoff_month = date '2026-04-01'")
    con.close()
    assert dg.materialize([writeoff_report], partition_key="2026-04-01", resources=resources).success

    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    assert after.keys() == before.keys()
    changed = {name for name in after if after[name] != before[name]}
    assert changed and all("2026-04" in name for name in changed)
    assert "50.50" in (out / "writeoff_2026-04_detail.csv").read_text(encoding="utf-8-sig")


def test_the_intraday_build_selects_what_the_committed_batches_wrote():
    from pipelines.dbt import build_args, downstream_of
    from pipelines.orchestration.intraday import tables_of

    assert tables_of([]) == []
    # a rejected file: only the submission log; accepted sales: sales, the customer records
    # resolved from them, and the quarantine for the rows that failed; an accepted file
    # without rows still supersedes its kind's previous version
    assert tables_of([("prices", "rejected", 0)]) == ["submissions"]
    assert tables_of([("sales", "partially_accepted", 1), ("prices", "accepted", 0)]) == [
        "customer_records", "prices", "quarantine", "sales", "submissions"]
    assert downstream_of(["sales", "prices"]) == ["source:raw.prices+", "source:raw.sales+"]
    # every staging model reads the log, each for its own kind: the log alone selects only
    # the models that read nothing else
    manifest = {"nodes": {
        "model.dcw.stg_submissions": {"resource_type": "model", "name": "stg_submissions",
                                      "depends_on": {"nodes": ["source.dcw.raw.submissions"]}},
        "model.dcw.stg_prices": {"resource_type": "model", "name": "stg_prices",
                                 "depends_on": {"nodes": ["source.dcw.raw.prices", "source.dcw.raw.submissions"]}}}}
    assert downstream_of(["submissions"], manifest) == ["stg_submissions+"]
    assert "stg_submissions+" in downstream_of(["submissions"])
    # an incremental model that reads the log alone brings the incremental model it is built
    # on: their night's tests compare the rows both last wrote
    assert {"fct_price_deviation+", "int_sales_lines+"} <= set(downstream_of(["submissions"]))
    assert build_args(select=["a+", "b+"], exclude=["path:models/marts/forecast+"]) == [
        "build", "--select", "a+", "b+", "--exclude", "path:models/marts/forecast+"]
    assert build_args(False) == ["run"]
