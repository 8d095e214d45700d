"""Every figure of the dashboard: small pure functions of (Db, Filters), SQL over the serving
file's marts (docs/marts.md defines every column). A query declares the marts and columns it
reads in `NEEDS`; `run` skips a query whose mart or column the serving file does not hold
(yet), so a page shows a note instead of an error.

Filters narrow every query the same way: regions and dealers through the dealer
(`dim_dealer.region`, `UNKNOWN` for a dealer missing there, as the forecast does), categories
through the product (`dim_product.category`), months on the query's month column, both ends
included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipelines.dashboard.db import Db, Need
from pipelines.dashboard.export import mask_frame

M = "marts."


@dataclass(frozen=True)
class Filters:
    regions: tuple[str, ...] = ()
    dealers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    month_from: date | None = None
    month_to: date | None = None


def where(f: Filters, *, dealer: str | None = None, sku: str | None = None,
          month: str | None = None, region: str | None = None) -> tuple[str, list]:
    """The filters as SQL conditions on the given column expressions (None: the query has no
    such column and the filter does not apply), and their parameters."""
    conds, params = ["true"], []
    if f.regions:
        if region is not None:
            conds.append(f"list_contains(?, {region})")
            params.append(list(f.regions))
        elif dealer is not None:
            conds.append(f"list_contains(?, (select coalesce(max(d.region), 'UNKNOWN') "
                         f"from {M}dim_dealer d where d.dealer_id = {dealer}))")
            params.append(list(f.regions))
    if f.dealers and dealer is not None:
        conds.append(f"list_contains(?, {dealer})")
        params.append(list(f.dealers))
    if f.categories and sku is not None:
        conds.append(f"{sku} in (select p.sku from {M}dim_product p where list_contains(?, p.category))")
        params.append(list(f.categories))
    if month is not None:
        if f.month_from is not None:
            conds.append(f"{month} >= ?")
            params.append(f.month_from)
        if f.month_to is not None:
            conds.append(f"{month} <= ?")
            params.append(f.month_to)
    return " and ".join(conds), params


NEEDS: dict[str, Need] = {}


def needs(**tables: tuple[str, ...]):
    """Declare the marts and columns a query reads."""

    def register(fn):
        NEEDS[fn.__name__] = Need(tables)
        return fn

    return register


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame | None
    missing: list[str]  # what the serving file lacks; frame is None when not empty


def run(db: Db, query: Callable[..., pd.DataFrame], f: Filters, *args) -> Result:
    """`query` on `db`, or the marts and columns it misses; phone numbers masked either way."""
    lacking = NEEDS[query.__name__].missing(db.schema) if query.__name__ in NEEDS else []
    if lacking:
        return Result(None, lacking)
    return Result(mask_frame(query(db, f, *args)), [])


_DEALER = {"dim_dealer": ("dealer_id", "dealer_name", "region")}
_PRODUCT = {"dim_product": ("sku", "category")}
_REGION = f"coalesce((select max(d.region) from {M}dim_dealer d where d.dealer_id = t.dealer_id), 'UNKNOWN')"


# ---- filter choices ------------------------------------------------------------------------

def choices(db: Db) -> dict[str, list]:
    """What the filters offer: regions, dealers (id, name, region), categories, months."""
    out: dict[str, list] = {"regions": [], "dealers": [], "categories": [], "months": []}
    if db.has("dim_dealer", "dealer_id", "dealer_name", "region"):
        out["dealers"] = db.con.execute(
            f"select dealer_id, dealer_name, region from {M}dim_dealer order by dealer_id").fetchall()
        out["regions"] = sorted({r for _, _, r in out["dealers"] if r is not None})
    if db.has("dim_product", "category"):
        out["categories"] = [c for (c,) in db.con.execute(
            f"select distinct category from {M}dim_product where category is not null order by 1").fetchall()]
    if db.has("fct_sell_through_monthly", "month"):
        out["months"] = [m for (m,) in db.con.execute(
            f"select distinct month from {M}fct_sell_through_monthly order by 1").fetchall()]
    return out


# ---- overview (总览) -------------------------------------------------------------------------

_ST = ("dealer_id", "sku", "month", "sell_in_qty", "sell_out_qty", "closing_qty")


@needs(fct_sell_through_monthly=_ST, **_DEALER, **_PRODUCT)
def overview_totals(db: Db, f: Filters) -> pd.DataFrame:
    """One row: sell-in and sell-out over the months chosen, stock at the end of the last one,
    and how many dealers."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="t.month")
    return db.frame(f"""
        with t as (select * from {M}fct_sell_through_monthly t where {cond})
        select sum(sell_in_qty)::double as sell_in_qty, sum(sell_out_qty)::double as sell_out_qty,
               sum(closing_qty) filter (where month = (select max(month) from t))::double as closing_qty,
               max(month) as last_month, count(distinct dealer_id) as dealers
        from t""", params)


@needs(fct_sell_through_monthly=_ST, **_DEALER, **_PRODUCT)
def overview_by_region_month(db: Db, f: Filters) -> pd.DataFrame:
    """Region × month: sell-in, sell-out, closing stock (and goods in transit where the mart
    has them)."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="t.month")
    transit = (", sum(t.in_transit_qty)::double as in_transit_qty"
               if db.has("fct_sell_through_monthly", "in_transit_qty") else "")
    return db.frame(f"""
        select {_REGION} as region, t.month, sum(t.sell_in_qty)::double as sell_in_qty,
               sum(t.sell_out_qty)::double as sell_out_qty, sum(t.closing_qty)::double as closing_qty{transit}
        from {M}fct_sell_through_monthly t where {cond}
        group by all order by region, t.month""", params)


@needs(fct_forecast=("level", "sku", "region", "month", "forecast_qty", "forecast_lo", "forecast_hi"),
       fct_sell_through_monthly=_ST, **_DEALER, **_PRODUCT)
def forecast_by_region_month(db: Db, f: Filters) -> pd.DataFrame:
    """Region × month: actual sell-out (the months chosen) and the forecast with its 80 %
    interval (every forecast month). The bounds are summed over products: an envelope of the
    series' intervals, wider than the sum's own 80 % interval. A dealer filter does not apply
    (the forecast is per product and region)."""
    a_cond, a_params = where(f, dealer="t.dealer_id", sku="t.sku", month="t.month")
    f_cond, f_params = where(Filters(regions=f.regions, categories=f.categories),
                             sku="t.sku", region="t.region")
    return db.frame(f"""
        select region, month, sum(actual_qty)::double as actual_qty, sum(forecast_qty) as forecast_qty,
               sum(forecast_lo) as forecast_lo, sum(forecast_hi) as forecast_hi
        from (
            select {_REGION} as region, t.month, t.sell_out_qty as actual_qty,
                   null::double as forecast_qty, null::double as forecast_lo, null::double as forecast_hi
            from {M}fct_sell_through_monthly t where {a_cond}
            union all
            select t.region, t.month, null, t.forecast_qty, t.forecast_lo, t.forecast_hi
            from {M}fct_forecast t where t.level = 'sku_region' and {f_cond}
        ) group by all order by region, month""", a_params + f_params)


# ---- dealer (经销商) -------------------------------------------------------------------------

@needs(**_DEALER)
def dealers(db: Db, f: Filters) -> pd.DataFrame:
    """The dealers the region and dealer filters leave."""
    cond, params = where(f, dealer="t.dealer_id")
    return db.frame(f"select t.dealer_id, t.dealer_name, t.region, t.tier, t.status from {M}dim_dealer t "
                    f"where {cond} order by t.dealer_id", params)


_SCORE = ("dealer_id", "month", "composite_score", "suggested_tier", "current_tier", "timeliness",
          "days_late", "quarantined_row_share", "flagged_line_share", "inventory_accuracy",
          "sell_out_value", "sales_due_date", "first_sales_submitted_at")


@needs(fct_dealer_scorecard=_SCORE)
def scorecard_history(db: Db, f: Filters, dealer: str) -> pd.DataFrame:
    """The dealer's scorecard by month, newest first."""
    cond, params = where(f, month="t.month")
    return db.frame(f"""
        select t.month, t.composite_score, t.suggested_tier, t.current_tier, t.timeliness, t.days_late,
               t.sales_due_date, t.first_sales_submitted_at, t.quarantined_row_share,
               t.flagged_line_share, t.inventory_accuracy, t.sell_out_value::double as sell_out_value
        from {M}fct_dealer_scorecard t where t.dealer_id = ? and {cond}
        order by t.month desc""", [dealer, *params])


_FLAGS = ("source_file", "source_row", "dealer_id", "sku", "sale_date", "qty", "rule", "evidence",
          "source_dealer_ids", "batch_no", "customer_city_code")


@needs(fct_diversion_flags=_FLAGS, **_PRODUCT)
def dealer_flags(db: Db, f: Filters, dealer: str) -> pd.DataFrame:
    """The dealer's diversion flags with their evidence and the line they come from."""
    cond, params = where(f, sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select t.sale_date, t.sku, t.qty::double as qty, t.rule, t.evidence, t.batch_no,
               t.customer_city_code, t.source_dealer_ids, t.source_file, t.source_row
        from {M}fct_diversion_flags t where t.dealer_id = ? and {cond}
        order by t.sale_date desc, t.source_file, t.source_row, t.rule""", [dealer, *params])


_PRICE = ("dealer_id", "sku", "sale_date", "qty", "deviation_pct", "is_below_floor", "unit_price",
          "guide_price", "source_file", "source_row")


@needs(fct_price_deviation=_PRICE, **_PRODUCT)
def dealer_price_by_month(db: Db, f: Filters, dealer: str) -> pd.DataFrame:
    """The dealer's resale prices against the guide price by month: lines, mean and lowest
    deviation, lines below the floor price (internal analytics, never a penalty)."""
    cond, params = where(f, sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select date_trunc('month', t.sale_date)::date as month, count(*) as lines,
               avg(t.deviation_pct) as mean_deviation_pct, min(t.deviation_pct) as min_deviation_pct,
               count(*) filter (where t.is_below_floor) as below_floor_lines
        from {M}fct_price_deviation t where t.dealer_id = ? and {cond}
        group by all order by month desc""", [dealer, *params])


@needs(fct_price_deviation=_PRICE, **_PRODUCT)
def dealer_price_lines(db: Db, f: Filters, dealer: str, limit: int = 200) -> pd.DataFrame:
    """The dealer's lines furthest from the guide price, with their source."""
    cond, params = where(f, sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select t.sale_date, t.sku, t.qty::double as qty, t.unit_price::double as unit_price,
               t.guide_price::double as guide_price, t.deviation_pct, t.is_below_floor,
               t.source_file, t.source_row
        from {M}fct_price_deviation t where t.dealer_id = ? and {cond} and t.deviation_pct is not null
        order by abs(t.deviation_pct) desc, t.source_file, t.source_row limit {int(limit)}""",
        [dealer, *params])


_STOCK = ("dealer_id", "sku", "month", "opening_qty", "sell_in_qty", "sell_out_qty", "closing_qty",
          "reported_closing_qty", "weeks_of_cover")


@needs(fct_sell_through_monthly=_STOCK, **_PRODUCT)
def dealer_stock(db: Db, f: Filters, dealer: str) -> pd.DataFrame:
    """The dealer's stock by product in the last month chosen."""
    cond, params = where(f, sku="t.sku", month="t.month")
    transit = (", t.in_transit_qty::double as in_transit_qty"
               if db.has("fct_sell_through_monthly", "in_transit_qty") else "")
    return db.frame(f"""
        with t as (select * from {M}fct_sell_through_monthly t where t.dealer_id = ? and {cond})
        select t.month, t.sku, t.opening_qty::double as opening_qty, t.sell_in_qty::double as sell_in_qty,
               t.sell_out_qty::double as sell_out_qty, t.closing_qty::double as closing_qty{transit},
               t.reported_closing_qty::double as reported_closing_qty, t.weeks_of_cover
        from t where t.month = (select max(month) from t) order by t.sku""", [dealer, *params])


_ALERTS = ("dealer_id", "sku", "month", "alert_level", "reason", "closing_qty", "weeks_of_cover", "advice")


@needs(rpt_inventory_alerts=_ALERTS, **_PRODUCT)
def alerts(db: Db, f: Filters) -> pd.DataFrame:
    """Stock alerts of the newest month (the mart holds no other), for the dealers chosen."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="t.month")
    return db.frame(f"""
        select t.dealer_id, t.sku, t.month, t.alert_level, t.reason, t.closing_qty::double as closing_qty,
               t.weeks_of_cover, t.advice
        from {M}rpt_inventory_alerts t where {cond} order by t.alert_level, t.dealer_id, t.sku""", params)


@needs(agg_dealer_coverage_monthly=("dealer_id", "month", "active_customers", "new_customers", "cities_covered"))
def dealer_coverage(db: Db, f: Filters, dealer: str) -> pd.DataFrame:
    """The dealer's customers by month (the customers marts, once published)."""
    cond, params = where(f, month="t.month")
    return db.frame(f"""
        select t.month, t.active_customers, t.new_customers, t.cities_covered
        from {M}agg_dealer_coverage_monthly t where t.dealer_id = ? and {cond} order by t.month desc""",
        [dealer, *params])


# ---- diversion (窜货) ------------------------------------------------------------------------

@needs(fct_diversion_flags=_FLAGS, **_DEALER, **_PRODUCT)
def flags_by_rule_month(db: Db, f: Filters) -> pd.DataFrame:
    """Month × rule: flags and their units."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select date_trunc('month', t.sale_date)::date as month, t.rule, count(*) as flags,
               sum(t.qty)::double as qty
        from {M}fct_diversion_flags t where {cond} group by all order by month, t.rule""", params)


@needs(fct_diversion_flags=_FLAGS, **_DEALER, **_PRODUCT)
def flags_by_region_rule(db: Db, f: Filters) -> pd.DataFrame:
    """Region × rule: flags, their units and the dealers involved."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select {_REGION} as region, t.rule, count(*) as flags, sum(t.qty)::double as qty,
               count(distinct t.dealer_id) as dealers
        from {M}fct_diversion_flags t where {cond} group by all order by region, t.rule""", params)


@needs(fct_diversion_flags=_FLAGS, **_DEALER, **_PRODUCT)
def flagged_dealers(db: Db, f: Filters) -> pd.DataFrame:
    """The dealers whose lines fired a rule: flags, lines, units, the rules."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select t.dealer_id, any_value(d.dealer_name) as dealer_name, {_REGION} as region,
               count(*) as flags, count(distinct (t.source_file, t.source_row)) as flagged_lines,
               sum(t.qty)::double as qty, string_agg(distinct t.rule, ',' order by t.rule) as rules
        from {M}fct_diversion_flags t left join {M}dim_dealer d using (dealer_id)
        where {cond} group by t.dealer_id order by flags desc, t.dealer_id""", params)


@needs(fct_diversion_flags=_FLAGS, **_DEALER, **_PRODUCT)
def flagged_batches(db: Db, f: Filters) -> pd.DataFrame:
    """The batches behind foreign- and unknown-batch flags: who sold them, who received them."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select t.sku, t.batch_no, t.rule, count(*) as flags, sum(t.qty)::double as qty,
               string_agg(distinct t.dealer_id, ',' order by t.dealer_id) as selling_dealers,
               string_agg(distinct t.source_dealer_ids, ',' order by t.source_dealer_ids) as receiving_dealers,
               min(t.sale_date) as first_sale, max(t.sale_date) as last_sale
        from {M}fct_diversion_flags t where t.batch_no is not null and {cond}
        group by all order by flags desc, t.sku, t.batch_no, t.rule""", params)


@needs(fct_diversion_flags=_FLAGS, **_DEALER, **_PRODUCT)
def flag_lines(db: Db, f: Filters) -> pd.DataFrame:
    """Every flag, with its evidence and source file and row."""
    cond, params = where(f, dealer="t.dealer_id", sku="t.sku", month="date_trunc('month', t.sale_date)")
    return db.frame(f"""
        select t.dealer_id, t.sale_date, t.sku, t.qty::double as qty, t.rule, t.evidence, t.batch_no,
               t.source_dealer_ids, t.source_file, t.source_row
        from {M}fct_diversion_flags t where {cond}
        order by t.sale_date desc, t.dealer_id, t.source_file, t.source_row, t.rule""", params)


@needs(agg_dealer_diversion_monthly=("dealer_id", "month", "negative_stock_skus", "negative_stock_sku_list"),
       **_DEALER)
def negative_stock(db: Db, f: Filters) -> pd.DataFrame:
    """Dealer × month with products below zero stock (the month-grain sign of diversion)."""
    cond, params = where(f, dealer="t.dealer_id", month="t.month")
    return db.frame(f"""
        select t.dealer_id, t.month, t.negative_stock_skus, t.negative_stock_sku_list
        from {M}agg_dealer_diversion_monthly t where t.negative_stock_skus > 0 and {cond}
        order by t.month desc, t.dealer_id""", params)


# ---- finance (费用与回报) --------------------------------------------------------------------

_WO = ("claim_id", "dealer_id", "campaign_id", "claimed_amount", "approved_amount", "status", "writeoff_month")


@needs(fct_expense_writeoff=_WO, **_DEALER)
def writeoff_totals(db: Db, f: Filters) -> pd.DataFrame:
    """One row: claims, claimed and approved amounts, rejected claims."""
    cond, params = where(f, dealer="t.dealer_id", month="t.writeoff_month")
    return db.frame(f"""
        select count(*) as claims, coalesce(sum(t.claimed_amount), 0)::decimal(18,2) as claimed_amount,
               coalesce(sum(t.approved_amount), 0)::decimal(18,2) as approved_amount,
               count(*) filter (where t.status = 'rejected') as rejected_claims
        from {M}fct_expense_writeoff t where {cond}""", params)


@needs(fct_expense_writeoff=_WO, **_DEALER)
def writeoff_by_month_status(db: Db, f: Filters) -> pd.DataFrame:
    """Write-off month × status: claims, claimed and approved amounts."""
    cond, params = where(f, dealer="t.dealer_id", month="t.writeoff_month")
    return db.frame(f"""
        select t.writeoff_month, t.status, count(*) as claims,
               sum(t.claimed_amount)::decimal(18,2) as claimed_amount,
               sum(t.approved_amount)::decimal(18,2) as approved_amount
        from {M}fct_expense_writeoff t where {cond} group by all order by t.writeoff_month, t.status""", params)


@needs(fct_expense_writeoff=_WO, dim_campaign=("campaign_id", "campaign_name"), **_DEALER)
def writeoff_by_campaign(db: Db, f: Filters) -> pd.DataFrame:
    """Campaign × write-off month: claims by status and the amounts."""
    cond, params = where(f, dealer="t.dealer_id", month="t.writeoff_month")
    return db.frame(f"""
        select t.campaign_id, any_value(c.campaign_name) as campaign_name, t.writeoff_month, count(*) as claims,
               count(*) filter (where t.status = 'approved') as approved_claims,
               count(*) filter (where t.status = 'partially_approved') as partially_approved_claims,
               count(*) filter (where t.status = 'rejected') as rejected_claims,
               sum(t.claimed_amount)::decimal(18,2) as claimed_amount,
               sum(t.approved_amount)::decimal(18,2) as approved_amount
        from {M}fct_expense_writeoff t left join {M}dim_campaign c using (campaign_id)
        where {cond} group by t.campaign_id, t.writeoff_month order by t.writeoff_month, t.campaign_id""", params)


_ROI = ("campaign_id", "dealer_id", "start_date", "end_date", "incremental_gross_margin", "approved_spend", "roi")


@needs(fct_campaign_roi=_ROI, dim_campaign=("campaign_id", "campaign_name"), **_DEALER)
def campaign_roi(db: Db, f: Filters) -> pd.DataFrame:
    """Campaign: spend, incremental gross margin and their return, over the dealers chosen
    (campaigns that overlap the months chosen); the return of the sums, as the mart defines
    it per dealer."""
    cond, params = where(f, dealer="t.dealer_id")
    if f.month_from is not None:
        cond += " and t.end_date >= ?"
        params.append(f.month_from)
    if f.month_to is not None:
        cond += " and date_trunc('month', t.start_date) <= ?"
        params.append(f.month_to)
    return db.frame(f"""
        select t.campaign_id, any_value(c.campaign_name) as campaign_name, min(t.start_date) as start_date,
               max(t.end_date) as end_date, count(*) as dealers,
               sum(t.approved_spend)::decimal(18,2) as approved_spend,
               sum(t.incremental_gross_margin)::decimal(18,2) as incremental_gross_margin,
               (sum(t.incremental_gross_margin) - sum(t.approved_spend))
                 / nullif(sum(t.approved_spend), 0)::double as roi
        from {M}fct_campaign_roi t left join {M}dim_campaign c using (campaign_id)
        where {cond} group by t.campaign_id order by start_date, t.campaign_id""", params)


@needs(fct_rebate_accrual=("dealer_id", "quarter", "rebate_amount", "status"))
def rebate_accrual(db: Db, f: Filters) -> pd.DataFrame:
    """Rebate accruals (返利计提) by dealer and quarter (the targets marts, once published)."""
    cond, params = where(f, dealer="t.dealer_id")
    return db.frame(f"select * from {M}fct_rebate_accrual t where {cond} order by t.quarter, t.dealer_id", params)


# ---- data quality (数据质量) -----------------------------------------------------------------

_SUB = ("source_file", "kind", "source", "dealer_id", "period_start", "status", "rows_read", "rows_quarantined")


@needs(dq_submissions=_SUB, **_DEALER)
def submissions_by_dealer(db: Db, f: Filters) -> pd.DataFrame:
    """Dealer: files by status, rows read and quarantined (months: the period a file reports)."""
    cond, params = where(f, dealer="t.dealer_id", month="date_trunc('month', t.period_start)")
    return db.frame(f"""
        select t.dealer_id, count(*) as files,
               count(*) filter (where t.status = 'accepted') as accepted,
               count(*) filter (where t.status = 'partially_accepted') as partially_accepted,
               count(*) filter (where t.status = 'rejected') as rejected,
               count(*) filter (where t.status = 'duplicate') as duplicate,
               count(*) filter (where t.status = 'superseded') as superseded,
               sum(t.rows_read) as rows_read, sum(t.rows_quarantined) as rows_quarantined,
               sum(t.rows_quarantined) / nullif(sum(t.rows_read), 0) as quarantined_row_share
        from {M}dq_submissions t where t.source = 'dealer' and {cond}
        group by t.dealer_id order by t.dealer_id""", params)


@needs(dq_quarantine=("source_file", "source_row", "dealer_id", "reason_codes", "submitted_at"),
       dq_submissions=("source_file", "period_start"), **_DEALER)
def quarantine_reasons(db: Db, f: Filters) -> pd.DataFrame:
    """Dealer × reason code: quarantined rows (a row with two reasons counts under both)."""
    cond, params = where(f, dealer="t.dealer_id", month="date_trunc('month', s.period_start)")
    return db.frame(f"""
        select t.dealer_id, trim(code) as reason_code, count(*) as rows
        from {M}dq_quarantine t left join {M}dq_submissions s using (source_file),
             unnest(string_split(t.reason_codes, ',')) as u(code)
        where {cond} group by all order by t.dealer_id, rows desc, reason_code""", params)


@needs(dq_submissions=("source_file", "dealer_id", "status", "reason_code", "period_start", "source"), **_DEALER)
def rejected_files(db: Db, f: Filters) -> pd.DataFrame:
    """Dealer files rejected, and why."""
    cond, params = where(f, dealer="t.dealer_id", month="date_trunc('month', t.period_start)")
    return db.frame(f"""
        select t.dealer_id, t.source_file, t.period_start, t.reason_code
        from {M}dq_submissions t where t.status = 'rejected' and t.source = 'dealer' and {cond}
        order by t.dealer_id, t.source_file""", params)


@needs(fct_dealer_scorecard=("dealer_id", "month", "timeliness", "days_late", "sales_due_date",
                             "first_sales_submitted_at"), **_DEALER)
def late_reports(db: Db, f: Filters) -> pd.DataFrame:
    """Who reported sales late or not at all, by month (newest first)."""
    cond, params = where(f, dealer="t.dealer_id", month="t.month")
    return db.frame(f"""
        select t.month, t.dealer_id, d.dealer_name, t.timeliness, t.days_late, t.sales_due_date,
               t.first_sales_submitted_at
        from {M}fct_dealer_scorecard t left join {M}dim_dealer d using (dealer_id)
        where t.timeliness in ('late', 'missing') and {cond}
        order by t.month desc, t.timeliness desc, t.days_late desc nulls first, t.dealer_id""", params)


@needs(fct_dealer_scorecard=("dealer_id", "month", "timeliness"), **_DEALER)
def timeliness_by_month(db: Db, f: Filters) -> pd.DataFrame:
    """Month: dealers on time, late, missing, not yet due."""
    cond, params = where(f, dealer="t.dealer_id", month="t.month")
    return db.frame(f"""
        select t.month, count(*) filter (where t.timeliness = 'on_time') as on_time,
               count(*) filter (where t.timeliness = 'late') as late,
               count(*) filter (where t.timeliness = 'missing') as missing,
               count(*) filter (where t.timeliness = 'not_due') as not_due
        from {M}fct_dealer_scorecard t where {cond} group by t.month order by t.month desc""", params)


@needs(rpt_reporting_status=("dealer_id", "month", "kind", "due_date", "received_at", "status", "days_overdue"),
       **_DEALER)
def reporting_status(db: Db, f: Filters) -> pd.DataFrame:
    """Reports due soon or overdue (the reminders marts, once published)."""
    cond, params = where(f, dealer="t.dealer_id", month="t.month")
    return db.frame(f"""
        select t.dealer_id, t.month, t.kind, t.due_date, t.received_at, t.status, t.days_overdue
        from {M}rpt_reporting_status t
        where t.status in ('overdue', 'due_soon') and {cond} order by t.due_date, t.dealer_id, t.kind""", params)


@needs(rpt_contract_renewals=("dealer_id", "contract_end", "days_left", "bucket"), **_DEALER)
def contract_renewals(db: Db, f: Filters) -> pd.DataFrame:
    """Dealer contracts ending within 90 days or already ended (the reminders marts)."""
    cond, params = where(f, dealer="t.dealer_id")
    return db.frame(f"""
        select t.dealer_id, t.contract_end, t.days_left, t.bucket
        from {M}rpt_contract_renewals t where {cond} order by t.days_left, t.dealer_id""", params)
