"""Pairwise precision and recall of "these two lines are the same customer" (docs/customers.md).

Counted over lines, not over records: a pair of lines is predicted the same customer when
their keys are equal, truly so when the truth's customer ids are. With n lines in a cell of
(truth, key), that cell holds n(n-1)/2 true positive pairs.
"""

from __future__ import annotations

import polars as pl


def _pairs(counts: pl.Series) -> int:
    return int((counts * (counts - 1) // 2).sum())


def pairwise_scores(lines: pl.DataFrame, truth: str = "customer_id", predicted: str = "customer_key") -> dict:
    """precision, recall and pair counts of `predicted` against `truth` (one row per line)."""
    tp = _pairs(lines.group_by(truth, predicted).len()["len"])
    pred = _pairs(lines.group_by(predicted).len()["len"])
    true = _pairs(lines.group_by(truth).len()["len"])
    return {"precision": tp / pred if pred else 1.0, "recall": tp / true if true else 1.0,
            "true_pairs": true, "predicted_pairs": pred, "both": tp}
