"""The Definitions of dcw: every asset, check, job, schedule and sensor, wired to one
`warehouse` resource.

Lineage in the UI runs landing files -> raw tables (ingestion) -> staging -> intermediate ->
marts (dbt; the forecasts are dbt Python models) -> the serving file, with the conservation check and dbt's data
tests and the Great Expectations suites as asset checks; the monthly write-off report hangs off the marts, one partition a month.

The code location (pipelines/definitions.py, what `dagster dev` and `dagster job execute`
load) builds them for the warehouse of the DCW_* environment; `dcw run` for the warehouse of
its options (pipelines/orchestration/nightly.py).
"""

from dagster import Definitions, in_process_executor

from pipelines.core.resource import WarehouseResource
from pipelines.customers.assets import customer_records
from pipelines.dbt import dbt_monthly_assets, dbt_resource, dbt_warehouse_assets
from pipelines.ingest.assets import ingest_assets, ingest_checks
from pipelines.orchestration.intraday import intraday_job
from pipelines.orchestration.jobs import (ingest_job, monthly_close_job, nightly_job, quarterly_close_job,
                                          reminders_job)
from pipelines.orchestration.schedules import (monthly_close_schedule, nightly_schedule,
                                               quarterly_close_schedule, reminders_schedule)
from pipelines.orchestration.sensors import landing_sensor, run_failure_alert
from pipelines.quality import ge_checks
from pipelines.reports.assets import rebate_report, replenishment_feedback, writeoff_report
from pipelines.serving import serving_marts


def build_definitions(warehouse: WarehouseResource) -> Definitions:
    return Definitions(
        assets=[*ingest_assets, customer_records, dbt_warehouse_assets, dbt_monthly_assets, serving_marts, writeoff_report,
                rebate_report, replenishment_feedback],
        asset_checks=[*ingest_checks, *ge_checks],
        jobs=[nightly_job, ingest_job, monthly_close_job, quarterly_close_job, reminders_job, intraday_job],
        schedules=[nightly_schedule, monthly_close_schedule, quarterly_close_schedule, reminders_schedule],
        sensors=[landing_sensor, run_failure_alert],
        resources={"dbt": dbt_resource(), "warehouse": warehouse},
        # steps one after another in the run's process: they share the one DuckDB warehouse
        executor=in_process_executor,
    )
