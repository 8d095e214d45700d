"""The monthly close's asset: `writeoff_report`, one partition per month (the partition key is
the month's first day). Its job and schedule are in pipelines/orchestration.

Partitions start at `FIRST_MONTH` (2024-01-01, before any data dcw has seen; a month without
claims gives an empty report with a note). A monthly partition exists once the month is over,
so the schedule writes last month's report on the 1st.
"""

from datetime import date

import dagster as dg

from pipelines.core.resource import WarehouseResource
from pipelines.reports.close import close_month
from pipelines.reports.writeoff import write_writeoff_report

FIRST_MONTH = "2024-01-01"
monthly = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH)


@dg.asset(
    partitions_def=monthly,
    group_name="reports",
    deps=[dg.AssetKey(["marts", t]) for t in ("fct_expense_writeoff", "dim_dealer", "dim_campaign")],
    description="费用核销: the month's expense write-off report for all dealers (XLSX + CSV) "
                "under $DCW_REPORTS/writeoff/.",
)
def writeoff_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    month = context.partition_key[:7]
    cfg = warehouse.settings
    out_dir = cfg.reports / "writeoff"
    with cfg.lock(log=context.log.info):
        # The close: from now on this month's figures never change (pipelines/reports/close.py).
        first = date.fromisoformat(context.partition_key)
        if (first.year, first.month) < (cfg.as_of.year, cfg.as_of.month) and close_month(cfg, first):
            context.log.info(f"write-off month {month} closed")
        files = [
            p for fmt in ("xlsx", "csv")
            for p in write_writeoff_report(cfg.warehouse, month, None, fmt, out_dir)
        ]
    context.log.info(f"writeoff {month}: {', '.join(p.name for p in files)}")
    return dg.MaterializeResult(metadata={"folder": str(out_dir), "files": [p.name for p in files]})
