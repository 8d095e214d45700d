"""ERP prices snapshot: dealer, retail guide and floor prices per SKU over time."""

import pandera.polars as pa

from pipelines.contracts._base import Contract, Date, Number, Text, rule


class Prices(Contract):
    sku: Text
    price_type: Text
    price: Number
    valid_from: Date
    valid_to: Date = pa.Field(nullable=True)  # empty = open-ended

    _price = rule("price", ">0", "PRICE_NOT_POSITIVE")
