"""What leaves the dashboard: tables with every phone number masked, as CSV or XLSX bytes.

No mart holds an end customer's phone in clear (docs/marts.md, "Privacy"), but a dealer can
type one into any free-text field (a claim's description, a customer name), so every table
shown or downloaded is masked again here, as the marts mask: the first 3 and last 4 digits
stay (`138****5678`).
"""

from __future__ import annotations

import io
import re

import pandas as pd

from pipelines.ingest.feedback import safe_cell

# A mainland mobile number (11 digits from 1[3-9]), optionally with +86/0086, spaces or
# dashes inside, not part of a longer number.
_PHONE = re.compile(r"(?<![\d])(?:(?:\+|00)86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column.dtype)


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with phone numbers masked in every text column (a copy when anything changes)."""
    text = [c for c in frame.columns if _is_text(frame[c])]
    if not text:
        return frame
    out = frame.copy()
    for c in text:
        out[c] = out[c].map(lambda v: mask_phones(v) if isinstance(v, str) else v)
    return out


def _spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    # a dealer's text never runs as a formula in the manager's spreadsheet
    out = frame.copy()
    for c in out.columns:
        if _is_text(out[c]):
            out[c] = out[c].map(lambda v: safe_cell(v) if isinstance(v, str) else v)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel shows the Chinese."""
    return _spreadsheet_safe(mask_frame(frame)).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    import xlsxwriter  # noqa: F401  (the engine; a dependency of dcw)

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}}) as xw:
        _spreadsheet_safe(mask_frame(frame)).to_excel(xw, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
