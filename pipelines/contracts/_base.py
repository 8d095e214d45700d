"""What every per-kind contract model shares: value types and the named row checks.

The models describe an *accepted* row, typed. A check's name is the row-level reason code it
stands for, so a failure maps to the code without a lookup table. Text that cannot be read
never reaches these checks (it is NULL by then and reported as BAD_DATE/BAD_NUMBER), and
pandera skips NULLs in checks: "no check that needs that value".

No `from __future__ import annotations` in the model modules: pandera reads the annotations
as real types.
"""

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData

Number = pl.Decimal(18, 4)  # exact money and quantities: DECIMAL(18,4) in the warehouse
Integer = pl.Int32
Date = pl.Date
Text = pl.String

# Context columns the validator adds to a sales frame: the file's month.
PERIOD_START, PERIOD_END = "_period_start", "_period_end"

_OPS = {
    ">0": lambda e: e > 0,
    ">=0": lambda e: e >= 0,
    "!=0": lambda e: e != 0,
}


def rule(column: str, op: str, code: str):
    """A named column check, e.g. `rule("qty", ">0", "QTY_NOT_POSITIVE")`, for a model body."""
    test = _OPS[op]

    @pa.check(column, name=code)
    def _check(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(test(pl.col(data.key)))

    return _check


def known_values(code: str, values: pl.Series) -> pa.Check:
    """Reference check added at validation time (the newest snapshot's values)."""
    return pa.Check(lambda data: data.lazyframe.select(pl.col(data.key).is_in(pl.lit(values).implode())),
                    name=code, error=code)


class Contract(pa.DataFrameModel):
    class Config:
        strict = False  # lineage and context columns ride along
        coerce = False  # values are typed by the normaliser; a wrong dtype is a bug
