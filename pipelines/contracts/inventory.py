"""Dealer inventory report: stock on hand at the end of the file's day."""

import pandera.polars as pa

from pipelines.contracts._base import Contract, Number, Text, rule


class Inventory(Contract):
    sku: Text
    qty_on_hand: Number
    batch_no: Text = pa.Field(nullable=True)

    _qty = rule("qty_on_hand", ">=0", "QTY_NOT_POSITIVE")
