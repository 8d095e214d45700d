"""ERP opening inventory snapshot (期初库存): dealer stock at the start of a month."""

import pandera.polars as pa

from pipelines.contracts._base import Contract, Date, Number, Text, rule


class OpeningInventory(Contract):
    dealer_id: Text
    sku: Text
    batch_no: Text = pa.Field(nullable=True)
    qty: Number
    as_of_date: Date

    _qty = rule("qty", ">=0", "QTY_NOT_POSITIVE")
