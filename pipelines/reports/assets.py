"""The monthly close's asset: `writeoff_report`, one partition per month (the partition key is
the month's first day). Its job and schedule are in pipelines/orchestration.

Partitions start at `FIRST_MONTH` (2024-01-01, before any data dcw has seen; a month without
claims gives an empty report with a note). A monthly partition exists once the month is over,
so the schedule writes last month's report on the 1st.
"""

from datetime import date

import dagster as dg

from pipelines.core.resource import WarehouseResource
from pipelines.reports.rebate import write_rebate_report
from pipelines.reports.replenishment import write_replenishment_feedback
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


# Quarters start on the first day of January, April, July and October (the partition key); a
# quarter's partition exists once it is over, so the quarterly close writes the quarter just
# ended. The windows turn at 06:00, when the close runs: Dagster offsets a schedule's hour only
# for its standard cadences, not for a cron-defined one like this.
quarterly = dg.TimeWindowPartitionsDefinition(start=FIRST_MONTH, cron_schedule="0 6 1 1,4,7,10 *", fmt="%Y-%m-%d")


def quarter_of(partition_key: str) -> str:
    """'2025-04-01' -> '2025-Q2'."""
    return f"{partition_key[:4]}-Q{(int(partition_key[5:7]) - 1) // 3 + 1}"


@dg.asset(
    partitions_def=quarterly,
    group_name="reports",
    deps=[dg.AssetKey(["marts", t]) for t in ("fct_rebate_accrual", "dim_dealer", "fct_diversion_flags",
                                              "fct_price_deviation")],
    description="返利计提: the quarter's rebate accrual report for all dealers (XLSX + CSV) "
                "under $DCW_REPORTS/rebate/.",
)
def rebate_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    quarter = quarter_of(context.partition_key)
    cfg = warehouse.settings
    out_dir = cfg.reports / "rebate"
    with cfg.lock(log=context.log.info):
        files = [p for fmt in ("xlsx", "csv") for p in write_rebate_report(cfg.warehouse, quarter, None, fmt, out_dir)]
    context.log.info(f"rebate {quarter}: {', '.join(p.name for p in files)}")
    return dg.MaterializeResult(metadata={"folder": str(out_dir), "files": [p.name for p in files]})


@dg.asset(
    group_name="feedback",
    deps=[dg.AssetKey(["marts", t]) for t in ("rpt_replenishment", "dim_product", "dim_dealer")],
    description="补货建议: each dealer's suggested orders (rpt_replenishment) as "
                "replenishment_<dealer>_<YYYYMM>.csv/.xlsx in its feedback folder, when "
                "DCW_FEEDBACK_REPLENISHMENT=1; nothing otherwise.",
)
def replenishment_feedback(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    cfg = warehouse.settings
    if not cfg.feedback_replenishment:
        context.log.info("replenishment suggestions to dealers are off (DCW_FEEDBACK_REPLENISHMENT)")
        return dg.MaterializeResult(metadata={"files": 0})
    with cfg.lock(log=context.log.info), cfg.connect(read_only=True) as con:
        files = write_replenishment_feedback(con, cfg.feedback)
    context.log.info(f"replenishment suggestions: {len(files)} files under {cfg.feedback}")
    return dg.MaterializeResult(metadata={"folder": str(cfg.feedback), "files": len(files)})
