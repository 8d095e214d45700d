"""ERP alert thresholds snapshot (库存预警值, an optional kind): the weeks of cover under which
a dealer's stock of a product is low and over which it is overstock, per product category and
dealer tier (`*` = all). Without any, the alerts use 2 and 12 weeks (docs/marts.md)."""

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData

from pipelines.contracts._base import Contract, Number, Text

TIERS = ("A", "B", "C", "*")


class AlertThresholds(Contract):
    category: Text
    tier: Text
    low_weeks: Number
    high_weeks: Number

    @pa.check("tier", name="BAD_THRESHOLDS")
    def known_tier(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_in(list(TIERS)))

    @pa.dataframe_check(name="BAD_THRESHOLDS")
    def low_below_high(cls, data: PolarsData) -> pl.LazyFrame:
        low, high = pl.col("low_weeks"), pl.col("high_weeks")
        return data.lazyframe.select(low.is_null() | high.is_null() | ((low >= 0) & (low < high)))
