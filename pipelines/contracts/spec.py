"""The input contract (docs/input_contract.md) as data: file kinds, file names, columns and
reason codes.

This module is the one place both sides of the contract read from: the generator
(`pipelines.synth`) writes files that follow it, the ingestion (`pipelines.ingest`) parses
and validates against it, and the feedback files explain its reason codes. Nothing here does
I/O but reading the table of codes (pipelines/codes.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from pipelines import codes


class ValueType(str, Enum):
    CODE = "code"  # compared as text after trimming (ids, codes, batch numbers)
    TEXT = "text"  # free text, kept as sent (trimmed)
    DATE = "date"  # ISO, 2025/3/7, 2025年3月7日 or a native Excel date
    NUMBER = "number"  # plain or with thousands separators; exact decimal
    INTEGER = "integer"  # a number that must be whole (line_no)


@dataclass(frozen=True)
class Column:
    name: str
    type: ValueType
    required: bool = True
    alias_zh: str | None = None  # the Chinese header dealers may use instead


@dataclass(frozen=True)
class FileKind:
    name: str
    source: str  # "erp" or "dealer"
    mode: str  # "snapshot", "delta", "month" (sales), "day" (inventory), "claims"
    pattern: re.Pattern[str]
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def header_aliases(self) -> dict[str, str]:
        """Normalised header text (trimmed, lower-case) -> canonical column name."""
        out: dict[str, str] = {}
        for c in self.columns:
            out[normalise_header(c.name)] = c.name
            if c.alias_zh:
                out[normalise_header(c.alias_zh)] = c.name
        return out


def normalise_header(text: str) -> str:
    """Headers are matched after trimming spaces, case-insensitively."""
    return text.strip().lower()


C, T, D, N, I = ValueType.CODE, ValueType.TEXT, ValueType.DATE, ValueType.NUMBER, ValueType.INTEGER

_DATE8 = r"(?P<date>\d{8})"
_SUBMITTED = r"(?P<submitted>\d{8}T\d{6})"
_DEALER = r"(?P<dealer_id>[A-Za-z0-9][A-Za-z0-9_-]*)"
_DEALER_EXT = r"\.(?P<ext>csv|xlsx)"


def _erp(name: str, mode: str, *columns: Column) -> FileKind:
    return FileKind(name, "erp", mode, re.compile(rf"{name}_{_DATE8}\.(?P<ext>csv)"), columns)


ERP_KINDS: tuple[FileKind, ...] = (
    _erp(
        "regions",
        "snapshot",
        Column("city_code", C),
        Column("city_name", T),
        Column("province", T),
        Column("region", T),
    ),
    _erp(
        "dealers",
        "snapshot",
        Column("dealer_id", C),
        Column("dealer_name", T),
        Column("tier", C),
        Column("region", T),
        Column("province", T),
        Column("city_code", C),
        Column("credit_limit", N),
        Column("status", C),
        Column("contract_start", D),
        Column("contract_end", D),
        Column("contact_email", T, required=False),
        Column("manager_email", T, required=False),
    ),
    _erp(
        "territories",
        "snapshot",
        Column("dealer_id", C),
        Column("city_code", C),
        Column("valid_from", D),
        Column("valid_to", D, required=False),
    ),
    _erp(
        "products",
        "snapshot",
        Column("sku", C),
        Column("product_name", T),
        Column("category", T),
        Column("brand", T),
        Column("unit_cost", N),
        Column("launch_date", D),
        Column("status", C),
    ),
    _erp(
        "prices",
        "snapshot",
        Column("sku", C),
        Column("price_type", C),
        Column("price", N),
        Column("valid_from", D),
        Column("valid_to", D, required=False),
    ),
    _erp(
        "campaigns",
        "snapshot",
        Column("campaign_id", C),
        Column("campaign_name", T),
        Column("campaign_type", T),
        Column("start_date", D),
        Column("end_date", D),
        Column("category", T),
        Column("region", T),
        Column("reimbursement_rate", N),
        Column("budget", N),
    ),
    _erp(
        "opening_inventory",
        "snapshot",
        Column("dealer_id", C),
        Column("sku", C),
        Column("batch_no", C, required=False),
        Column("qty", N),
        Column("as_of_date", D),
    ),
    _erp(
        "shipments",
        "delta",
        Column("shipment_id", C),
        Column("line_no", I),
        Column("ship_date", D),
        Column("dealer_id", C),
        Column("sku", C),
        Column("qty", N),
        Column("unit_price", N),
        Column("batch_no", C),
        Column("delivery_date", D, required=False),  # 到货日期; empty = delivered on ship_date
    ),
    _erp(
        "alert_thresholds",  # optional kind: without it the alerts use 2 and 12 weeks
        "snapshot",
        Column("category", T),
        Column("tier", C),
        Column("low_weeks", N),
        Column("high_weeks", N),
    ),
    # optional kinds: never sending them changes nothing (docs/input_contract.md)
    _erp(
        "targets",
        "snapshot",
        Column("dealer_id", C),
        Column("period", C),  # YYYY-MM or YYYY-Qn
        Column("target_value", N),
    ),
    _erp(
        "rebate_programs",
        "snapshot",
        Column("program_id", C),
        Column("program_name", T),
        Column("quarter", C),  # YYYY-Qn
        Column("region", T),
        Column("min_attainment", N),
        Column("rebate_rate", N),
    ),
)

DEALER_KINDS: tuple[FileKind, ...] = (
    FileKind(
        "sales",
        "dealer",
        "month",
        re.compile(rf"sales_{_DEALER}_(?P<month>\d{{6}})_{_SUBMITTED}{_DEALER_EXT}"),
        (
            Column("sale_date", D, alias_zh="销售日期"),
            Column("customer_name", T, alias_zh="客户名称"),
            Column("customer_city_code", C, alias_zh="客户城市编码"),
            Column("customer_phone", C, required=False, alias_zh="客户电话"),
            Column("sku", C, alias_zh="产品编码"),
            Column("qty", N, alias_zh="数量"),
            Column("unit_price", N, alias_zh="单价"),
            Column("batch_no", C, required=False, alias_zh="批号"),
            Column("invoice_no", C, required=False, alias_zh="发票号"),
        ),
    ),
    FileKind(
        "inventory",
        "dealer",
        "day",
        re.compile(rf"inventory_{_DEALER}_{_DATE8}_{_SUBMITTED}{_DEALER_EXT}"),
        (
            Column("sku", C, alias_zh="产品编码"),
            Column("qty_on_hand", N, alias_zh="库存数量"),
            Column("batch_no", C, required=False, alias_zh="批号"),
        ),
    ),
    FileKind(
        "claims",
        "dealer",
        "claims",
        re.compile(rf"claims_{_DEALER}_{_SUBMITTED}{_DEALER_EXT}"),
        (
            Column("claim_id", C, alias_zh="申请单号"),
            Column("campaign_id", C, alias_zh="活动编号"),
            Column("expense_type", T, alias_zh="费用类型"),
            Column("amount", N, alias_zh="金额"),
            Column("period_start", D, alias_zh="开始日期"),
            Column("period_end", D, alias_zh="结束日期"),
            Column("description", T, required=False, alias_zh="说明"),
        ),
    ),
)

KINDS: dict[str, FileKind] = {k.name: k for k in ERP_KINDS + DEALER_KINDS}

# Quantity rules per kind: QTY_NOT_POSITIVE fires when the check fails.
# sales qty > 0; inventory qty_on_hand >= 0; shipment qty != 0. Opening inventory is stock on
# hand, held to the same rule as a dealer's inventory report (>= 0).
QTY_RULES: dict[str, tuple[str, str]] = {
    "sales": ("qty", ">0"),
    "inventory": ("qty_on_hand", ">=0"),
    "shipments": ("qty", "!=0"),
    "opening_inventory": ("qty", ">=0"),
}
PRICE_RULES: dict[str, str] = {"sales": "unit_price", "shipments": "unit_price", "prices": "price"}
AMOUNT_RULES: dict[str, str] = {"claims": "amount", "targets": "target_value"}
# Periods of the optional target kinds: a column that must read YYYY-MM or YYYY-Qn (targets)
# or YYYY-Qn (rebate programmes), else BAD_DATE; fractions out of their range are BAD_NUMBER.
PERIOD_RULES: dict[str, str] = {"targets": "period", "rebate_programs": "quarter"}
FRACTION_RULES: dict[str, tuple[str, ...]] = {"rebate_programs": ("min_attainment", "rebate_rate")}

# Reference checks: (kind, column) -> the snapshot whose newest version must hold the value.
REFERENCE_RULES: dict[tuple[str, str], tuple[str, str, str]] = {
    # (kind, column): (code, snapshot kind, snapshot column)
    ("sales", "sku"): ("UNKNOWN_SKU", "products", "sku"),
    ("sales", "customer_city_code"): ("UNKNOWN_CITY", "regions", "city_code"),
    ("inventory", "sku"): ("UNKNOWN_SKU", "products", "sku"),
    ("shipments", "sku"): ("UNKNOWN_SKU", "products", "sku"),
    ("shipments", "dealer_id"): ("UNKNOWN_DEALER", "dealers", "dealer_id"),
    ("opening_inventory", "sku"): ("UNKNOWN_SKU", "products", "sku"),
    ("opening_inventory", "dealer_id"): ("UNKNOWN_DEALER", "dealers", "dealer_id"),
    ("territories", "dealer_id"): ("UNKNOWN_DEALER", "dealers", "dealer_id"),
    ("territories", "city_code"): ("UNKNOWN_CITY", "regions", "city_code"),
    ("targets", "dealer_id"): ("UNKNOWN_DEALER", "dealers", "dealer_id"),
}

# ---------------------------------------------------------------------------------------------
# Reason codes, with the words a dealer or a channel manager reads: read from the one table of
# codes, the seed dbt_project/seeds/dcw_codes.csv (see pipelines/codes.py).

FILE_CODES: Mapping[str, tuple[str, str]] = codes.wording("file")
ROW_CODES: Mapping[str, tuple[str, str]] = codes.wording("row")

# Row codes in the order they are reported when several apply to one row.
ROW_CODE_ORDER: tuple[str, ...] = codes.codes("row")

STATUSES: tuple[str, ...] = codes.codes("submission_status")


def explain(code: str, family: str | None = None) -> tuple[str, str]:
    """(Chinese, English) words for a code of `family` ("file" or "row"); without a family,
    a file-level code's words win (UNKNOWN_DEALER is both)."""
    if family is not None:
        return codes.wording(family)[code]
    return FILE_CODES.get(code) or ROW_CODES[code]
