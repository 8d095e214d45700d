"""Hand-made inputs for the consumer tests: synthetic sell-out series, and marts written into
a DuckDB file with the tables and columns docs/marts.md publishes (so these tests do not need the
whole pipeline)."""

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pipelines.forecast import add_months

DEALERS = [("D0001", "华盛家电有限公司", "华东"), ("D0002", "宏达电器有限公司", "华南"), ("D0003", "汇通商贸有限公司", "华东")]


def seasonal_sales(seed: int, skus: int, regions: int, months: int, start: date = date(2024, 10, 1)) -> pl.DataFrame:
    """sku, region, month, sell_out_qty: a sku's seasonal shape (shared by its regions, as a
    product's season is), a region's level and trend, Poisson noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(skus):
        amplitude, phase = rng.uniform(0.2, 0.6), rng.uniform(0, 2 * np.pi)
        for r in range(regions):
            level, growth = rng.uniform(20, 90), rng.uniform(-0.01, 0.02)
            for i in range(months):
                m = add_months(start, i)
                lam = level * (1 + amplitude * np.sin(2 * np.pi * m.month / 12 + phase)) * (1 + growth) ** i
                rows.append((f"S{s:02d}", f"R{r}", m, float(rng.poisson(lam))))
    return pl.DataFrame(rows, schema=["sku", "region", "month", "sell_out_qty"], orient="row")


def sales_frame(series: dict[tuple[str, str], Iterable[float]], start: date) -> pl.DataFrame:
    """A sales frame from {(sku, region): monthly quantities from `start`}; None = no row
    (the series has not started yet)."""
    rows = [(sku, region, add_months(start, i), float(q))
            for (sku, region), qty in series.items() for i, q in enumerate(qty) if q is not None]
    return pl.DataFrame(rows, schema=["sku", "region", "month", "sell_out_qty"], orient="row")


def create_marts(path: Path, sql: str) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        con.execute(sql)
    finally:
        con.close()
    return path


def dim_dealer_sql(dealers=DEALERS) -> str:
    values = ", ".join(f"('{d}', '{n}', '{r}')" for d, n, r in dealers)
    return f"""
        create or replace table marts.dim_dealer as
        select * from (values {values}) as t(dealer_id, dealer_name, region);
    """


CAMPAIGNS = [("CP1", "春节焕新季"), ("CP2", "618 空净节")]
HYPERLINK = '=HYPERLINK("http://evil.example/x","点此领取")'
# claim_id, dealer_id, campaign_id, month, claimed, approved, status, reason_codes, expense_type, description
CLAIMS = [
    ("C1", "D0001", "CP1", "2026-03", "1234.56", "1234.56", "approved", None, "门店陈列", "堆头"),
    ("C2", "D0001", "CP1", "2026-03", "1000.10", "800.05", "partially_approved", "CAPPED_BY_SALES", "广告物料", None),
    ("C3", "D0002", "CP2", "2026-03", "0.03", "0", "rejected", "LATE_CLAIM", "促销员费用", HYPERLINK),
    ("C4", "D0002", "CPX", "2026-03", "99999999.99", "0", "rejected", "UNKNOWN_CAMPAIGN", "+cmd|' /C calc'!A0", "@SUM(1)"),
    ("C5", "D0001", "CP1", "2026-03", "0.10", "0.10", "approved", None, "试用品", None),
    ("C6", "D0001", "CP1", "2026-03", "0.20", "0.20", "approved", None, "试用品", "-2+3"),
    ("C7", "D0003", "CP2", "2026-03", "500.00", "0", "rejected", "CAPPED_BY_SALES,BUDGET_EXHAUSTED", "线上推广", None),
    ("C8", "D0001", "CP2", "2026-04", "70.70", "70.70", "approved", None, "试用品", None),
]


def writeoff_marts(path: Path, claims=CLAIMS) -> Path:
    """dim_dealer, dim_campaign and fct_expense_writeoff with the columns docs/marts.md lists (plus
    expense_type, description and the source columns)."""
    campaigns = ", ".join(f"('{c}', '{n}')" for c, n in CAMPAIGNS)

    def lit(v):
        return "null" if v is None else "'" + v.replace("'", "''") + "'"

    rows = ", ".join(
        f"({lit(c)}, {lit(d)}, {lit(k)}, date '{m}-01', {claimed}, {approved}, {lit(s)}, {lit(r)}, {lit(e)}, {lit(t)}, {i + 1})"
        for i, (c, d, k, m, claimed, approved, s, r, e, t) in enumerate(claims)
    )
    return create_marts(path, dim_dealer_sql() + f"""
        create table marts.dim_campaign as select * from (values {campaigns}) as t(campaign_id, campaign_name);
        create table marts.fct_expense_writeoff (
            claim_id varchar, dealer_id varchar, campaign_id varchar, submitted_at timestamp,
            claimed_amount decimal(18,4), eligible_start date, eligible_end date,
            verified_sales_value decimal(18,4), cap_amount decimal(18,2), approved_amount decimal(18,4),
            status varchar, reason_codes varchar, writeoff_month date, expense_type varchar,
            description varchar, source_file varchar, source_row integer);
        {"insert into marts.fct_expense_writeoff select claim_id, dealer_id, campaign_id, wm + interval 3 day + interval 9 hour, claimed, wm, wm + interval 20 day, claimed * 10, claimed * 0.8, approved, status, reason_codes, wm, expense_type, description, 'dealers/' || dealer_id || '/claims_' || dealer_id || '_20260405T101500.csv', n from (values " + rows + ") as t(claim_id, dealer_id, campaign_id, wm, claimed, approved, status, reason_codes, expense_type, description, n);" if claims else ""}
    """)


def promoted_sales(seed: int, skus: int = 8, regions: int = 4, months: int = 36,
                   start: date = date(2023, 10, 1)) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(sales with sku, category, region, month, sell_out_qty; campaigns with dim_campaign's
    category, region, start_date, end_date) of a world with known promotions: a sku's seasonal
    shape, a region's level and trend, Poisson noise, and sales × 1.6 on the days of a campaign
    in scope (docs/generator.md). Each year has a national Double 11 (November 1-11), a
    national spring campaign moving between January and February as Chinese New Year does,
    and per category one regional campaign of 30 days in a region and month drawn anew."""
    rng = np.random.default_rng(seed)
    names = [f"R{r}" for r in range(regions)]
    campaigns = []
    for year in range(start.year, add_months(start, months).year + 1):
        spring = date(year, 1, 5).toordinal() + int(rng.integers(0, 35))
        campaigns.append(("*", "*", date.fromordinal(spring), date.fromordinal(spring + 24)))
        campaigns.append(("*", "*", date(year, 11, 1), date(year, 11, 11)))
        for category in ("C0", "C1"):
            first = date(year, int(rng.integers(3, 10)), int(rng.integers(1, 20))).toordinal()
            campaigns.append((category, names[int(rng.integers(regions))], date.fromordinal(first), date.fromordinal(first + 29)))

    def share(category: str, region: str, month: date) -> float:
        days = set()
        for c, r, s, e in campaigns:
            if c in ("*", category) and r in ("*", region):
                days.update(range(max(s.toordinal(), month.toordinal()), min(e.toordinal(), add_months(month, 1).toordinal() - 1) + 1))
        return len(days) / (add_months(month, 1) - month).days

    rows = []
    for s in range(skus):
        category = f"C{s % 2}"
        amplitude, phase = rng.uniform(0.2, 0.5), rng.uniform(0, 2 * np.pi)
        for region in names:
            level, growth = rng.uniform(40, 120), rng.uniform(-0.01, 0.015)
            for i in range(months):
                m = add_months(start, i)
                lam = level * (1 + amplitude * np.sin(2 * np.pi * m.month / 12 + phase)) * (1 + growth) ** i
                rows.append((f"S{s:02d}", category, region, m, float(rng.poisson(lam * (1 + 0.6 * share(category, region, m))))))
    sales = pl.DataFrame(rows, schema=["sku", "category", "region", "month", "sell_out_qty"], orient="row")
    return sales, pl.DataFrame(campaigns, schema=["category", "region", "start_date", "end_date"], orient="row")
