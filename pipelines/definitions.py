"""The one Definitions of the dcw code location (workspace.yaml points here).

Lineage in the UI runs landing files -> raw tables (ingestion) -> staging -> intermediate ->
marts (dbt), with the conservation check and dbt's data tests as asset checks.
"""

from dagster import Definitions

from pipelines.dbt import dbt_resource, dbt_warehouse_assets
from pipelines.ingest.assets import ingest_assets, ingest_checks
from pipelines.ops.jobs import ingest_job, nightly_job
from pipelines.ops.schedules import nightly_schedule
from pipelines.ops.sensors import landing_sensor, run_failure_alert

defs = Definitions(
    assets=[*ingest_assets, dbt_warehouse_assets],
    asset_checks=[*ingest_checks],
    jobs=[nightly_job, ingest_job],
    schedules=[nightly_schedule],
    sensors=[landing_sensor, run_failure_alert],
    resources={"dbt": dbt_resource()},
)
