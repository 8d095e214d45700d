"""When the nightly build runs: 02:00 China Standard Time, after the day's files are in."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from pipelines.ops.jobs import nightly_job

nightly_schedule = ScheduleDefinition(
    name="nightly_0200_shanghai",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=DefaultScheduleStatus.RUNNING,
    description="The whole nightly build at 02:00 Asia/Shanghai.",
)
