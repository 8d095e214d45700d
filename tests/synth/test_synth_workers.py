"""The generator on several processes (docs/generator.md, "Both cores"): the same seed gives
the same bytes whatever the number of workers, and a workbook written by a helper process is
a file like any other (compared by content, read back once written)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import date

import pytest
from tests.synth.test_synth_truth import tree_hash

from pipelines.core.errors import UserError
from pipelines.synth import GeneratorParams, generate
from pipelines.synth.formats import PROFILES
from pipelines.synth.generator import pool_size
from pipelines.synth.landing import Landing, Workbook

XLSX = next(p for p in PROFILES if p.ext == "xlsx")


def test_one_and_two_workers_write_the_same_bytes(tmp_path):
    params = dict(seed=3, dealers=8, skus=8, months=3, start=date(2025, 1, 1))
    for workers in (1, 2):
        generate(GeneratorParams(out=tmp_path / str(workers) / "landing", **params), workers=workers)
    # every file under landing/ and truth/, workbooks included
    assert sum(1 for p in (tmp_path / "2" / "landing").rglob("*.xlsx")) > 5
    assert tree_hash(tmp_path / "1") == tree_hash(tmp_path / "2")


def test_a_pooled_workbook_is_compared_by_content_and_read_back_once_written(tmp_path):
    (tmp_path / "truth").mkdir()
    book = Workbook(("sku", "qty_on_hand"), {"sku": ["AP101"] * 2000, "qty_on_hand": list(range(2000))},
                    XLSX, "库存盘点")
    with ProcessPoolExecutor(1) as pool:
        landing = Landing(tmp_path / "landing", tmp_path / "truth", pool)
        write = dict(kind="inventory", dealer_id="D01", status="accepted", rows=2000)
        assert landing.write("dealers/D01/a.xlsx", None, xlsx=book, **write)
        # the same content again: the same bytes, so not written as a new file
        assert not landing.write("dealers/D01/b.xlsx", None, xlsx=book, **write)
        data = landing.read("dealers/D01/a.xlsx")  # waits for the helper process
        assert data.startswith(b"PK")
        assert landing.write("dealers/D01/c.xlsx", data, kind="inventory", dealer_id="D01",
                             status="duplicate", duplicate=True)
        landing.close()
    assert sorted(p.name for p in (tmp_path / "landing" / "dealers" / "D01").iterdir()) == ["a.xlsx", "c.xlsx"]


def test_workers_count_this_process_and_must_be_positive():
    assert pool_size(1) == 0
    assert pool_size(2) == 1
    with pytest.raises(UserError, match="--workers"):
        pool_size(0)
