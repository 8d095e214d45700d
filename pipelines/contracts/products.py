"""ERP products snapshot (产品主数据)."""

from pipelines.contracts._base import Contract, Date, Number, Text


class Products(Contract):
    sku: Text
    product_name: Text
    category: Text
    brand: Text
    unit_cost: Number
    launch_date: Date
    status: Text
