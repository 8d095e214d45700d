"""Dealer sales report (销售流向): one line per sale to an end customer, within the file's month."""

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData

from pipelines.contracts._base import PERIOD_END, PERIOD_START, Contract, Date, Number, Text, rule


class Sales(Contract):
    sale_date: Date
    customer_name: Text
    customer_city_code: Text
    customer_phone: Text = pa.Field(nullable=True)
    sku: Text
    qty: Number
    unit_price: Number
    batch_no: Text = pa.Field(nullable=True)
    invoice_no: Text = pa.Field(nullable=True)

    _qty = rule("qty", ">0", "QTY_NOT_POSITIVE")
    _price = rule("unit_price", ">0", "PRICE_NOT_POSITIVE")

    @pa.dataframe_check(name="DATE_OUTSIDE_PERIOD")
    def sale_date_in_month(cls, data: PolarsData) -> pl.LazyFrame:
        d = pl.col("sale_date")
        return data.lazyframe.select(d.is_null() | d.is_between(pl.col(PERIOD_START), pl.col(PERIOD_END)))
