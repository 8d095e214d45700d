"""Whole `dcw` runs in their own folders, and what they built, for tests that compare runs."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def env_for(root: Path, landing: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DCW_LANDING": str(landing),
        "DCW_WAREHOUSE": str(root / "warehouse.duckdb"),
        "DCW_FEEDBACK": str(root / "feedback"),
        "DCW_SERVING": str(root / "serving" / "dcw.duckdb"),
        "DCW_REPORTS": str(root / "reports"),
        "DCW_AS_OF": "2025-03-10",
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


# when and in which batch a file was loaded differs between two warehouses by nature
RUN_COLUMNS = ("ingested_at", "batch_id")


def marts_contents(warehouse: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
        out = {}
        for t in tables:
            rel = con.table(f"marts.{t}")
            cols = [f'"{c}"' for c in rel.columns if c not in RUN_COLUMNS]
            out[t] = sorted(map(repr, rel.select(", ".join(cols)).fetchall()))
        return out
    finally:
        con.close()
