"""ERP dealers snapshot (经销商主数据)."""

import pandera.polars as pa

from pipelines.contracts._base import Contract, Date, Number, Text


class Dealers(Contract):
    dealer_id: Text
    dealer_name: Text
    tier: Text
    region: Text
    province: Text
    city_code: Text
    credit_limit: Number
    status: Text
    contract_start: Date
    contract_end: Date
    # optional: who receives the reminders (docs/reminders.md); empty = nobody
    contact_email: Text = pa.Field(nullable=True)
    manager_email: Text = pa.Field(nullable=True)
