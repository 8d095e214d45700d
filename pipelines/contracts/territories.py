"""ERP territories snapshot: which dealer may sell into which city, when.

dealer_id and city_code are checked against the newest dealers/regions snapshots at
validation time (spec.REFERENCE_RULES)."""

import pandera.polars as pa

from pipelines.contracts._base import Contract, Date, Text


class Territories(Contract):
    dealer_id: Text
    city_code: Text
    valid_from: Date
    valid_to: Date = pa.Field(nullable=True)  # empty = open-ended
