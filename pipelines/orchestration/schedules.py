"""When jobs run: the nightly build at 02:00 China Standard Time, after the day's files are in;
the monthly close at 06:00 on the 1st, for the month just ended (its partition); the quarterly
close at 06:00 on the 1st of January, April, July and October, for the quarter just ended; the
reminders at 08:00, after the nightly build and at the start of the working day."""

from dagster import DefaultScheduleStatus, ScheduleDefinition, build_schedule_from_partitioned_job

from pipelines.orchestration.jobs import monthly_close_job, nightly_job, quarterly_close_job, reminders_job

nightly_schedule = ScheduleDefinition(
    name="nightly_0200_shanghai",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=DefaultScheduleStatus.RUNNING,
    description="The whole nightly build at 02:00 Asia/Shanghai.",
)

monthly_close_schedule = build_schedule_from_partitioned_job(
    monthly_close_job, hour_of_day=6, default_status=DefaultScheduleStatus.RUNNING
)

quarterly_close_schedule = build_schedule_from_partitioned_job(
    quarterly_close_job, default_status=DefaultScheduleStatus.RUNNING
)

reminders_schedule = ScheduleDefinition(
    name="reminders_0800_shanghai",
    job=reminders_job,
    cron_schedule="0 8 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=DefaultScheduleStatus.RUNNING,
    description="The daily reminders at 08:00 Asia/Shanghai, after the nightly build (02:00).",
)
