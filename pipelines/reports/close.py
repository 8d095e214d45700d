"""The monthly close of the expense write-off (费用核销): once a month is closed, its figures never
change (docs/marts.md, finance/). Closing freezes the month's rows of
`marts.fct_expense_writeoff` into the raw layer (`<raw>/writeoff_closed/<YYYY-MM>.parquet`,
then the marker `<raw>/closed_months/<YYYY-MM>.parquet`); dbt takes a closed month's rows from
there, and a claim that arrives later for it is written off in the first open month.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.core.errors import UserError
from pipelines.core.settings import Settings
from pipelines.ingest import raw_layer as wh


def closed_months(raw: Path) -> set[date]:
    """The months closed so far (from the markers' names)."""
    folder = raw / "closed_months"
    if not folder.is_dir():
        return set()
    return {date(int(p.stem[:4]), int(p.stem[5:7]), 1) for p in folder.glob("????-??.parquet")}


def close_month(cfg: Settings, month: date) -> bool:
    """Close write-off month `month` (its first day) of the warehouse of `cfg`; False if it was
    closed already (a closed month is never closed again). The month must be over as of the
    business date, and the marts built."""
    if month in closed_months(cfg.raw):
        return False
    if (month.year, month.month) >= (cfg.as_of.year, cfg.as_of.month):
        raise UserError(f"the month {month:%Y-%m} is not over as of {cfg.as_of}: only a past month can be closed")
    if not cfg.warehouse.exists():
        raise UserError(f"no warehouse at {cfg.warehouse} (run 'dcw run' first, or set DCW_WAREHOUSE / --warehouse)")
    name = f"{month:%Y-%m}"
    with cfg.connect() as con:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
                           "AND table_name = 'fct_expense_writeoff'").fetchone()[0]:
            raise UserError(f"the warehouse {cfg.warehouse} has no write-off mart yet: run 'dcw run' first")
        day = month.isoformat()  # a date built by dcw, not text from a user
        # The rows first, the marker last: a month counts as closed only once its rows are there.
        wh.write_closed(con, cfg.raw, "writeoff_closed",
                        f"SELECT * FROM marts.fct_expense_writeoff WHERE writeoff_month = DATE '{day}'", name)
        wh.write_closed(con, cfg.raw, "closed_months",
                        f"SELECT DATE '{day}' AS writeoff_month, current_localtimestamp() AS closed_at", name)
    return True
