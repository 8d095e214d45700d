"""ERP rebate programmes snapshot (返利政策): one row per tier (档位) of a quarterly programme.

A quarter that is not `YYYY-Qn` gets BAD_DATE; a fraction outside its range (min_attainment
< 0, rebate_rate outside 0–1) is a number this column cannot hold: BAD_NUMBER
(docs/input_contract.md, "Targets and rebate programmes").
"""

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData

from pipelines.contracts._base import Contract, Number, Text, rule
from pipelines.contracts.targets import QUARTER


class RebatePrograms(Contract):
    program_id: Text
    program_name: Text
    quarter: Text
    region: Text
    min_attainment: Number
    rebate_rate: Number

    _min = rule("min_attainment", ">=0", "BAD_NUMBER")
    _rate = rule("rebate_rate", ">=0", "BAD_NUMBER")

    @pa.check("rebate_rate", name="BAD_NUMBER")
    def rate_at_most_one(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) <= 1)

    @pa.check("quarter", name="BAD_DATE")
    def quarter_is_yyyy_qn(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(QUARTER))
