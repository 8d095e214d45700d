"""ERP shipments delta: manufacturer -> dealer lines; negative qty is a return."""

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

    _qty = rule("qty", "!=0", "QTY_NOT_POSITIVE")
    _price = rule("unit_price", ">0", "PRICE_NOT_POSITIVE")
