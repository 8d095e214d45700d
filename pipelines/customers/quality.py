"""Pairwise precision and recall of "these two lines are the same customer" (docs/customers.md).

Counted over lines, not over records: a pair of lines is predicted the same customer when
their keys are equal, truly so when the truth's customer ids are. With n lines in a cell of
(truth, key), that cell holds n(n-1)/2 true positive pairs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.core.text import sql_literal


def _pairs(counts: pl.Series) -> int:
    return int((counts * (counts - 1) // 2).sum())


def pairwise_scores(lines: pl.DataFrame, truth: str = "customer_id", predicted: str = "customer_key") -> dict:
    """precision, recall and pair counts of `predicted` against `truth` (one row per line)."""
    tp = _pairs(lines.group_by(truth, predicted).len()["len"])
    pred = _pairs(lines.group_by(predicted).len()["len"])
    true = _pairs(lines.group_by(truth).len()["len"])
    return {"precision": tp / pred if pred else 1.0, "recall": tp / true if true else 1.0,
            "true_pairs": true, "predicted_pairs": pred, "both": tp}


def line_keys(truth_csv: Path, raw: Path) -> pl.DataFrame:
    """customer_id (the generator's truth, `truth/customers.csv`) and customer_key (resolved:
    the raw layer's customer records) of every accepted sales line the truth names."""
    con = duckdb.connect()
    try:
        return pl.from_arrow(con.sql(f"""
            select t.customer_id, k.customer_key
            from read_csv({sql_literal(str(truth_csv))}, all_varchar = true) as t
            join read_parquet({sql_literal(str(raw / 'sales' / '*.parquet'))}, union_by_name = true) as s
                on s.source_file = t.source_file and s.source_row = cast(t.source_row as integer)
            left join read_parquet({sql_literal(str(raw / 'customer_records' / 'records.parquet'))}) as k
                on k.customer_name = s.customer_name and k.customer_city_code = s.customer_city_code
        """).to_arrow_table())
    finally:
        con.close()


def resolution_scores(landing: Path, raw: Path) -> dict | None:
    """pairwise_scores of the raw layer's resolution against the identity truth the generator
    wrote beside `landing` (`<landing>/../truth/customers.csv`); None without that truth (a
    real landing). Lines without a key count as resolved to none (`unresolved`)."""
    truth = landing.parent / "truth" / "customers.csv"
    if not truth.exists() or not (raw / "customer_records" / "records.parquet").exists():
        return None
    lines = line_keys(truth, raw)
    return {**pairwise_scores(lines), "lines": lines.height, "unresolved": lines["customer_key"].null_count()}
