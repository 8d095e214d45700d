"""The customer resolution as a Dagster asset between the ingestion and dbt: it reads the raw
sales rows and writes `raw/customer_records`, the table dbt's staging joins to every sales
line (docs/customers.md). Thin: the work is in resolve.py."""

import dagster as dg

from pipelines.core.resource import WarehouseResource
from pipelines.customers.resolve import resolve

KEY = dg.AssetKey(["raw", "customer_records"])


@dg.asset(
    key=KEY,
    deps=[dg.AssetKey(["raw", "sales"])],
    group_name="ingestion",
    kinds={"splink", "parquet"},
    description="客户识别 Customer resolution: each spelling of an end customer in a city, with its "
                "stable customer_key (Splink; incremental, docs/customers.md).",
)
def customer_records(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    s = warehouse.settings
    with s.lock(log=context.log.info):
        summary = resolve(s.raw)
    context.log.info(summary.line())
    return dg.MaterializeResult(metadata={
        "records": summary.records, "new_records": summary.new_records,
        "customers": summary.customers, "new_customers": summary.new_customers,
        "seconds": round(summary.seconds, 2)})
