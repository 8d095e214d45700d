"""Customer resolution against the generator's identity truth (truth/customers.csv) at the demo
scale: pairwise precision and recall of "these two lines are the same customer"."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.customers.quality import pairwise_scores, resolution_scores
from pipelines.customers.resolve import resolve
from pipelines.ingest import run_ingestion
from pipelines.synth.generator import generate
from pipelines.synth.params import GeneratorParams

pytestmark = pytest.mark.slow  # the demo world generated and ingested


def test_pairwise_precision_and_recall_at_demo_scale(tmp_path):
    summary = generate(GeneratorParams(out=tmp_path / "landing"))  # the demo: seed 42, 40 dealers, 24 months
    run_ingestion(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "feedback")
    resolve(tmp_path / "warehouse_raw")
    scores = resolution_scores(tmp_path / "landing", tmp_path / "warehouse_raw")
    assert scores["lines"] == summary["sales_lines"] and scores["unresolved"] == 0
    assert scores["precision"] >= 0.98, scores
    assert scores["recall"] >= 0.95, scores


def test_pairwise_scores_count_pairs_of_lines():
    # truth a a a b, predicted 1 1 2 2: true pairs 3 (aa x3), predicted 2 (11, 22), both 1
    lines = pl.DataFrame({"customer_id": ["a", "a", "a", "b"], "customer_key": ["1", "1", "2", "2"]})
    s = pairwise_scores(lines)
    assert (s["true_pairs"], s["predicted_pairs"], s["both"]) == (3, 2, 1)
    assert s["precision"] == 0.5 and s["recall"] == 1 / 3
    # the same lines as counted cells (what the benchmark reads from DuckDB)
    cells = pl.DataFrame({"customer_id": ["a", "a", "b"], "customer_key": ["1", "2", "2"], "lines": [2, 1, 1]})
    assert pairwise_scores(cells, count="lines") == s
