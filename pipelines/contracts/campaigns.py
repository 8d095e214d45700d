"""ERP campaigns snapshot (市场活动): what dealers may claim expenses against."""

from pipelines.contracts._base import Contract, Date, Number, Text


class Campaigns(Contract):
    campaign_id: Text
    campaign_name: Text
    campaign_type: Text
    start_date: Date
    end_date: Date
    category: Text
    region: Text
    reimbursement_rate: Number
    budget: Number
