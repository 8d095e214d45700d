"""Customer resolution against the generator's identity truth (truth/customers.csv) at the demo
scale: pairwise precision and recall of "these two lines are the same customer"."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines.core.text import sql_literal
from pipelines.customers.quality import pairwise_scores
from pipelines.customers.resolve import resolve
from pipelines.ingest import run_ingestion
from pipelines.synth.generator import generate
from pipelines.synth.params import GeneratorParams

pytestmark = pytest.mark.slow  # the demo world generated and ingested


def line_keys(root) -> pl.DataFrame:
    """customer_id (truth) and customer_key (resolved) of every accepted line of the truth."""
    raw = root / "warehouse_raw"
    con = duckdb.connect()
    try:
        return pl.from_arrow(con.sql(f"""
            select t.customer_id, k.customer_key
            from read_csv({sql_literal(str(root / 'truth' / 'customers.csv'))}, all_varchar = true) as t
            join read_parquet({sql_literal(str(raw / 'sales' / '*.parquet'))}, union_by_name = true) as s
                on s.source_file = t.source_file and s.source_row = cast(t.source_row as integer)
            left join read_parquet({sql_literal(str(raw / 'customer_records' / 'records.parquet'))}) as k
                on k.customer_name = s.customer_name and k.customer_city_code = s.customer_city_code
        """).to_arrow_table())
    finally:
        con.close()


def test_pairwise_precision_and_recall_at_demo_scale(tmp_path):
    summary = generate(GeneratorParams(out=tmp_path / "landing"))  # the demo: seed 42, 40 dealers, 24 months
    run_ingestion(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "feedback")
    resolve(tmp_path / "warehouse_raw")
    lines = line_keys(tmp_path)
    assert lines.height == summary["sales_lines"] and lines["customer_key"].null_count() == 0
    scores = pairwise_scores(lines)
    assert scores["precision"] >= 0.98, scores
    assert scores["recall"] >= 0.95, scores


def test_pairwise_scores_count_pairs_of_lines():
    # truth a a a b, predicted 1 1 2 2: true pairs 3 (aa x3), predicted 2 (11, 22), both 1
    lines = pl.DataFrame({"customer_id": ["a", "a", "a", "b"], "customer_key": ["1", "1", "2", "2"]})
    s = pairwise_scores(lines)
    assert (s["true_pairs"], s["predicted_pairs"], s["both"]) == (3, 2, 1)
    assert s["precision"] == 0.5 and s["recall"] == 1 / 3
