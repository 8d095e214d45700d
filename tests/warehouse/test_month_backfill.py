"""Backfills of months (dbt_project/README.md, "Incremental models"): the incremental line-level
models are Dagster assets partitioned by month; a run of a month range rebuilds exactly the rows
of those months from the raw layer as it is, and the next night does what it would have done
without it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from pipelines.core.resource import WarehouseResource
from pipelines.core.settings import Settings
from pipelines.dbt import build_warehouse, dbt_monthly_assets, dbt_resource
from pipelines.ingest import run_ingestion
from tests.dcw_runs import RUN_COLUMNS
from tests.landing_builder import DEALERS, SKUS, Landing
from tests.warehouse.test_incremental import contents

pytestmark = pytest.mark.slow

AS_OF = date(2025, 4, 10)
MONTHS = ("202501", "202502", "202503")
# each monthly model and the column that dates its rows
DATED = {"intermediate.int_sales_lines": "sale_date", "marts.fct_price_deviation": "sale_date",
         "intermediate.int_diversion_flags": "sale_date", "marts.fct_sell_through_monthly": "month"}


def sales(lb: Landing, dealer: str, month: str, version: int, submitted: str) -> None:
    day = f"{month[:4]}-{month[4:]}-{version + 10:02d}"
    lb.sales(dealer, month, [lb.sale(sale_date=day, qty=str(version + i), sku=SKUS[i % 2], invoice_no=f"I{version}{i}", batch_no="B9",
                                     customer_name=f"客户{version}") for i in range(2)], submitted=submitted)


def night(cfg: Settings, dbt: bool = True) -> None:
    with cfg.lock():
        run_ingestion(cfg.landing, cfg.warehouse, cfg.feedback, raw=cfg.raw)
        if dbt:
            build_warehouse(cfg, data_tests=False, changed_only=True)


def by_month(warehouse: Path) -> dict[tuple[str, str, str], list[tuple]]:
    """Each monthly model's rows per (table, month '2025-02', dealer), without the columns of the run."""
    out: dict[tuple[str, str, str], list[tuple]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, column in DATED.items():
            rel = con.table(table)
            # a customer key is named after the spelling first resolved, which two warehouses
            # may see in another order: the line's own spelling stands for it (test_incremental)
            cols = ", ".join(f'"{c}"' for c in rel.columns if c not in (*RUN_COLUMNS, "customer_key"))
            for row in con.execute(f"select strftime({column}, '%Y-%m'), dealer_id, {cols} from {table}").fetchall():
                out.setdefault((table, row[0], row[1]), []).append(row[2:])
    return {k: sorted(v, key=repr) for k, v in out.items()}


def backfill(cfg: Settings, first: str, last: str) -> None:
    """A backfill of the months `first` to `last` (partition keys), as the UI launches it: one run."""
    resources = {"dbt": dbt_resource(), "warehouse": WarehouseResource.from_settings(cfg)}
    result = materialize([dbt_monthly_assets], resources=resources, tags={
        "dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last})
    assert result.success
    assert {e.partition for e in result.get_asset_materialization_events()} == {first, last}
    assert [c.asset_check_key for c in result.get_asset_check_evaluations() if not c.passed] == []


def test_a_backfill_rebuilds_its_months_only_and_the_next_night_is_unaffected(tmp_path):
    lb = Landing(tmp_path / "landing")
    lb.standard_erp()
    for m, month in enumerate(MONTHS):
        for d, dealer in enumerate(DEALERS):
            sales(lb, dealer, month, 2 * m + d, submitted=f"2025{m + 2:02d}05T10000{d}")
    cfg = Settings.for_warehouse(tmp_path / "nightly" / "warehouse.duckdb", as_of=AS_OF, landing=lb.root)
    night(cfg)
    before = by_month(cfg.warehouse)
    assert {m for _, m, _ in before} == {"2025-01", "2025-02", "2025-03"}

    # new versions of February (D0001) and January (D0002) land; only February is backfilled
    sales(lb, DEALERS[0], "202502", 7, submitted="20250401T100000")
    sales(lb, DEALERS[1], "202501", 8, submitted="20250401T100001")
    night(cfg, dbt=False)
    backfill(cfg, "2025-02-01", "2025-02-01")
    after = by_month(cfg.warehouse)
    once = Settings.for_warehouse(tmp_path / "once" / "warehouse.duckdb", as_of=AS_OF, landing=lb.root)
    night(once)
    full = by_month(once.warehouse)

    # February is what a full build of the landing gives; January's new version is not picked
    # up; the stock of a month carries the previous one's closing, so fct_sell_through_monthly
    # is rebuilt from February on, from the lines as they are (January's old version)
    sell_through = "marts.fct_sell_through_monthly"
    rebuilt = {k for k in full if k[1] == "2025-02" and k[0] != sell_through} | {
        k for k in full if k[0] == sell_through and k[1] >= "2025-02" and k[2] == DEALERS[0]}
    assert rebuilt and all(after[k] == full[k] for k in rebuilt), sorted(k for k in rebuilt if after[k] != full[k])
    assert all(after[k] == before[k] for k in before.keys() - rebuilt), sorted(k for k in before.keys() - rebuilt
                                                                              if after.get(k) != before[k])
    assert after.keys() == before.keys()
    # each monthly model has rows that the new versions change: the months chosen were rebuilt,
    # the others were not
    for table in DATED:
        assert any(after[k] != before[k] for k in rebuilt if k[0] == table), table
        assert any(after[k] != full[k] for k in before.keys() - rebuilt if k[0] == table), table
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        seen = con.execute("select count(distinct batch_id) from meta.dbt_increments where model = 'int_sales_lines'").fetchone()[0]
        batches = con.execute("select count(distinct batch_id) from raw.submissions").fetchone()[0]
    assert seen == batches - 1, "the backfill recorded the new batch as seen"

    # the next night takes January's new version (the batch the backfill did not record): the
    # warehouse is then the full build's, mart for mart
    night(cfg)
    assert contents(cfg.warehouse) == contents(once.warehouse)
