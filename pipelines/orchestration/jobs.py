"""Jobs, built from asset selections so they follow the graph as it grows.

Every job runs its steps in one process, one after another: each step opens the one DuckDB
warehouse, which takes a single writing process (see pipelines/core/lock.py). A failed step is
retried twice with exponential backoff, for what is transient (a full disk being cleaned, a
network share coming back); a data error fails the same way again and stops the run.
"""

from dagster import AssetSelection, Backoff, Jitter, RetryPolicy, define_asset_job, job

from pipelines.dbt import dbt_monthly_assets
from pipelines.reminders.ops import send_reminders
from pipelines.reports.assets import rebate_report, writeoff_report

RETRY = RetryPolicy(max_retries=2, delay=20, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

nightly_job = define_asset_job(
    "nightly",
    # the monthly reports are partitioned by month and belong to the monthly close; the
    # monthly dbt models are built by the dbt step of every model (pipelines/dbt.py), their
    # partitions are for backfills
    selection=AssetSelection.all() - AssetSelection.groups("reports") - AssetSelection.assets(dbt_monthly_assets),
    description="The whole nightly build: ingest new landing files, build the marts and the "
    "forecasts that changed since the last build (every one on the first), then publish the "
    "marts to the serving file.",
    op_retry_policy=RETRY,
    tags={"dcw/writes": "warehouse"},
)

ingest_job = define_asset_job(
    "ingestion",
    selection=AssetSelection.groups("ingestion"),
    description="Ingestion only: new landing files into the raw tables, with dealer feedback.",
    op_retry_policy=RETRY,
    tags={"dcw/writes": "warehouse"},
)

monthly_close_job = define_asset_job(
    "monthly_close",
    selection=[writeoff_report],
    description="Finance's monthly close: the expense write-off report of one month (a partition).",
    op_retry_policy=RETRY,
)


@job(
    name="reminders",
    description="The daily reminders (docs/reminders.md): late and missing reports, contract "
    "renewals and new stock alerts to dealers' contacts, channel managers and the group robot, "
    "each event once; failed deliveries wait in the outbox for the next run.",
    tags={"dcw/writes": "warehouse"},
)
def reminders_job():
    send_reminders()
quarterly_close_job = define_asset_job(
    "quarterly_close",
    selection=[rebate_report],
    description="Finance's quarterly close, the quarterly partition of the close: the rebate accrual "
    "report of one quarter (a partition).",
    op_retry_policy=RETRY,
)
