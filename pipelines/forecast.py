"""Sell-out forecasts per sku × region × month and their sums per category × region and
nationally (`marts.fct_forecast`), and their backtest (`marts.fct_forecast_accuracy`), as
docs/marts.md ("forecast/") defines them. The two marts are dbt Python models
(dbt_project/models/marts/forecast/), thin: they read the sell-out through `regional_sales`
and the campaign calendar (`dim_campaign`), and return `forecast_mart` / `accuracy_mart`
(polars frames: dbt-duckdb writes an Arrow table only after importing pyarrow.dataset, a
third of a second of the night's last models); everything else here is pure.

Series. Monthly sell-out qty of a sku in a region (the dealer's region in `dim_dealer`;
'UNKNOWN' for a dealer missing there, so no sale is dropped), from the series' first month
(first activity in `fct_sell_through_monthly`) to the last complete month, months without
sales filled with 0. Months after the last complete month are incomplete and not used.

Model per series, decided on the history it is fitted on:
- fewer than `MIN_HISTORY` (7) months: `Naive` (last month), with its native interval. Seven
  is the least the conformal intervals need (two windows of 3 months plus one to fit on).
- intermittent, ADI > 1.32 (average demand interval = months / months with sales, the
  Syntetos–Boylan cut-off; a series that never sold has ADI = ∞): `CrostonSBA`, whose 80%
  interval comes from statsforecast's ConformalIntervals (Croston has no native interval).
- otherwise `ThetaETS` (the mean of Theta and AutoETS), fitted on the series divided by its
  calendar and multiplied back: the campaign lift (1 + lift × the month's share of days in a
  campaign in scope, `Calendar`, the lift learnt by `campaign_lift`) times the seasonal
  profile pooled over the regions (`month_effects` of the sums with the lift taken out; a
  sku's shrunk toward its category's, `shrunk_profiles`). At sku × region the model is fitted
  on the sku's calendar-adjusted sum over its regions and the region gets its share of the
  last SHARE_MONTHS (`fit_level`). Why pooled, not a seasonal model: with the two years of
  history dealers' data usually has, 11 extra seasonal states lose on AICc and the model
  falls back to a non-seasonal one; the pooled profile is estimated from many series. The
  candidates and the rolling backtest that chose among them: docs/marts.md ("How the models
  were chosen").
Levels are reconciled top-down (`reconcile`) so category × region and national forecasts are the
sums of the sku × region ones, and the intervals are widened by the scale the rolling
backtest learnt (`interval_scales`). Forecasts and interval bounds are clipped at 0, so
0 ≤ forecast_lo ≤ forecast_qty ≤ forecast_hi.

Backtest (`backtest_points`): origin k = 0..ROLLING_ORIGINS-1 refits everything on the months
up to the last complete month − 3 − k and forecasts the 3 months after; origin 0 is the
spec's hold-out. Baselines: `seasonal_naive` = the same calendar month a year earlier, or,
where the series has no month a year earlier, the last training month; `naive` = the last
training month. The marts carry `input_hash`; a run on an unchanged input returns the mart
as it stands (`previous_mart`) instead of refitting. Each origin's forecasts are kept too
(`WarehouseFits`, by a digest of the months up to the origin), so a late file of the last
complete month, which changes no origin's training months, refits no origin.
"""


import hashlib
import math
import warnings
from dataclasses import dataclass
from functools import cached_property
from datetime import date

import duckdb
import numpy as np
import polars as pl

HORIZON = 3
LEVEL = 80
MIN_HISTORY = 7
ADI_INTERMITTENT = 1.32
SEASON = 12
PROFILE_FLOOR = 0.1
MIN_FREE = 6
CONFORMAL_WINDOWS = 5
ROLLING_ORIGINS = 4
# a region's share of its sku is measured over its last year: regions grow apart slowly
SHARE_MONTHS = SEASON
LIFT_GRID = tuple(round(0.1 * i, 1) for i in range(16))
ALL = "*"
UNKNOWN = UNKNOWN_REGION = "UNKNOWN"
# bump when the models change, so the stored marts are refitted (see input_hash)
MODEL_VERSION = "pooled-ensemble-topdown-3"
KEYS = ("sku", "category", "region")
LEVELS = ("sku_region", "category_region", "national")
# the column a level's seasonal profile is pooled over: a sku's regions (shrunk toward its
# category's: `shrunk_profiles`), a category's regions
PROFILE_BY = {"sku_region": "sku", "category_region": "category", "national": "level"}

FORECAST_SCHEMA = {
    "level": pl.String,
    "sku": pl.String,
    "category": pl.String,
    "region": pl.String,
    "month": pl.Date,
    "forecast_qty": pl.Float64,
    "forecast_lo": pl.Float64,
    "forecast_hi": pl.Float64,
    "model": pl.String,
    "model_detail": pl.String,
    "interval_level": pl.Float64,
    "interval_scale": pl.Float64,
    "campaign_share": pl.Float64,
    "last_complete_month": pl.Date,
    "history_months": pl.Int32,
    "adi": pl.Float64,
    "zero_share": pl.Float64,
}
ACCURACY_SCHEMA = {
    "backtest": pl.String,
    "level": pl.String,
    "sku": pl.String,
    "category": pl.String,
    "region": pl.String,
    "method": pl.String,
    "model": pl.String,
    "holdout_start": pl.Date,
    "holdout_end": pl.Date,
    "holdout_months": pl.Int32,
    "origins": pl.Int32,
    "actual_qty": pl.Float64,
    "forecast_qty": pl.Float64,
    "abs_error_qty": pl.Float64,
    "wape": pl.Float64,
    "bias": pl.Float64,
    "interval_coverage": pl.Float64,
    "interval_scale": pl.Float64,
}
POINT_SCHEMA = {"origin": pl.Int32, "level": pl.String, "sku": pl.String, "category": pl.String,
                "region": pl.String, "method": pl.String, "model": pl.String, "month": pl.Date,
                "actual": pl.Float64, "forecast": pl.Float64, "miss": pl.Float64}


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


def month_effects(total: np.ndarray, months: list[date]) -> tuple[np.ndarray, float] | None:
    """(log month effects per calendar month, index 0 = January, centred; their sampling
    variance) of log(total) = level + trend × t + month effect, fitted by least squares on the
    months with sales; None with less than a year of data or a calendar month never sold. A
    regression, not ratios to a moving average: with the two years of history dealers' data
    usually has, the moving window cannot be centred at either end and its trend leaks into
    the index."""
    n = len(total)
    selling = total > 0
    if n < SEASON or len({m.month for m, s in zip(months, selling) if s}) < SEASON:
        return None
    x = np.zeros((n, 2 + SEASON - 1))
    x[:, 0], x[:, 1] = 1.0, np.arange(n) / SEASON
    for t, m in enumerate(months):
        if m.month > 1:
            x[t, m.month] = 1.0
    x, log_total = x[selling], np.log(total[selling])
    beta = np.linalg.lstsq(x, log_total, rcond=None)[0]
    free = len(log_total) - x.shape[1]
    # too few months beyond the parameters to tell noise from season: no trust in its own
    residual = float(((log_total - x @ beta) ** 2).sum() / free) if free >= MIN_FREE else math.inf
    spread = float(np.mean(np.diag(np.linalg.pinv(x.T @ x))[2:]))
    effects = np.concatenate([[0.0], beta[2:]])
    return effects - effects.mean(), residual * spread


def as_profile(effects: np.ndarray) -> np.ndarray:
    index = np.exp(effects)
    return np.maximum(index / index.mean(), PROFILE_FLOOR)


def seasonal_profile(total: np.ndarray, months: list[date]) -> np.ndarray | None:
    """Multiplicative index per calendar month (index 0 = January) of a series of consecutive
    months (`month_effects`), or None."""
    fitted = month_effects(total, months)
    return None if fitted is None else as_profile(fitted[0])


def shrunk_profiles(own: dict[str, tuple[np.ndarray, float] | None], group: dict[str, str],
                    pooled: dict[str, tuple[np.ndarray, float] | None]) -> dict[str, np.ndarray | None]:
    """Each member's profile (a sku's) shrunk toward its group's (its category's): the
    empirical-Bayes weight τ² / (τ² + v) on its own month effects, v their sampling variance
    and τ² how far the group's members really differ (the median over them of their spread
    around the group's less their sampling variance; a median, so that one odd member, a
    launch, does not unpool the others). A member with fewer than MIN_FREE months beyond the
    regression's parameters has an infinite v: its group's profile. Products of a category that share its season get its profile,
    estimated from all their sales; a product with a season of its own keeps it."""
    spread: dict[str, list[float]] = {}
    for key, fitted in own.items():
        if fitted is not None and math.isfinite(fitted[1]) and pooled.get(group[key]) is not None:
            spread.setdefault(group[key], []).append(
                float(np.mean((fitted[0] - pooled[group[key]][0]) ** 2)) - fitted[1])
    out: dict[str, np.ndarray | None] = {}
    for key, fitted in own.items():
        base = pooled.get(group[key])
        if fitted is None or base is None:
            out[key] = None if fitted is None and base is None else as_profile((fitted or base)[0])
            continue
        tau = max(float(np.median(spread.get(group[key], [0.0]))), 0.0)
        weight = tau / (tau + fitted[1]) if tau + fitted[1] > 0 else 1.0
        out[key] = as_profile(weight * fitted[0] + (1 - weight) * base[0])
    return out


@dataclass(frozen=True)
class Fit:
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    model: str
    detail: str


class ThetaETS:
    """The mean of Theta and AutoETS (error, trend chosen by AICc; no season: the calendar is
    taken out before) and of their 80% bounds: the ensemble the rolling backtest chose
    (docs/marts.md, "How the models were chosen")."""

    def forecast(self, y: np.ndarray, h: int, level: list[int]) -> dict[str, np.ndarray]:
        from statsforecast.models import AutoETS, Theta  # see fit_series: imported when first fitted

        outs = [Theta(season_length=1).forecast(y=y, h=h, level=level),
                AutoETS(model="ZZN", season_length=1).forecast(y=y, h=h, level=level)]
        return {key: np.mean([np.asarray(o[key], dtype=float) for o in outs], axis=0) for key in outs[0]}


class Pooled:
    """The calendar-adjusted sum of a sku's series over its regions (see `fit_level`), fitted
    once for all of them, when the first needs it."""

    def __init__(self, total: np.ndarray):
        self.total = total

    @cached_property
    def forecast(self) -> dict[str, np.ndarray]:
        return ThetaETS().forecast(y=self.total, h=HORIZON, level=[LEVEL])


def fit_series(y: np.ndarray, past: np.ndarray | None = None, future: np.ndarray | None = None,
               pooled: Pooled | None = None, share: float = 1.0) -> Fit:
    """Forecast the HORIZON months after the series `y` (see module doc). `past` and `future`
    are its calendar factors (seasonal profile × campaign lift) over the history and the
    horizon; the smooth models are fitted on y / past and multiplied back by `future`, or,
    given `pooled`, fitted on the pooled total and multiplied by the series' `share` of it too (the interval's
    half-widths by √share: the variance of a part of a sum of counts is about its share of
    the sum's)."""
    # imported when a series is first fitted, not with this module: the import costs more
    # than a night that reuses an unchanged mart (input_hash) needs in all
    from statsforecast.models import CrostonSBA, Naive
    from statsforecast.utils import ConformalIntervals

    past = np.ones(len(y)) if past is None else past
    scale = np.ones(HORIZON) if future is None else future
    width = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsforecast's numeric warnings on flat series
        if len(y) < MIN_HISTORY:
            out, scale = Naive().forecast(y=y, h=HORIZON, level=[LEVEL]), np.ones(HORIZON)
            model, detail = "Naive", f"Naive: only {len(y)} month(s) of history"
        elif adi(y) > ADI_INTERMITTENT:
            croston = CrostonSBA(prediction_intervals=ConformalIntervals(h=HORIZON, n_windows=CONFORMAL_WINDOWS))
            out, scale = croston.forecast(y=y, h=HORIZON, level=[LEVEL]), np.ones(HORIZON)
            model, detail = "CrostonSBA", f"CrostonSBA, conformal interval (ADI {adi(y):.2f})"
        elif pooled is not None:
            out, scale, width = pooled.forecast, scale * share, 1 / math.sqrt(share)
            model = "ThetaETS"
            detail = f"ThetaETS on the sku's calendar-adjusted sum over its regions × this region's share {share:.3f}"
        else:
            out = ThetaETS().forecast(y=y / past, h=HORIZON, level=[LEVEL])
            model, detail = "ThetaETS", "ThetaETS on the calendar-adjusted series"
    if width is not None:  # half-widths of the share: √share of the total's, not share
        mid = np.asarray(out["mean"], dtype=float)
        out = {key: mid + width * (np.asarray(v, dtype=float) - mid) for key, v in out.items()}

    def bound(name: str) -> np.ndarray:
        values = np.asarray(out.get(name, out["mean"]), dtype=float) * scale
        return np.maximum(np.nan_to_num(values, nan=0.0), 0.0)

    mean = bound("mean")
    return Fit(mean, np.minimum(bound(f"lo-{LEVEL}"), mean), np.maximum(bound(f"hi-{LEVEL}"), mean), model, detail)


def with_category(sales: pl.DataFrame) -> pl.DataFrame:
    """The sales with a `category` column (UNKNOWN where the sku's category is not known)."""
    if "category" not in sales.columns:
        return sales.with_columns(category=pl.lit(UNKNOWN))
    return sales.with_columns(pl.col("category").fill_null(UNKNOWN))


def monthly_series(sales: pl.DataFrame, last_complete_month: date) -> pl.DataFrame:
    """sku, category, region, month, qty: Σ sell_out_qty per sku × region × month, every month
    from the series' first row to `last_complete_month`, 0 where nothing sold."""
    sums = (
        with_category(sales).filter(pl.col("month") <= last_complete_month)
        .group_by("sku", "region", "month")
        .agg(category=pl.col("category").first(), qty=pl.col("sell_out_qty").cast(pl.Float64).fill_null(0).sum())
    )
    grid = (
        sums.group_by("sku", "region")
        .agg(category=pl.col("category").first(), first=pl.col("month").min())
        .with_columns(month=pl.date_ranges("first", pl.lit(last_complete_month), interval="1mo"))
        .explode("month")
        .drop("first")
    )
    return (
        grid.join(sums.drop("category"), on=["sku", "region", "month"], how="left")
        .with_columns(pl.col("qty").fill_null(0.0))
        .select(*KEYS, "month", "qty")
        .sort(*KEYS, "month")
    )


def level_panels(series: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The series of every level from the sku × region ones, ALL in the columns summed over."""
    cols = [*KEYS, "month", "qty"]
    mid = series.group_by("category", "region", "month").agg(pl.col("qty").sum()).with_columns(sku=pl.lit(ALL))
    top = series.group_by("month").agg(pl.col("qty").sum()).with_columns(
        sku=pl.lit(ALL), category=pl.lit(ALL), region=pl.lit(ALL))
    return {level: frame.select(cols).sort(*KEYS, "month")
            for level, frame in zip(LEVELS, (series.select(cols), mid, top))}


class Calendar:
    """Share of a month's days inside a campaign in scope of a series (its category, or all
    categories, and its region, or all regions). A national series (category = region = ALL)
    counts only the campaigns for everything. Months after the last campaign in the calendar
    repeat the same month a year earlier: the campaign calendar is planned about a year
    ahead, and a missing plan is most likely last year's again."""

    def __init__(self, campaigns: pl.DataFrame | None):
        self.shares: dict[tuple[str, str, date], float] = {}
        self.campaigns = [] if campaigns is None else list(
            campaigns.select("category", "region", "start_date", "end_date").iter_rows())
        last = max((end for *_, end in self.campaigns), default=None)
        self.horizon = None if last is None else date(last.year, last.month, 1)

    def share(self, category: str, region: str, month: date) -> float:
        if self.horizon is None:
            return 0.0
        while month > self.horizon:
            month = add_months(month, -SEASON)
        key = (category, region, month)
        if key not in self.shares:
            first, last = month.toordinal(), add_months(month, 1).toordinal() - 1
            days: set[int] = set()
            for cat, reg, start, end in self.campaigns:
                if cat in (ALL, category) and reg in (ALL, region):
                    days.update(range(max(first, start.toordinal()), min(last, end.toordinal()) + 1))
            self.shares[key] = len(days) / (last - first + 1)
        return self.shares[key]

    def column(self, panel: pl.DataFrame) -> pl.Series:
        return pl.Series("campaign_share", [self.share(c, r, m) for c, r, m in
                                            panel.select("category", "region", "month").iter_rows()], pl.Float64)


def campaign_lift(panel: pl.DataFrame, shares: pl.Series) -> float:
    """The monthly lift per unit of campaign share (sales × (1 + lift × share)), estimated on
    the sku × region series: per sku, log(1 + qty) = region effect + month effect + log(1 +
    lift × share) over the months all its regions have, the lift from LIFT_GRID with the least
    squared residual. Campaigns for everything move all regions alike and are left to the
    month effect (the seasonal profile), so the lift is learnt from the regional and category
    campaigns."""
    frame = panel.with_columns(shares).with_columns(first=pl.col("month").min().over("sku", "region"))
    frame = frame.filter(pl.col("month") >= pl.col("first").max().over("sku"))
    ssr = np.zeros(len(LIFT_GRID))
    for _, g in frame.group_by("sku"):
        wide = g.pivot(on="region", index="month", values=["qty", "campaign_share"], aggregate_function="first")
        regions = g["region"].unique().to_list()
        if len(regions) < 2 or wide.height < 6:
            continue
        log_qty = np.log1p(wide.select([f"qty_{r}" for r in regions]).to_numpy())
        share = wide.select([f"campaign_share_{r}" for r in regions]).to_numpy()
        if np.ptp(share, axis=1).max() == 0:
            continue
        for i, lift in enumerate(LIFT_GRID):
            z = log_qty - np.log1p(lift * share)
            z = z - z.mean(axis=0, keepdims=True) - z.mean(axis=1, keepdims=True) + z.mean()
            ssr[i] += float((z ** 2).sum())
    return float(LIFT_GRID[int(np.argmin(ssr))]) if ssr.any() else 0.0


def _effects(panel: pl.DataFrame, by: str) -> dict[str, tuple[np.ndarray, float] | None]:
    totals = panel.group_by(by, "month").agg(pl.col("adjusted").sum()).sort(by, "month")
    return {key: month_effects(g["adjusted"].to_numpy(), g["month"].to_list())
            for (key,), g in totals.group_by(by, maintain_order=True)}


def _profiles(panel: pl.DataFrame, by: str) -> dict[str, np.ndarray | None]:
    """Seasonal profile per value of `by` ('level': one for all); a sku's is shrunk toward its
    category's (`shrunk_profiles`)."""
    if by == "level":
        panel = panel.with_columns(level=pl.lit(ALL))
    if by != "sku":
        return {key: None if e is None else as_profile(e[0]) for key, e in _effects(panel, by).items()}
    group = dict(panel.select("sku", "category").unique("sku").iter_rows())
    return shrunk_profiles(_effects(panel, "sku"), group, _effects(panel, "category"))


@dataclass(frozen=True)
class SeriesFit:
    keys: tuple[str, str, str]
    months: list[date]
    y: np.ndarray
    fit: Fit
    shares: np.ndarray  # campaign share of the HORIZON months


def fit_level(panel: pl.DataFrame, level: str, calendar: Calendar, lift: float) -> list[SeriesFit]:
    """Fit every series of a level's panel (history up to its last month) on its calendar:
    the seasonal profile pooled by PROFILE_BY[level] of the series with the campaign lift taken
    out, times the campaign lift. A smooth sku × region series is forecast from its sku's
    calendar-adjusted sum over the regions times its share of that sum over its last
    SHARE_MONTHS: a sku's regions differ in size far more steadily than in their monthly
    noise, so the level is learnt from all the sku's sales."""
    panel = panel.with_columns(calendar.column(panel)).with_columns(
        factor=1 + lift * pl.col("campaign_share")).with_columns(adjusted=pl.col("qty") / pl.col("factor"))
    by = PROFILE_BY[level]
    profiles = _profiles(panel, by)
    items = []
    for keys, g in panel.partition_by(*KEYS, as_dict=True, maintain_order=True).items():
        months, y = g["month"].to_list(), g["qty"].to_numpy()
        future = [add_months(months[-1], h) for h in range(1, HORIZON + 1)]
        shares = np.array([calendar.share(keys[1], keys[2], m) for m in future])
        past, ahead = g["factor"].to_numpy(), 1 + lift * shares
        profile = profiles[ALL if by == "level" else keys[KEYS.index(by)]]
        if profile is not None:
            past = past * profile[[m.month - 1 for m in months]]
            ahead = ahead * profile[[m.month - 1 for m in future]]
        items.append((keys, months, y, past, ahead, shares))
    totals: dict[str, dict[date, float]] = {}
    pools: dict[str, Pooled] = {}
    if level == "sku_region":
        for keys, months, y, past, *_ in items:
            total = totals.setdefault(keys[0], {})
            for month, value in zip(months, y / past):
                total[month] = total.get(month, 0.0) + value
    out = []
    for keys, months, y, past, ahead, shares in items:
        pooled, share = None, 1.0
        if keys[0] in totals:
            total = totals[keys[0]]
            recent = months[-SHARE_MONTHS:]
            own, share = sum(total[m] for m in recent), float((y / past)[-len(recent):].sum())
            if own > 0 and share > 0:
                share /= own
                pooled = pools.setdefault(keys[0], Pooled(np.array([total[m] for m in sorted(total)])))
        out.append(SeriesFit(keys, months, y, fit_series(y, past, ahead, pooled, share), shares))
    return out


def reconcile(fits: dict[str, list[SeriesFit]]) -> dict[str, list[Fit]]:
    """Coherent forecasts, top-down by forecast proportions: every sku × region forecast is
    scaled by the national forecast over the sum of the sku × region ones (month by month), so
    the national total keeps the national model's level and each series its share of the
    bottom forecasts; the category × region and national forecasts are the sums of the scaled
    sku × region ones, exactly. Each interval moves with its forecast. Why not the OLS
    projection: it spreads a level's difference in equal amounts over the series, which
    distorts the small ones; a share of it per series by size does not (docs/marts.md,
    "Levels")."""
    bottom = [f.fit for f in fits["sku_region"]]
    if not bottom:
        return {level: [f.fit for f in fits[level]] for level in LEVELS}
    total = np.sum([b.mean for b in bottom], axis=0)
    # where the sku × region forecasts sum to 0 there is no share to distribute the total by
    ratio = np.where(total > 0, fits["national"][0].fit.mean / np.where(total > 0, total, 1.0), 1.0)
    out = {"sku_region": [moved(b, b.mean * ratio) for b in bottom]}
    members: dict[tuple[str, str, str], list[np.ndarray]] = {}
    for f, fit in zip(fits["sku_region"], out["sku_region"]):
        for keys in ((ALL, *f.keys[1:]), (ALL, ALL, ALL)):
            members.setdefault(keys, []).append(fit.mean)
    for level in ("category_region", "national"):
        out[level] = [moved(f.fit, np.sum(members[f.keys], axis=0)) for f in fits[level]]
    return out


def moved(fit: Fit, mean: np.ndarray) -> Fit:
    """`fit` with its forecast moved to `mean` and its interval moved with it (clipped at 0,
    never on the wrong side of the forecast)."""
    shift = mean - fit.mean
    return Fit(mean, np.minimum(np.maximum(fit.lo + shift, 0.0), mean), np.maximum(fit.hi + shift, mean), fit.model, fit.detail)


def forecast_all(series: pl.DataFrame, calendar: Calendar) -> tuple[dict[str, list[SeriesFit]], dict[str, list[Fit]]]:
    """Fits and reconciled forecasts of every level after the last month of `series`."""
    lift = campaign_lift(series, calendar.column(series))
    panels = level_panels(series)
    fits = {level: fit_level(panels[level], level, calendar, lift) for level in LEVELS}
    return fits, reconcile(fits)


def widen(fit: Fit, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The interval with its distances to the forecast multiplied by `scale`."""
    return np.maximum(fit.mean - scale * (fit.mean - fit.lo), 0.0), fit.mean + scale * (fit.hi - fit.mean)


def forecast_table(series: pl.DataFrame, origin: date, calendar: Calendar | None = None,
                   scales: dict[str, float] | None = None) -> pl.DataFrame:
    calendar = calendar or Calendar(None)
    fits, coherent = forecast_all(series, calendar)
    rows = []
    for level in LEVELS:
        scale = (scales or {}).get(level, 1.0)
        for sf, fit in zip(fits[level], coherent[level]):
            lo, hi = widen(fit, scale)
            a = adi(sf.y)
            for h in range(HORIZON):
                rows.append({
                    "level": level, "sku": sf.keys[0], "category": sf.keys[1], "region": sf.keys[2],
                    "month": add_months(origin, h + 1), "forecast_qty": float(fit.mean[h]),
                    "forecast_lo": float(lo[h]), "forecast_hi": float(hi[h]), "model": fit.model,
                    "model_detail": fit.detail, "interval_level": LEVEL / 100, "interval_scale": scale,
                    "campaign_share": float(sf.shares[h]), "last_complete_month": origin,
                    "history_months": len(sf.y), "adi": None if math.isinf(a) else a,
                    "zero_share": float(np.mean(sf.y == 0)),
                })
    return pl.DataFrame(rows, schema=FORECAST_SCHEMA).sort("level", *KEYS, "month")


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


def interval_miss(actual: np.ndarray, fit: Fit) -> np.ndarray:
    """How far outside its 80% interval each actual month is, in units of the interval's
    distance to the forecast on that side: ≤ 1 inside the interval (widened by k, ≤ k)."""
    up, down = fit.hi - fit.mean, fit.mean - fit.lo
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(actual >= fit.mean, (actual - fit.mean) / up, (fit.mean - actual) / down)
    return np.where(actual == fit.mean, 0.0, np.nan_to_num(z, nan=np.inf, posinf=np.inf))


FIT_SCHEMA = {"level": pl.String, "sku": pl.String, "category": pl.String, "region": pl.String,
              "method": pl.String, "model": pl.String, "h": pl.Int32, "forecast": pl.Float64,
              "mean": pl.Float64, "lo": pl.Float64, "hi": pl.Float64}


class OriginFits:
    """The forecasts of each backtest origin kept between runs, by the digest of what the
    origin is fitted on (`origin_fits`): an origin's fit depends only on the months up to it,
    so a night that changes only later months (a late file of the last complete month) fits
    nothing again. This one keeps them in memory; `WarehouseFits` in the warehouse."""

    def __init__(self) -> None:
        self.kept: dict[str, pl.DataFrame] = {}

    def get(self, digest: str) -> pl.DataFrame | None:
        return self.kept.get(digest)

    def keep(self, fitted: dict[str, pl.DataFrame]) -> None:
        """Keep `fitted` (digest -> origin_fits), in place of what was kept."""
        self.kept = dict(fitted)


def origin_fits(train: pl.DataFrame, calendar: Calendar) -> pl.DataFrame:
    """One backtest origin's forecasts from the sku x region panel `train` (the months up to
    the origin): a row per level x series x method x month ahead (h), in the order
    `backtest_points` reads them, with the chosen model's interval (mean, lo, hi)."""
    fits, coherent = forecast_all(train, calendar)
    rows = []
    for level in LEVELS:
        for sf, fit in zip(fits[level], coherent[level]):
            methods = {"chosen": (fit.model, fit.mean)} | baseline_forecasts(sf.y, sf.months)
            for method, (model, forecast) in methods.items():
                for h in range(HORIZON):
                    bounds = (float(fit.mean[h]), float(fit.lo[h]), float(fit.hi[h])) if method == "chosen" else (None,) * 3
                    rows.append((level, *sf.keys, method, model, h, float(forecast[h]), *bounds))
    return pl.DataFrame(rows, schema=FIT_SCHEMA, orient="row")


def backtest_points(series: pl.DataFrame, last_complete: date, calendar: Calendar,
                    kept: OriginFits | None = None) -> pl.DataFrame:
    """One row per origin × level × series × method × held-out month. Origin k (0 = the spec's
    hold-out) fits on the months up to last_complete − HORIZON − k; the series are those with a
    month by then, their aggregates summed over the same series. `kept`: the origins' fits of
    an earlier run, reused where an origin's input is the same (and replaced by this run's)."""
    rows, fitted = [], {}
    for k in range(ROLLING_ORIGINS):
        cut = add_months(last_complete, -HORIZON - k)
        window = [add_months(cut, h) for h in range(1, HORIZON + 1)]
        known = series.filter(pl.col("month") <= cut).select(*KEYS).unique()
        if known.height == 0:
            break
        panels = level_panels(series.join(known, on=list(KEYS)).filter(pl.col("month") <= window[-1]))
        train = panels["sku_region"].filter(pl.col("month") <= cut)
        digest = input_hash(train, calendar.campaigns, cut)
        fits = kept.get(digest) if kept is not None else None
        fits = fitted[digest] = fits if fits is not None else origin_fits(train, calendar)
        actuals = {(level, *keys): g.sort("month")["qty"].to_numpy() for level in LEVELS for keys, g in
                   panels[level].filter(pl.col("month") > cut).group_by(*KEYS)}
        actual = np.array([float(actuals[tuple(key)][h]) for *key, h in fits.select("level", *KEYS, "h").iter_rows()])
        chosen = fits["method"].to_numpy() == "chosen"
        miss = np.full(actual.size, np.nan)
        miss[chosen] = interval_miss(actual[chosen], Fit(*(fits[c].to_numpy()[chosen] for c in ("mean", "lo", "hi")), "", ""))
        for i, (level, sku, category, region, method, model, h, forecast) in enumerate(
                fits.select(*list(FIT_SCHEMA)[:8]).iter_rows()):
            rows.append((k, level, sku, category, region, method, model, window[h], float(actual[i]),
                         forecast, float(miss[i]) if chosen[i] else None))
    if kept is not None:
        kept.keep(fitted)
    return pl.DataFrame(rows, schema=POINT_SCHEMA, orient="row")


def interval_scales(points: pl.DataFrame) -> tuple[dict[str, float], pl.DataFrame]:
    """Per level, the factor k that widens (or narrows) the models' 80% intervals so they hold
    80% of the backtest's actual months: the 80th percentile of `interval_miss`. Returns the
    factor from all origins (what fct_forecast applies) and the points with `covered`, each
    origin judged by the factor learnt on the other origins (so the coverage reported is out
    of sample)."""
    chosen = points.filter(pl.col("method") == "chosen")
    scales, covered = {}, []
    for (level,), g in chosen.group_by("level"):
        scales[level] = _quantile(g["miss"])
        for (k,), o in g.group_by("origin"):
            others = g.filter(pl.col("origin") != k)["miss"]
            covered.append(o.with_columns(covered=pl.col("miss") <= (_quantile(others) if others.len() else 1.0)))
    marked = pl.concat(covered) if covered else chosen.with_columns(covered=pl.lit(None, pl.Boolean))
    key = ["origin", "level", *KEYS, "method", "month"]
    return scales, points.join(marked.select(*key, "covered"), on=key, how="left")


def _quantile(miss: pl.Series) -> float:
    """The LEVEL-th percentile (an observed value: some misses are infinite), 1 with none."""
    values = np.sort(miss.drop_nulls().to_numpy())
    if not values.size:
        return 1.0
    value = values[min(math.ceil(values.size * LEVEL / 100), values.size) - 1]
    return float(value) if np.isfinite(value) else float(values[np.isfinite(values)].max(initial=1.0))


def _summarise(points: pl.DataFrame, backtest: str) -> pl.DataFrame:
    def sums(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
        return frame.group_by(by).agg(
            model=pl.col("model").filter(pl.col("origin") == pl.col("origin").min()).first(),
            holdout_start=pl.col("month").min(), holdout_end=pl.col("month").max(),
            holdout_months=pl.col("month").n_unique().cast(pl.Int32), origins=pl.col("origin").n_unique().cast(pl.Int32),
            actual_qty=pl.col("actual").sum(), forecast_qty=pl.col("forecast").sum(),
            abs_error_qty=(pl.col("actual") - pl.col("forecast")).abs().sum(),
            interval_coverage=pl.col("covered").cast(pl.Float64).mean())
    series = sums(points, ["level", *KEYS, "method"])
    summed = sums(points.filter(pl.col("level") != "national"), ["level", "method"]).with_columns(
        sku=pl.lit(ALL), category=pl.lit(ALL), region=pl.lit(ALL),
        model=pl.when(pl.col("method") == "chosen").then(pl.lit(ALL)).otherwise(pl.col("model")))
    frame = pl.concat([series, summed.select(series.columns)])
    return frame.with_columns(
        backtest=pl.lit(backtest),
        wape=pl.when(pl.col("actual_qty") != 0).then(pl.col("abs_error_qty") / pl.col("actual_qty")),
        bias=pl.when(pl.col("actual_qty") != 0).then((pl.col("forecast_qty") - pl.col("actual_qty")) / pl.col("actual_qty")))


def accuracy_table(series: pl.DataFrame, last_complete: date, calendar: Calendar | None = None,
                   kept: OriginFits | None = None) -> pl.DataFrame:
    """The backtest (see module doc): the spec's hold-out (origin 0) and the rolling origins."""
    points = backtest_points(series, last_complete, calendar or Calendar(None), kept)
    scales, points = interval_scales(points)
    frame = pl.concat([_summarise(points.filter(pl.col("origin") == 0), "holdout"), _summarise(points, "rolling")])
    frame = frame.with_columns(interval_scale=pl.when(pl.col("method") == "chosen").then(
        pl.col("level").replace_strict(scales, default=None, return_dtype=pl.Float64)))
    return frame.select(list(ACCURACY_SCHEMA)).cast(ACCURACY_SCHEMA).sort(
        "backtest", "level", "sku", "category", "region", "method")


def regional_sales(sell_through: duckdb.DuckDBPyRelation, dealers: duckdb.DuckDBPyRelation,
                   products: duckdb.DuckDBPyRelation | None = None) -> pl.DataFrame:
    """sku, category, region, month, sell_out_qty: `fct_sell_through_monthly` summed per sku
    (its category from `dim_product`, UNKNOWN where missing) × the dealer's region (from
    `dim_dealer`; UNKNOWN_REGION for a dealer missing there) × month."""
    # Summed in DuckDB: at 2000 dealers the series are as many, only the sums grow.
    joined = sell_through.set_alias("s").join(dealers.set_alias("d"), "s.dealer_id = d.dealer_id", how="left")
    category = f"'{UNKNOWN}'"
    if products is not None:
        joined = joined.join(products.select("sku as p_sku, category").set_alias("p"), "s.sku = p.p_sku", how="left")
        category = f"coalesce(p.category, '{UNKNOWN}')"
    return joined.aggregate(
        f"s.sku, {category} as category, coalesce(d.region, '{UNKNOWN_REGION}') as region, s.month, "
        "sum(cast(s.sell_out_qty as double)) as sell_out_qty",
        "all",
    ).pl()


def business_date(text: str | None) -> date:
    """The run's business date from its YYYY-MM-DD text; today when empty, as the SQL
    models' `as_of_date` macro does."""
    return date.fromisoformat(text) if text else date.today()


def last_complete_month(sales: pl.DataFrame, as_of: date) -> date:
    return forecast_origin(as_of, sales["month"].max() if sales.height else None)


def input_hash(*parts: object) -> str:
    """A digest of everything a mart is computed from, so an unchanged input is not refitted."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    for part in parts:
        if isinstance(part, pl.DataFrame):
            part = part.sort(part.columns).write_csv()
        digest.update(repr(part).encode())
    return digest.hexdigest()[:16]


def _reuse(previous: pl.DataFrame | None, digest: str) -> pl.DataFrame | None:
    if previous is not None and "input_hash" in previous.columns and previous.height \
            and previous["input_hash"].unique().to_list() == [digest]:
        return previous
    return None


def _campaign_frame(campaigns: pl.DataFrame | None) -> pl.DataFrame | None:
    return None if campaigns is None else campaigns.select("category", "region", "start_date", "end_date")


def forecast_mart(sales: pl.DataFrame, as_of: date, campaigns: pl.DataFrame | None = None,
                  scales: dict[str, float] | None = None, previous: pl.DataFrame | None = None) -> pl.DataFrame:
    """`marts.fct_forecast` from `regional_sales`, the campaign calendar (`dim_campaign`) and
    the interval scales of the backtest, as of the business date `as_of`; `previous` (the mart
    as it is) is returned unchanged when it was computed from the same input."""
    origin = last_complete_month(sales, as_of)
    series, campaigns = monthly_series(sales, origin), _campaign_frame(campaigns)
    digest = input_hash(series, campaigns, sorted((scales or {}).items()), origin)
    if (kept := _reuse(previous, digest)) is not None:
        return kept
    table = forecast_table(series, origin, Calendar(campaigns), scales)
    return table.with_columns(input_hash=pl.lit(digest))


def accuracy_mart(sales: pl.DataFrame, as_of: date, campaigns: pl.DataFrame | None = None,
                  previous: pl.DataFrame | None = None, kept_fits: OriginFits | None = None) -> pl.DataFrame:
    """`marts.fct_forecast_accuracy` from `regional_sales` and the campaign calendar, as of the
    business date `as_of` (its fits end 3 or more months earlier; it shares no fit with the
    forecast); `previous` is reused as in `forecast_mart`, and the origins' `kept_fits` as in
    `backtest_points`."""
    origin = last_complete_month(sales, as_of)
    series, campaigns = monthly_series(sales, origin), _campaign_frame(campaigns)
    digest = input_hash(series, campaigns, origin)
    if (kept := _reuse(previous, digest)) is not None:
        return kept
    table = accuracy_table(series, origin, Calendar(campaigns), kept_fits)
    return table.with_columns(input_hash=pl.lit(digest))


def scales_from(accuracy: pl.DataFrame) -> dict[str, float]:
    """level -> interval scale, as `fct_forecast_accuracy` records it on its chosen rows."""
    rows = accuracy.filter(pl.col("interval_scale").is_not_null()).group_by("level").agg(pl.col("interval_scale").first())
    return dict(rows.iter_rows())


def previous_mart(session: duckdb.DuckDBPyConnection, this: object) -> pl.DataFrame | None:
    """The mart as the last run left it (None on the first run), for `forecast_mart` and
    `accuracy_mart` to reuse when their input has not changed."""
    try:
        return session.sql(f"select * from {this}").pl()
    except duckdb.Error:
        return None


class WarehouseFits(OriginFits):
    """`OriginFits` in a table of the warehouse the mart is built in (through the dbt Python
    model's `session`), beside the mart whose `input_hash` is reused the same way. A table
    that cannot be read or written is a refit, never a failed build."""

    TABLE = "meta.dcw_backtest_fits"

    def __init__(self, session: duckdb.DuckDBPyConnection) -> None:
        super().__init__()
        self.session = session

    def get(self, digest: str) -> pl.DataFrame | None:
        try:
            # a cursor of its own: the session may hold a result not read to its end
            frame = self.session.cursor().sql(f"select * exclude (digest, seq) from {self.TABLE} "
                                              "where digest = ? order by seq", params=[digest]).pl()
        except duckdb.Error:
            return None
        return frame.cast(FIT_SCHEMA) if frame.height else None

    def keep(self, fitted: dict[str, pl.DataFrame]) -> None:
        rows = pl.concat([f.with_columns(digest=pl.lit(d), seq=pl.int_range(0, f.height, dtype=pl.Int64))
                          for d, f in fitted.items()]) if fitted else None
        try:
            con = self.session.cursor()
            con.execute("create schema if not exists meta")
            if rows is None:
                con.execute(f"drop table if exists {self.TABLE}")
            else:
                con.register("dcw_backtest_fits", rows.to_arrow())
                con.execute(f"create or replace table {self.TABLE} as select * from dcw_backtest_fits")
        except duckdb.Error as e:
            warnings.warn(f"the backtest's fits were not kept ({e}); the next run fits them again", stacklevel=2)
