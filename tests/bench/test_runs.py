"""What a benchmark run does before its phases (bench/benchmark.py)."""

from __future__ import annotations

from bench import benchmark as bench


def test_the_landing_is_read_whole_before_the_first_phase(tmp_path, monkeypatch):
    """Every file of every dealer's folder is read once, so that the bare parse (the first
    phase) does not alone pay the disk (bench/README.md, "Reading the figures")."""
    landing = tmp_path / "landing"
    files = {"dealers/D0001/a.csv": b"x" * 3_000_000, "dealers/D0002/b.xlsx": b"y" * 10, "erp/prices.csv": b"z"}
    for name, content in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(content)
    assert bench.warm_file_cache(landing) == sum(len(c) for c in files.values())

    warmed = []
    monkeypatch.setattr(bench, "ensure_data", lambda scale, root: bench.ScaleData(tmp_path))
    monkeypatch.setattr(bench, "hold_back_last_day", lambda data: (None, []))
    monkeypatch.setattr(bench, "warm_file_cache", lambda folder: warmed.append(folder))
    bench.fresh_run("tiny", tmp_path)
    assert warmed == [landing]
