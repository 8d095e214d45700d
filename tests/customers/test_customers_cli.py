"""`dcw customers`: resolve, train and chart from the command line; a missing raw layer is
one line."""

from __future__ import annotations

from tests.dcw_runs import dcw


def test_resolve_without_a_raw_layer_is_one_line(tmp_path):
    proc = dcw("customers", "resolve", "--full", "--warehouse", str(tmp_path / "none.duckdb"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"dcw: error: no raw layer at {tmp_path / 'none_raw'}: run 'dcw run' first, or set DCW_WAREHOUSE / --warehouse"]


def test_chart_writes_the_match_weights_of_the_model(tmp_path):
    out = tmp_path / "weights.html"
    proc = dcw("customers", "chart", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    # the chart of the stored model: its comparisons are named in the page
    assert "phone_hash" in page and "name" in page and "vega" in page.lower()
