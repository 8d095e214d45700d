"""How far the forecast could get on a generated world: the rolling-origin backtest of
pipelines/forecast.py beside an oracle that knows the generator's expected demand (no noise),
so the noise floor of the WAPE is known (docs/marts.md, "How the models were chosen").

    python -m bench.forecast_ceiling data/worlds/demo42/landing [more landings...]

A landing written by `dcw generate` (its truth/ beside it) is read without building a
warehouse: the sell-out is the accepted lines of the current sales files
(truth/customers.csv), the region the dealer's, the category the sku's, the campaigns the
plan's, all as the marts see them. The oracle is `pipelines.synth.demand.expected_units`
summed over a region's dealers: the mean of the generator's Poisson lines and quantities
before any stock limit, the best a forecast of the mean can do.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from pipelines import forecast as fc
from pipelines.synth import world
from pipelines.synth.context import Context
from pipelines.synth.demand import expected_units
from pipelines.synth.params import GeneratorParams


def world_inputs(landing: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(sales as `regional_sales` gives them, campaigns as `dim_campaign`, oracle: sku,
    region, month, expected) of a generated landing."""
    truth = landing.parent / "truth"
    p = json.loads((truth / "summary.json").read_text())["params"]
    g = Context(GeneratorParams(out=landing, seed=p["seed"], dealers=p["dealers"], skus=p["skus"],
                                months=p["months"], start=date.fromisoformat(p["start"])))
    region = {d.dealer_id: world.REGIONS[d.region] for d in g.plan.dealers}
    category = {pr.sku: world.CATEGORIES[pr.category].name for pr in g.plan.products}
    lines = pl.read_csv(truth / "customers.csv", columns=["dealer_id", "sku", "sale_date", "qty"],
                        schema_overrides={"sale_date": pl.Date, "qty": pl.Float64})
    sales = (lines.with_columns(month=pl.col("sale_date").dt.truncate("1mo"),
                                region=pl.col("dealer_id").replace_strict(region, default=fc.UNKNOWN),
                                category=pl.col("sku").replace_strict(category, default=fc.UNKNOWN))
             .group_by("sku", "category", "region", "month").agg(sell_out_qty=pl.col("qty").sum()))
    campaigns = pl.DataFrame([(c.category, c.region, c.start, c.end) for c in g.plan.campaigns],
                             schema=["category", "region", "start_date", "end_date"], orient="row")
    rows = []
    for m, first in enumerate(g.plan.firsts[: p["months"]]):
        for d in g.plan.dealers:
            units = expected_units(g, d, m)
            for s in np.flatnonzero(units > 0):
                rows.append((g.skus[s], world.REGIONS[d.region], first, float(units[s])))
    oracle = (pl.DataFrame(rows, schema=["sku", "region", "month", "expected"], orient="row")
              .group_by("sku", "region", "month").agg(pl.col("expected").sum()))
    return sales, campaigns, oracle


def ceiling(landing: Path, as_of: date | None = None) -> dict:
    """WAPE at sku × region over the rolling backtest's points: chosen, the two baselines and
    the oracle, and the chosen interval's out-of-sample coverage; `points` for a breakdown."""
    sales, campaigns, oracle = world_inputs(landing)
    last = sales["month"].max() if as_of is None else fc.last_complete_month(sales, as_of)
    series = fc.monthly_series(sales, last)
    started = time.process_time()
    points = fc.backtest_points(series, last, fc.Calendar(campaigns))
    cpu = time.process_time() - started
    _, points = fc.interval_scales(points)
    bottom = points.filter(pl.col("level") == "sku_region")
    wide = (bottom.pivot(on="method", index=["origin", *fc.KEYS, "month", "actual"], values="forecast")
            .join(bottom.filter(pl.col("method") == "chosen").select("origin", *fc.KEYS, "month", "covered"),
                  on=["origin", *fc.KEYS, "month"])
            .join(oracle, on=["sku", "region", "month"], how="left").with_columns(pl.col("expected").fill_null(0.0)))
    result = {"landing": str(landing), "last_complete": str(last), "series": series.select("sku", "region").n_unique(),
              "backtest_cpu_s": round(cpu, 1), "coverage": float(wide["covered"].mean())}
    for name, col in (("chosen", "chosen"), ("seasonal_naive", "seasonal_naive"), ("naive", "naive"), ("oracle", "expected")):
        result[name] = float((wide["actual"] - wide[col]).abs().sum() / wide["actual"].sum())
    result["margin"] = 1 - result["chosen"] / result["seasonal_naive"]
    result["oracle_margin"] = 1 - result["oracle"] / result["seasonal_naive"]
    return result | {"points": wide}


def breakdown(wide: pl.DataFrame, by: str | pl.Expr) -> pl.DataFrame:
    """Error mass per group: each method's Σ|error| / the total Σ actual, and its WAPE."""
    total = wide["actual"].sum()
    return wide.group_by(by).agg(
        actual_share=pl.col("actual").sum() / total,
        chosen=(pl.col("actual") - pl.col("chosen")).abs().sum() / total,
        seasonal=(pl.col("actual") - pl.col("seasonal_naive")).abs().sum() / total,
        oracle=(pl.col("actual") - pl.col("expected")).abs().sum() / total,
        wape_chosen=(pl.col("actual") - pl.col("chosen")).abs().sum() / pl.col("actual").sum(),
        wape_oracle=(pl.col("actual") - pl.col("expected")).abs().sum() / pl.col("actual").sum(),
    ).sort(pl.first())


def main(argv: list[str]) -> None:
    pl.Config.set_tbl_rows(40)
    for arg in argv:
        r = ceiling(Path(arg))
        wide = r.pop("points")
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}))
        print(breakdown(wide, "category"))
        print(breakdown(wide, "month"))
        print(breakdown(wide, pl.col("region")))
        print(breakdown(wide, pl.col("expected").cut([5, 20, 50, 100]).alias("expected_qty")))


if __name__ == "__main__":
    main(sys.argv[1:])
