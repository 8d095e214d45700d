"""Dealer expense claims (费用报销申请) against marketing campaigns."""

import pandera.polars as pa

from pipelines.contracts._base import Contract, Date, Number, Text, rule


class Claims(Contract):
    claim_id: Text
    campaign_id: Text
    expense_type: Text
    amount: Number
    period_start: Date
    period_end: Date
    description: Text = pa.Field(nullable=True)

    _amount = rule("amount", ">0", "AMOUNT_NOT_POSITIVE")
