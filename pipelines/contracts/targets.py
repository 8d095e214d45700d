"""ERP targets snapshot (业绩目标): a dealer's sell-out value target for a month or a quarter.

A period that is neither `YYYY-MM` nor `YYYY-Qn` is a date that cannot be read (BAD_DATE);
a target that is not > 0 gets AMOUNT_NOT_POSITIVE, the code of every CNY amount that must be
positive (docs/input_contract.md, "Targets and rebate programmes").
"""

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData

from pipelines.contracts._base import Contract, Number, Text, rule

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
QUARTER = r"^[0-9]{4}-Q[1-4]$"


class Targets(Contract):
    dealer_id: Text
    period: Text
    target_value: Number

    _value = rule("target_value", ">0", "AMOUNT_NOT_POSITIVE")

    @pa.check("period", name="BAD_DATE")
    def period_is_month_or_quarter(cls, data: PolarsData) -> pl.LazyFrame:
        p = pl.col(data.key)
        return data.lazyframe.select(p.str.contains(MONTH) | p.str.contains(QUARTER))
