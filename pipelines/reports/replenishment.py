"""补货建议: each dealer's rows of `marts.rpt_replenishment` (the suggested order per sku for
the coming month, with the formula's inputs) as a file in the dealer's feedback folder, when
the company sends the suggestions to its dealers (DCW_FEEDBACK_REPLENISHMENT=1; docs/feedback.md).

The mart is built after the ingestion, so the suggestions cannot travel inside a night's
审核反馈: they are written by their own asset downstream of the mart, once the build is done,
as `<feedback>/<dealer_id>/replenishment_<dealer_id>_<YYYYMM>.csv` and `.xlsx` (YYYYMM: the
month the order is for). A later night rewrites the month's file with its newer figures.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.reports.marts import as_decimal, dict_rows
from pipelines.reports.sheets import COUNT, DATE, FRACTION, QUANTITY, Column, Table, write_csv, write_xlsx

MART = "rpt_replenishment"
# (column of the mart or of dim_product, how the dealer reads it), in the file's order
COLUMNS: tuple[tuple[str, Column], ...] = (
    ("sku", Column("产品编码 SKU")),
    ("product_name", Column("产品名称 Product")),
    ("month", Column("订货月份 Order for", DATE)),
    ("stock_month", Column("库存截至月份 Stock as of month end", DATE)),
    ("on_hand_qty", Column("在手库存 On hand", QUANTITY)),
    ("in_transit_qty", Column("在途 In transit", QUANTITY)),
    ("sell_out_qty_3m", Column("近3个月销量 Sell-out, 3 months", QUANTITY)),
    ("demand_share", Column("需求份额 Demand share", FRACTION)),
    ("region_forecast_qty", Column("区域预测销量 Region forecast", QUANTITY)),
    ("region_forecast_hi", Column("区域预测上限 Region forecast, upper bound", QUANTITY)),
    ("demand_qty", Column("预计需求 Demand", QUANTITY)),
    ("safety_stock_qty", Column("安全库存 Safety stock", QUANTITY)),
    ("target_stock_qty", Column("目标库存 Target stock", QUANTITY)),
    ("suggested_order_qty", Column("建议订货量 Suggested order", COUNT, total=True)),
    ("formula", Column("计算式 Formula")),
)
NOTE = ("建议订货量 = max(0, 向上取整(预计需求 + 安全库存 - 在手库存 - 在途))；预计需求 = 区域预测销量 × 需求份额，"
        "安全库存 = (区域预测上限 - 区域预测销量) × 需求份额，需求份额 = 您近3个月的销量占本区域的比例 | "
        "Suggested order = max(0, ceil(demand + safety stock - on hand - in transit)); demand = region "
        "forecast x demand share, safety stock = (upper bound - forecast) x demand share, demand share = "
        "your share of the region's sell-out in the last 3 months")


def dealer_tables(con) -> dict[str, Table]:
    """dealer_id -> the dealer's suggestions as a report table (one row per sku, by sku);
    empty when the warehouse has no replenishment mart (not built yet, or a target without
    the forecast)."""
    present = con.execute("select count(*) from duckdb_tables() where schema_name = 'marts' "
                          "and table_name = ? and database_name = current_database()", [MART]).fetchone()[0]
    if not present:
        return {}
    names = ", ".join(f"p.{c}" if c == "product_name" else f"r.{c}" for c, _ in COLUMNS)
    rows, _ = dict_rows(con.execute(
        f"""select r.dealer_id, d.dealer_name, {names}
            from marts.{MART} as r
            left join marts.dim_product as p on p.sku = r.sku
            left join marts.dim_dealer as d on d.dealer_id = r.dealer_id
            order by r.dealer_id, r.sku"""))
    tables: dict[str, Table] = {}
    for r in rows:
        if r["dealer_id"] not in tables:
            tables[r["dealer_id"]] = Table(
                name="补货建议", note=NOTE, columns=[c for _, c in COLUMNS],
                title=f"补货建议 Replenishment suggestion: {r['dealer_id']} {r['dealer_name'] or ''}, "
                      f"{r['month']:%Y-%m}")
        tables[r["dealer_id"]].rows.append(tuple(
            as_decimal(r[c]) if col.kind == QUANTITY else r[c] for c, col in COLUMNS))
    return tables


def file_stem(dealer_id: str, table: Table) -> str:
    month = table.rows[0][2]  # every row of a night's mart is for the same month
    return f"replenishment_{dealer_id}_{month:%Y%m}"


def write_replenishment_feedback(con, feedback: Path) -> list[Path]:
    """Each dealer's suggestions into its feedback folder (CSV and XLSX); the paths written."""
    written: list[Path] = []
    for dealer_id, table in dealer_tables(con).items():
        stem = feedback / dealer_id / file_stem(dealer_id, table)
        written += [write_csv(stem.with_suffix(".csv"), table), write_xlsx(stem.with_suffix(".xlsx"), [table])]
    return written
