"""ERP shipments delta: manufacturer -> dealer lines; negative qty is a return."""

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData

from pipelines.contracts._base import Contract, Date, Integer, Number, Text, rule


class Shipments(Contract):
    shipment_id: Text
    line_no: Integer
    ship_date: Date
    dealer_id: Text
    sku: Text
    qty: Number
    unit_price: Number
    batch_no: Text
    # 到货日期 (optional column): empty or absent = delivered on ship_date
    delivery_date: Date = pa.Field(nullable=True)

    _qty = rule("qty", "!=0", "QTY_NOT_POSITIVE")
    _price = rule("unit_price", ">0", "PRICE_NOT_POSITIVE")

    @pa.dataframe_check(name="DELIVERY_BEFORE_SHIP")
    def delivered_on_or_after_shipping(cls, data: PolarsData) -> pl.LazyFrame:
        shipped, delivered = pl.col("ship_date"), pl.col("delivery_date")
        return data.lazyframe.select(shipped.is_null() | delivered.is_null() | (delivered >= shipped))
