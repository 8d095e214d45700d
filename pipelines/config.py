"""Paths and settings, read from the environment (one variable each), overridable by the CLI.

`DCW_WAREHOUSE` is the one variable for the warehouse path: the DuckDB resource, the
ingestion and dbt's `profiles.yml` all read it, so tests point everything at a temporary
warehouse by setting it once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class UserError(Exception):
    """An error the user can cause and fix (bad option, missing file): shown as one line."""


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    as_of: date
    feedback: Path
    serving: Path
    reports: Path
    raw: Path

    def with_overrides(self, **kwargs) -> "Settings":
        clean = {k: v for k, v in kwargs.items() if v is not None}
        if "warehouse" in clean and "raw" not in clean:
            clean["raw"] = raw_dir(clean["warehouse"])
        return replace(self, **clean)


def parse_date(text: str, what: str = "date") -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise UserError(f"{what} must be YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what} is not a real date: {text!r}") from None


def parse_month(text: str, what: str = "month") -> date:
    """'YYYY-MM' -> the month's first day (months are represented by their first day)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UserError(f"{what} must be YYYY-MM, got {text!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var) or default
    p = Path(value)
    return p if p.is_absolute() else (Path.cwd() / p)


def raw_dir(warehouse: Path) -> Path:
    """The raw layer's Parquet folder: `DCW_RAW`, else beside the warehouse file and named
    after it (data/warehouse.duckdb -> data/warehouse_raw), so two warehouses in one folder
    never share a raw layer."""
    if os.environ.get("DCW_RAW"):
        return _path("DCW_RAW", "")
    return warehouse.with_name(warehouse.stem + "_raw")


def settings() -> Settings:
    """Settings from the environment, with the documented defaults."""
    as_of_text = os.environ.get("DCW_AS_OF")
    as_of = parse_date(as_of_text, "DCW_AS_OF") if as_of_text else date.today()
    warehouse = _path("DCW_WAREHOUSE", "data/warehouse.duckdb")
    return Settings(
        landing=_path("DCW_LANDING", "data/landing"),
        warehouse=warehouse,
        as_of=as_of,
        feedback=_path("DCW_FEEDBACK", "data/feedback"),
        # not marts.duckdb: DuckDB names the catalog after the file, and a catalog called
        # `marts` would make analysts' `marts.<table>` ambiguous
        serving=_path("DCW_SERVING", "data/serving/dcw.duckdb"),
        reports=_path("DCW_REPORTS", "data/reports"),
        raw=raw_dir(warehouse),
    )
