"""Pairwise precision and recall of "these two lines are the same customer" (docs/customers.md).

Counted over lines, not over records: a pair of lines is predicted the same customer when
their keys are equal, truly so when the truth's customer ids are. With n lines in a cell of
(truth, key), that cell holds n(n-1)/2 true positive pairs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.core.settings import DEFAULT_DUCKDB_MEMORY
from pipelines.core.text import sql_literal


def _pairs(counts: pl.Series) -> int:
    return int((counts * (counts - 1) // 2).sum())


def pairwise_scores(lines: pl.DataFrame, truth: str = "customer_id", predicted: str = "customer_key",
                    count: str | None = None) -> dict:
    """precision, recall and pair counts of `predicted` against `truth`: one row per line, or
    with `count` one row per (truth, predicted) cell holding its number of lines."""
    if count is None:
        lines, count = lines.group_by(truth, predicted).len("lines"), "lines"

    def pairs(*by: str) -> int:
        return _pairs(lines.group_by(*by).agg(pl.col(count).sum())[count])

    tp, pred, true = pairs(truth, predicted), pairs(predicted), pairs(truth)
    return {"precision": tp / pred if pred else 1.0, "recall": tp / true if true else 1.0,
            "true_pairs": true, "predicted_pairs": pred, "both": tp}


def line_cells(truth_csv: Path, raw: Path, memory_limit: str = DEFAULT_DUCKDB_MEMORY) -> pl.DataFrame:
    """The accepted sales lines the truth (`truth/customers.csv`) names, counted by
    customer_id (the generator's truth) and customer_key (resolved: the raw layer's customer
    records): one row per cell, `lines` its lines. Counted in DuckDB under the run's memory
    bound, as the lines themselves grow with the history (69.5M at scale L)."""
    con = duckdb.connect(config={"memory_limit": memory_limit})
    try:
        return pl.from_arrow(con.sql(f"""
            select t.customer_id, k.customer_key, count(*) as lines
            from read_csv({sql_literal(str(truth_csv))}, all_varchar = true) as t
            join read_parquet({sql_literal(str(raw / 'sales' / '*.parquet'))}, union_by_name = true) as s
                on s.source_file = t.source_file and s.source_row = cast(t.source_row as integer)
            left join read_parquet({sql_literal(str(raw / 'customer_records' / 'records.parquet'))}) as k
                on k.customer_name = s.customer_name and k.customer_city_code = s.customer_city_code
            group by all
        """).to_arrow_table())
    finally:
        con.close()


def resolution_scores(landing: Path, raw: Path, memory_limit: str = DEFAULT_DUCKDB_MEMORY) -> dict | None:
    """pairwise_scores of the raw layer's resolution against the identity truth the generator
    wrote beside `landing` (`<landing>/../truth/customers.csv`); None without that truth (a
    real landing). Lines without a key count as resolved to none (`unresolved`)."""
    truth = landing.parent / "truth" / "customers.csv"
    if not truth.exists() or not (raw / "customer_records" / "records.parquet").exists():
        return None
    cells = line_cells(truth, raw, memory_limit)
    return {**pairwise_scores(cells, count="lines"), "lines": int(cells["lines"].sum()),
            "unresolved": int(cells.filter(pl.col("customer_key").is_null())["lines"].sum())}
