"""Sell-out forecasts per sku × region × month (`marts.fct_forecast`) and their backtest
(`marts.fct_forecast_accuracy`), as marts.md asks.

Series. Monthly sell-out qty of a sku in a region (the dealer's region in `dim_dealer`;
'UNKNOWN' for a dealer missing there, so no sale is dropped), from
the series' first month (the first month any dealer of the region has a row for the sku in
`fct_sell_through_monthly`, i.e. first activity) to the last complete month, months without
sales filled with 0. Months after the last complete month are incomplete and not used.

Model per series, decided on the history it is fitted on:
- fewer than `MIN_HISTORY` (7) months: `Naive` (last month), with its native interval. Seven
  is the least AutoETS fits without a seasonal part, and the least the conformal intervals
  need (two windows of 3 months plus one month to fit on).
- intermittent, ADI > 1.32 (average demand interval = months / months with sales, the
  Syntetos–Boylan cut-off; a series that never sold has ADI = ∞): `CrostonSBA`, whose 80%
  interval comes from statsforecast's ConformalIntervals (up to 5 windows of 3 months; Croston
  models have no native interval).
- otherwise `AutoETS`, fitted on the series divided by its sku's seasonal profile and
  multiplied back (interval too). The profile is pooled over all regions of the sku (ratio of
  each month to the mean of the 12-month window centred on it as far as the data allows,
  averaged per calendar month, normalised to mean 1, floored at 0.1); it needs 12 months of
  the sku's history, else the series is not adjusted. Why not AutoETS(season_length=12): with
  the two years of history dealers' data usually has (21 months in the backtest) its 11 extra
  seasonal states lose on AICc, it falls back to a non-seasonal model and loses to seasonal
  naive; the pooled profile is estimated from 7× the data and beats it.
Forecasts and interval bounds are clipped at 0 (sell-out is never negative), so
0 ≤ forecast_lo ≤ forecast_qty ≤ forecast_hi.

Backtest: every series with at least one month before the holdout is refitted (model choice
and sku profile included) on the months up to the last complete month − 3 and forecasts the 3
held-out months. Baselines: `seasonal_naive` = the same calendar month a year earlier, or,
where the series has no month a year earlier, the last training month (naive); `naive` = the
last training month. Layout of `fct_forecast_accuracy` (long, one row per series × method):
`sku`, `region`, `method` ('chosen' | 'seasonal_naive' | 'naive'), `model` (model the method
used on that series; '*' on the overall row of 'chosen', which mixes models), `holdout_start`,
`holdout_end`, `holdout_months`, `actual_qty`, `forecast_qty`, `abs_error_qty`,
`wape` = Σ|actual − forecast| / Σ actual, `bias` = Σ(forecast − actual) / Σ actual (both empty
when Σ actual = 0); plus one overall row per method with `sku` = `region` = '*', summed over the
same series for every method.
"""


import math
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
from statsforecast.models import AutoETS, CrostonSBA, Naive
from statsforecast.utils import ConformalIntervals

from pipelines.core.errors import UserError
from pipelines.core.resource import WarehouseResource

HORIZON = 3
LEVEL = 80
MIN_HISTORY = 7
ADI_INTERMITTENT = 1.32
SEASON = 12
PROFILE_FLOOR = 0.1
CONFORMAL_WINDOWS = 5
ALL = "*"
UNKNOWN_REGION = "UNKNOWN"

FORECAST_SCHEMA = {
    "sku": pl.String,
    "region": pl.String,
    "month": pl.Date,
    "forecast_qty": pl.Float64,
    "forecast_lo": pl.Float64,
    "forecast_hi": pl.Float64,
    "model": pl.String,
    "model_detail": pl.String,
    "interval_level": pl.Float64,
    "last_complete_month": pl.Date,
    "history_months": pl.Int32,
    "adi": pl.Float64,
    "zero_share": pl.Float64,
}
ACCURACY_SCHEMA = {
    "sku": pl.String,
    "region": pl.String,
    "method": pl.String,
    "model": pl.String,
    "holdout_start": pl.Date,
    "holdout_end": pl.Date,
    "holdout_months": pl.Int32,
    "actual_qty": pl.Float64,
    "forecast_qty": pl.Float64,
    "abs_error_qty": pl.Float64,
    "wape": pl.Float64,
    "bias": pl.Float64,
}
METHODS = ("chosen", "seasonal_naive", "naive")


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def forecast_origin(as_of: date, last_data_month: date | None) -> date:
    """The last complete month: the month before the as-of date's month, but no later than
    the last month in the data."""
    before = add_months(date(as_of.year, as_of.month, 1), -1)
    return before if last_data_month is None else min(before, last_data_month)


def adi(y: np.ndarray) -> float:
    """Average demand interval: months per month with sales (∞ if nothing ever sold)."""
    selling = int(np.count_nonzero(y > 0))
    return math.inf if selling == 0 else len(y) / selling


def seasonal_profile(total: np.ndarray, months: list[date]) -> np.ndarray | None:
    """Multiplicative index per calendar month (index 0 = January) of a series of consecutive
    months, or None with less than a year of data."""
    n = len(total)
    if n < SEASON:
        return None
    ratios: list[list[float]] = [[] for _ in range(SEASON)]
    for t in range(n):
        start = min(max(t - SEASON // 2, 0), n - SEASON)
        level = total[start:start + SEASON].mean()
        if level > 0:
            ratios[months[t].month - 1].append(total[t] / level)
    index = np.array([np.mean(r) if r else 1.0 for r in ratios])
    if index.mean() <= 0:
        return None
    return np.maximum(index / index.mean(), PROFILE_FLOOR)


@dataclass(frozen=True)
class Fit:
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    model: str
    detail: str


def fit_series(y: np.ndarray, months: list[date], profile: np.ndarray | None) -> Fit:
    """Forecast the HORIZON months after `months[-1]` of the series `y` (see module doc)."""
    future = [add_months(months[-1], h) for h in range(1, HORIZON + 1)]
    scale = np.ones(HORIZON)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsforecast's numeric warnings on flat series
        if len(y) < MIN_HISTORY:
            out = Naive().forecast(y=y, h=HORIZON, level=[LEVEL])
            model, detail = "Naive", f"Naive: only {len(y)} month(s) of history"
        elif adi(y) > ADI_INTERMITTENT:
            croston = CrostonSBA(prediction_intervals=ConformalIntervals(h=HORIZON, n_windows=CONFORMAL_WINDOWS))
            out = croston.forecast(y=y, h=HORIZON, level=[LEVEL])
            model, detail = "CrostonSBA", f"CrostonSBA, conformal interval (ADI {adi(y):.2f})"
        else:
            past = np.ones(len(y))
            if profile is not None:
                past, scale = profile[[m.month - 1 for m in months]], profile[[m.month - 1 for m in future]]
            ets = AutoETS(season_length=1).fit(y / past)
            out = ets.predict(h=HORIZON, level=[LEVEL])
            # statsforecast fits a constant series as ETS(A,N,N) without naming it
            model, detail = "AutoETS", ets.model_.get("method", "ETS(A,N,N)")
            if profile is not None:
                detail += " on sku-seasonally adjusted series"

    def bound(name: str) -> np.ndarray:
        values = np.asarray(out.get(name, out["mean"]), dtype=float) * scale
        return np.maximum(np.nan_to_num(values, nan=0.0), 0.0)

    mean = bound("mean")
    return Fit(mean, np.minimum(bound(f"lo-{LEVEL}"), mean), np.maximum(bound(f"hi-{LEVEL}"), mean), model, detail)


def monthly_series(sales: pl.DataFrame, last_complete_month: date) -> pl.DataFrame:
    """sku, region, month, qty: Σ sell_out_qty per sku × region × month, every month from the
    series' first row to `last_complete_month`, 0 where nothing sold."""
    sums = (
        sales.filter(pl.col("month") <= last_complete_month)
        .group_by("sku", "region", "month")
        .agg(qty=pl.col("sell_out_qty").cast(pl.Float64).fill_null(0).sum())
    )
    grid = (
        sums.group_by("sku", "region")
        .agg(first=pl.col("month").min())
        .with_columns(month=pl.date_ranges("first", pl.lit(last_complete_month), interval="1mo"))
        .explode("month")
        .drop("first")
    )
    return (
        grid.join(sums, on=["sku", "region", "month"], how="left")
        .with_columns(pl.col("qty").fill_null(0.0))
        .sort("sku", "region", "month")
    )


def _profiles(series: pl.DataFrame) -> dict[str, np.ndarray | None]:
    totals = series.group_by("sku", "month").agg(pl.col("qty").sum()).sort("sku", "month")
    return {
        sku: seasonal_profile(g["qty"].to_numpy(), g["month"].to_list())
        for (sku,), g in totals.group_by("sku", maintain_order=True)
    }


def _fits(series: pl.DataFrame):
    """(sku, region, months, y, Fit) for every series of the panel."""
    profiles = _profiles(series)
    for (sku, region), g in series.group_by("sku", "region", maintain_order=True):
        months, y = g["month"].to_list(), g["qty"].to_numpy()
        yield sku, region, months, y, fit_series(y, months, profiles[sku])


def forecast_table(series: pl.DataFrame, origin: date) -> pl.DataFrame:
    rows = []
    for sku, region, months, y, fit in _fits(series):
        a = adi(y)
        for h in range(HORIZON):
            rows.append({
                "sku": sku, "region": region, "month": add_months(origin, h + 1),
                "forecast_qty": float(fit.mean[h]), "forecast_lo": float(fit.lo[h]),
                "forecast_hi": float(fit.hi[h]), "model": fit.model, "model_detail": fit.detail,
                "interval_level": LEVEL / 100, "last_complete_month": origin,
                "history_months": len(y), "adi": None if math.isinf(a) else a,
                "zero_share": float(np.mean(y == 0)),
            })
    return pl.DataFrame(rows, schema=FORECAST_SCHEMA).sort("sku", "region", "month")


def baseline_forecasts(y: np.ndarray, months: list[date], horizon: int = HORIZON) -> dict[str, tuple[str, np.ndarray]]:
    """method -> (model, forecast) of the two baselines for the months after `months[-1]`."""
    naive = np.full(horizon, y[-1], dtype=float)
    if len(y) >= SEASON:
        seasonal = np.array([y[len(y) - SEASON + h] for h in range(horizon)], dtype=float)
        return {"seasonal_naive": ("SeasonalNaive", seasonal), "naive": ("Naive", naive)}
    return {"seasonal_naive": ("Naive", naive), "naive": ("Naive", naive)}


def _score(actual: float, forecast: float, abs_error: float) -> tuple[float | None, float | None]:
    """(WAPE, bias) from the sums over a series or over all of them."""
    if actual == 0:
        return None, None
    return abs_error / actual, (forecast - actual) / actual


def accuracy_table(series: pl.DataFrame, last_complete: date) -> pl.DataFrame:
    """Backtest: fit on months up to `last_complete` − HORIZON, score on the HORIZON after."""
    cut = add_months(last_complete, -HORIZON)
    start, end = add_months(cut, 1), last_complete
    train = series.filter(pl.col("month") <= cut)
    actuals = {
        (sku, region): g.sort("month")["qty"].to_numpy()
        for (sku, region), g in series.filter(pl.col("month") > cut).group_by("sku", "region")
    }
    rows, totals = [], {m: [0.0, 0.0, 0.0] for m in METHODS}
    for sku, region, months, y, fit in _fits(train):
        actual = actuals[(sku, region)]
        methods = {"chosen": (fit.model, fit.mean)} | baseline_forecasts(y, months)
        for method in METHODS:
            model, forecast = methods[method]
            a, f, e = float(actual.sum()), float(forecast.sum()), float(np.abs(actual - forecast).sum())
            for i, v in enumerate((a, f, e)):
                totals[method][i] += v
            rows.append((sku, region, method, model, a, f, e))
    if rows:
        for method in METHODS:
            model = {"chosen": ALL, "seasonal_naive": "SeasonalNaive", "naive": "Naive"}[method]
            rows.append((ALL, ALL, method, model, *totals[method]))
    return pl.DataFrame(
        [
            dict(zip(ACCURACY_SCHEMA, (s, r, m, mo, start, end, HORIZON, a, f, e, *_score(a, f, e))))
            for s, r, m, mo, a, f, e in rows
        ],
        schema=ACCURACY_SCHEMA,
    )


def build_forecasts(sales: pl.DataFrame, last_complete_month: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(fct_forecast, fct_forecast_accuracy) from `sales` (columns sku, region, month = first
    day, sell_out_qty; several rows per sku × region × month are summed)."""
    series = monthly_series(sales, last_complete_month)
    return forecast_table(series, last_complete_month), accuracy_table(series, last_complete_month)


# Summed in DuckDB: at 2000 dealers the series are as many, only the sums grow.
SALES_SQL = f"""
    select s.sku, coalesce(d.region, '{UNKNOWN_REGION}') as region, s.month,
           sum(cast(s.sell_out_qty as double)) as sell_out_qty
    from marts.fct_sell_through_monthly as s
    left join marts.dim_dealer as d on d.dealer_id = s.dealer_id
    group by all
"""


def write_forecasts(warehouse: Path, as_of: date) -> dict:
    """Read the sell-out from the warehouse, forecast, and replace marts.fct_forecast and
    marts.fct_forecast_accuracy in one transaction. Returns a few figures for the log."""
    if not Path(warehouse).exists():
        raise UserError(f"warehouse {warehouse} does not exist (run 'dcw run' first)")
    con = duckdb.connect(str(warehouse))
    try:
        try:
            sales = con.sql(SALES_SQL).pl()
        except duckdb.CatalogException as exc:
            raise UserError(f"warehouse {warehouse} lacks the marts the forecast reads ({str(exc).splitlines()[0]}); run 'dcw run' first") from None
        last_data = sales["month"].max() if sales.height else None
        origin = forecast_origin(as_of, last_data)
        forecast, accuracy = build_forecasts(sales, origin)
        con.register("forecast_rows", forecast.to_arrow())
        con.register("accuracy_rows", accuracy.to_arrow())
        con.execute("begin transaction")
        con.execute("create or replace table marts.fct_forecast as select * from forecast_rows")
        con.execute("create or replace table marts.fct_forecast_accuracy as select * from accuracy_rows")
        con.execute("commit")
    finally:
        con.close()
    overall = accuracy.filter(pl.col("sku") == ALL)
    wape = {r["method"]: r["wape"] for r in overall.iter_rows(named=True)}
    return {"last_complete_month": origin, "series": forecast.select("sku", "region").unique().height,
            "forecast_rows": forecast.height, "models": dict(forecast.group_by("model").len().iter_rows()),
            "overall_wape": wape}


FORECAST_KEY = dg.AssetKey(["marts", "fct_forecast"])
ACCURACY_KEY = dg.AssetKey(["marts", "fct_forecast_accuracy"])
FORECAST_DEPS = [dg.AssetKey(["marts", "fct_sell_through_monthly"]), dg.AssetKey(["marts", "dim_dealer"])]


@dg.multi_asset(
    name="forecast_marts",
    specs=[
        dg.AssetSpec(FORECAST_KEY, group_name="forecasts", deps=FORECAST_DEPS, kinds={"duckdb"},
                     description="Sell-out qty forecast per sku × region, 3 months past the last complete month, 80% interval."),
        dg.AssetSpec(ACCURACY_KEY, group_name="forecasts", deps=FORECAST_DEPS, kinds={"duckdb"},
                     description="Backtest on the last 3 complete months: WAPE and bias of the chosen model and the naive baselines."),
    ],
    can_subset=False,
)
def forecast_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    s = warehouse.settings
    with s.lock(log=context.log.info):
        summary = write_forecasts(s.warehouse, s.as_of)
    context.log.info(f"forecast: {summary}")
    meta = {
        "last_complete_month": str(summary["last_complete_month"]),
        "series": summary["series"],
        "overall_wape": dg.MetadataValue.json(summary["overall_wape"]),
    }
    yield dg.MaterializeResult(asset_key=FORECAST_KEY, metadata=meta | {"models": dg.MetadataValue.json(summary["models"])})
    yield dg.MaterializeResult(asset_key=ACCURACY_KEY, metadata=meta)
