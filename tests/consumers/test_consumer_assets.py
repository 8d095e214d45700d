"""The Dagster assets are thin: they read the warehouse resource, call the tested functions and say what
they wrote. Run them once each on hand-made marts, as the nightly run and the monthly close do."""

from datetime import date

import dagster as dg
import duckdb

from tests.consumers.consumer_data import create_marts, writeoff_marts
from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.reports.assets import writeoff_report
from pipelines.serving import serving_marts


def test_serving_then_the_monthly_close(tmp_path):
    wh = writeoff_marts(tmp_path / "warehouse.duckdb")
    create_marts(wh, """
        create table marts.fct_sell_through_monthly as
        select 'D000' || (1 + i % 3) as dealer_id, 'SKU1' as sku,
               cast(date '2025-01-01' + to_months(i // 3) as date) as month,
               cast(10 + i % 7 as decimal(18,4)) as sell_out_qty
        from range(3 * 14) as t(i);
    """)
    resources = {"warehouse": WarehouseResource.from_settings(Settings.for_warehouse(wh, as_of=date(2026, 11, 23)))}

    result = dg.materialize([serving_marts], resources=resources)
    assert result.success
    con = duckdb.connect(str(tmp_path / "serving" / "dcw.duckdb"), read_only=True)
    try:
        assert con.execute("select min(month), max(month) from marts.fct_sell_through_monthly").fetchone() == (date(2025, 1, 1), date(2026, 2, 1))
    finally:
        con.close()

    result = dg.materialize([writeoff_report], partition_key="2026-03-01", resources=resources)
    assert result.success
    assert sorted(p.name for p in (tmp_path / "reports" / "writeoff").iterdir()) == [
        "writeoff_2026-03.xlsx", "writeoff_2026-03_detail.csv", "writeoff_2026-03_summary.csv"]
