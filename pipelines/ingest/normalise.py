"""Text as dealers send it -> typed values, vectorised over a whole batch of one kind.

Each column yields its typed value and, where the text is missing or cannot be read, the
row-level code (MISSING_VALUE, BAD_DATE, BAD_NUMBER). A value that cannot be read is NULL in
the typed frame, so no later check that needs it fires (pandera checks skip nulls).
"""

from __future__ import annotations

import polars as pl

from pipelines.contracts.spec import Column, FileKind, ValueType

NUMBER_DTYPE = pl.Decimal(18, 4)
DTYPES: dict[ValueType, pl.DataType] = {
    ValueType.CODE: pl.String(),
    ValueType.TEXT: pl.String(),
    ValueType.DATE: pl.Date(),
    ValueType.NUMBER: NUMBER_DTYPE,
    ValueType.INTEGER: pl.Int32(),
}

# [0-9], not \d: the regex engine's \d also matches full-width and other scripts' digits.
_NUMBER = r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$"
_WHOLE = r"^[+-]?[0-9]+(?:\.0*)?$"
_DATE_FORMS = r"^[0-9]{4}(?:-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日)$"

BAD_CODE = {ValueType.DATE: "BAD_DATE", ValueType.NUMBER: "BAD_NUMBER", ValueType.INTEGER: "BAD_NUMBER"}


def trimmed(name: str) -> pl.Expr:
    """The value after trimming; empty text is no value."""
    t = pl.col(name).str.strip_chars()
    return pl.when(t != "").then(t)


def parse_number(text: pl.Expr) -> pl.Expr:
    """Plain or with thousands separators -> DECIMAL(18,4), rounded; null if not a number or
    out of range."""
    return pl.when(text.str.contains(_NUMBER)).then(
        text.str.replace_all(",", "", literal=True).cast(NUMBER_DTYPE, strict=False)
    )


def parse_integer(text: pl.Expr) -> pl.Expr:
    plain = text.str.replace_all(",", "", literal=True)
    return pl.when(text.str.contains(_NUMBER) & plain.str.contains(_WHOLE)).then(
        plain.str.replace(r"\.0*$", "").cast(pl.Int32, strict=False)
    )


def parse_date(text: pl.Expr) -> pl.Expr:
    """2025-03-07, 2025/3/7, 2025年3月7日 (Excel dates arrive as ISO text) -> DATE; null if
    none of these or not a real day."""
    # Literal replacements, not regex captures: this runs on every date of every batch.
    iso = text.str.replace_many(["/", "年", "月", "日"], ["-", "-", "-", ""])
    return pl.when(text.str.contains(_DATE_FORMS)).then(iso.str.to_date("%Y-%m-%d", strict=False))


_PARSERS = {ValueType.DATE: parse_date, ValueType.NUMBER: parse_number, ValueType.INTEGER: parse_integer}


def typed_value(col: Column) -> pl.Expr:
    """The column's typed value from its trimmed text (see `normalise`)."""
    parser = _PARSERS.get(col.type)
    return (parser(pl.col(col.name)) if parser else pl.col(col.name)).alias(col.name)


def parse_code(col: Column, typed: pl.DataFrame) -> pl.Expr:
    """The row-level code for this column (trimmed text in the frame, typed value given), or null."""
    text = pl.col(col.name)
    expr = pl.when(text.is_null()).then(pl.lit("MISSING_VALUE" if col.required else None))
    if col.type in BAD_CODE:
        expr = expr.when(typed.get_column(col.name).is_null()).then(pl.lit(BAD_CODE[col.type]))
    return expr.otherwise(None).alias(col.name)


def normalise(raw: pl.DataFrame, kind: FileKind) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed frame with the same row order, long frame of parse failures: _idx, column, code)."""
    text = raw.select(pl.col("_idx"), *[trimmed(c.name).alias(c.name) for c in kind.columns])
    typed = text.select([typed_value(c) for c in kind.columns])
    codes = text.select(pl.col("_idx"), *[parse_code(c, typed) for c in kind.columns])
    failures = (
        codes.unpivot(index="_idx", variable_name="column", value_name="code")
        .drop_nulls("code")
    )
    return typed, failures
