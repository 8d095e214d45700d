"""Row-level validation of one batch of one kind: parse codes, contract (pandera) codes and
DUPLICATE_ROW, merged into one quarantine row per failing data row.

Everything here works on the whole batch at once; the only per-file element is the file id
column `_fid` that keeps DUPLICATE_ROW within its own file.
"""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl

from pipelines.contracts._base import PERIOD_END, PERIOD_START, known_values
from pipelines.contracts.alert_thresholds import AlertThresholds
from pipelines.contracts.campaigns import Campaigns
from pipelines.contracts.claims import Claims
from pipelines.contracts.dealers import Dealers
from pipelines.contracts.inventory import Inventory
from pipelines.contracts.opening_inventory import OpeningInventory
from pipelines.contracts.prices import Prices
from pipelines.contracts.products import Products
from pipelines.contracts.rebate_programs import RebatePrograms
from pipelines.contracts.regions import Regions
from pipelines.contracts.sales import Sales
from pipelines.contracts.shipments import Shipments
from pipelines.contracts.spec import REFERENCE_RULES, ROW_CODE_ORDER, ROW_CODES, FileKind
from pipelines.contracts.targets import Targets
from pipelines.contracts.territories import Territories
from pipelines.ingest.normalise import normalise
from pipelines.ingest.read import EXTRA, FID

MODELS: dict[str, type[pa.DataFrameModel]] = {
    "regions": Regions, "dealers": Dealers, "territories": Territories, "products": Products,
    "prices": Prices, "campaigns": Campaigns, "opening_inventory": OpeningInventory,
    "shipments": Shipments, "sales": Sales, "inventory": Inventory, "claims": Claims,
    "targets": Targets, "rebate_programs": RebatePrograms,
    "alert_thresholds": AlertThresholds,
}
# Dataframe-level checks and the column a dealer should look at.
_FRAME_CHECK_COLUMN = {"DATE_OUTSIDE_PERIOD": "sale_date", "DELIVERY_BEFORE_SHIP": "delivery_date",
                       "BAD_THRESHOLDS": "low_weeks"}

IDX = "_idx"
FAILURE_SCHEMA = {IDX: pl.UInt32, "column": pl.String, "code": pl.String}

# Reference values: (snapshot kind, column) -> values in the newest snapshot of that kind.
References = dict[tuple[str, str], pl.Series]


@cache
def _base_schema(kind: str) -> pa.DataFrameSchema:
    return MODELS[kind].to_schema()


def contract_schema(kind: str, refs: References) -> pa.DataFrameSchema:
    """The kind's model plus its reference checks against the newest snapshots."""
    schema = _base_schema(kind)
    for (k, column), (code, snap_kind, snap_col) in REFERENCE_RULES.items():
        if k == kind:
            values = refs.get((snap_kind, snap_col), pl.Series(dtype=pl.String))
            checks = [*schema.columns[column].checks, known_values(code, values)]
            schema = schema.update_column(column, checks=checks)
    return schema


def contract_failures(schema: pa.DataFrameSchema, typed: pl.DataFrame) -> pl.DataFrame:
    """(row index, column, code) for every failed named check. NOT NULL failures are left out:
    the normaliser already named their cause (MISSING_VALUE or BAD_DATE/BAD_NUMBER)."""
    try:
        schema.validate(typed, lazy=True)
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
    fc = fc.filter(pl.col("check") != "not_nullable")
    unknown = fc.filter(~pl.col("check").is_in(list(ROW_CODES)) | pl.col("index").is_null())
    if unknown.height:
        raise RuntimeError(f"contract failure that is not a row code: {unknown.head(3).to_dicts()}")
    return fc.select(
        pl.col("index").cast(pl.UInt32).alias(IDX),
        pl.when(pl.col("schema_context") == "Column").then(pl.col("column"))
        .otherwise(pl.col("check").replace_strict(_FRAME_CHECK_COLUMN, default=None)).alias("column"),
        pl.col("check").alias("code"),
    )


def duplicate_rows(raw: pl.DataFrame, kind: FileKind) -> pl.DataFrame:
    """Rows identical in every column (the file's extra columns included) to an earlier row of
    the same file; the first one stays."""
    key = pl.struct([FID, *kind.column_names, EXTRA])
    return raw.filter(~key.is_first_distinct()).select(
        pl.col(IDX), pl.lit(None, dtype=pl.String).alias("column"), pl.lit("DUPLICATE_ROW").alias("code")
    )


def check_rows(kind: FileKind, raw: pl.DataFrame, refs: References) -> tuple[pl.DataFrame, pl.DataFrame]:
    """raw: IDX (= row position), FID, the canonical columns as text, EXTRA, and for sales the
    file's month bounds. Returns (typed frame in raw's row order, failures)."""
    typed, parse_failures = normalise(raw, kind)
    context = [c for c in (PERIOD_START, PERIOD_END) if c in raw.columns]
    typed = typed.with_columns(raw.select(IDX, *context))
    failures = pl.concat([
        parse_failures.select(pl.col(IDX).cast(pl.UInt32), "column", "code"),
        contract_failures(contract_schema(kind.name, refs), typed),
        duplicate_rows(raw, kind),
    ])
    return typed, failures


_ORDER = {code: i for i, code in enumerate(ROW_CODE_ORDER)}


def quarantine_rows(raw: pl.DataFrame, failures: pl.DataFrame, kind: FileKind) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(one row per failing data row: IDX, reason_codes in ROW_CODE_ORDER, reason_detail per
    failing column like `qty='abc': BAD_NUMBER`, raw_values as JSON of the text as sent;
    the failures with the value as sent: IDX, column, value, code)."""
    names = list(kind.column_names)
    failing = raw.join(failures.select(IDX).unique(), on=IDX, how="semi")
    as_sent = failing.unpivot(index=IDX, on=names, variable_name="column", value_name="value")
    detailed = (
        failures.join(as_sent, on=[IDX, "column"], how="left")
        .with_columns(pl.col("code").replace_strict(_ORDER, return_dtype=pl.Int32).alias("_order"))
        .sort(IDX, "_order", "column", nulls_last=True)
    )
    shown = pl.when(pl.col("value").is_null()).then(pl.lit("(empty)")).otherwise(
        pl.concat_str(pl.lit("'"), pl.col("value"), pl.lit("'")))
    piece = pl.when(pl.col("column").is_null()).then(pl.col("code")).otherwise(
        pl.concat_str(pl.col("column"), pl.lit("="), shown, pl.lit(": "), pl.col("code")))
    merged = detailed.group_by(IDX, maintain_order=True).agg(
        pl.col("code").unique(maintain_order=True).str.join(",").alias("reason_codes"),
        piece.str.join("; ").alias("reason_detail"),
    )
    values = failing.select(IDX, pl.struct(names).struct.json_encode().alias("raw_values"))
    return merged.join(values, on=IDX, how="left", maintain_order="left"), detailed.drop("_order")


def claim_ids_taken(typed: pl.DataFrame, dealers: pl.Series, failures: pl.DataFrame,
                    owners: pl.DataFrame) -> pl.DataFrame:
    """CLAIM_ID_TAKEN for claims rows whose claim_id another dealer already uses: its owner is
    the dealer whose accepted row used it first (in the warehouse, `owners`: claim_id, owner;
    else in this batch, in processing order, among rows that fail nothing else). Otherwise one
    dealer's file could replace another dealer's approved claim and move its budget.
    typed: IDX and claim_id in row order; dealers: the file's dealer of each row."""
    rows = typed.select(IDX, "claim_id").with_columns(dealers.alias("dealer_id"))
    clean = rows.join(failures.select(IDX).unique(), on=IDX, how="anti").filter(pl.col("claim_id").is_not_null())
    firsts = clean.group_by("claim_id", maintain_order=True).agg(pl.col("dealer_id").first().alias("owner"))
    owners = owners.select(pl.col("claim_id").cast(pl.String), pl.col("owner").cast(pl.String))
    every = pl.concat([owners, firsts.join(owners, on="claim_id", how="anti")])
    return rows.join(every, on="claim_id", how="inner").filter(pl.col("dealer_id") != pl.col("owner")).select(
        pl.col(IDX).cast(pl.UInt32), pl.lit("claim_id").alias("column"), pl.lit("CLAIM_ID_TAKEN").alias("code"))
