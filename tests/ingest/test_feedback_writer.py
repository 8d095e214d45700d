"""Where and how the feedback files are written: a big run writes them in a process of its
own, with the same bytes as a small run's reader thread; a process that cannot start or
dies leaves nothing unwritten; a CSV is the bytes the csv module writes to a "utf-8-sig" file."""

from __future__ import annotations

import csv
import shutil
import zipfile
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from pathlib import Path

import pytest
from tests.ingest.ingest_env import Env

from pipelines.ingest import load
from pipelines.ingest.feedback import COLUMNS, FileOutcome, _csv_value, safe_cell, summary_rows, write_feedback


def _landing(env: Env) -> None:
    """Dealer files of every outcome, as CSV and XLSX, in two dealers' folders."""
    lb = env.landing
    lb.sales("D0001", "202501", [lb.sale(), lb.sale(qty="x"), lb.sale(sku="NOPE", customer_name="=1+1")])
    lb.sales("D0001", "202502", [lb.sale(sale_date="2025-02-03")], fmt="xlsx")
    lb.sales("D0002", "202501", [lb.sale(), lb.sale(qty="-1")], fmt="xlsx")
    lb.inventory("D0002", "20250131", [lb.stock()])
    lb.write("dealers/D0002/sales_D0002_2025-01.csv", b"sku,qty\nSKU001,1\n")  # a bad name


def _files(folder: Path) -> dict[str, bytes]:
    """Every feedback file's bytes; a workbook's without its creation time (docProps/core.xml)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.suffix == ".csv":
            out[str(p.relative_to(folder))] = p.read_bytes()
        elif p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                out[str(p.relative_to(folder))] = b"".join(z.read(n) for n in z.namelist() if n != "docProps/core.xml")
    return out


class _Spy(load._FeedbackWriter):
    made: list[load._FeedbackWriter] = []

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        _Spy.made.append(self)


@pytest.fixture
def spy(monkeypatch):
    _Spy.made = []
    monkeypatch.setattr(load, "_FeedbackWriter", _Spy)
    return _Spy.made


def _twins(tmp_path) -> tuple[Env, Env]:
    a, b = Env(tmp_path / "a"), Env(tmp_path / "b")
    a.landing.standard_erp()
    _landing(a)
    shutil.copytree(a.landing.root, b.landing.root, dirs_exist_ok=True)
    return a, b


def test_a_big_run_writes_the_feedback_in_a_process_with_the_bytes_of_a_small_runs_thread(tmp_path, monkeypatch, spy):
    small, big = _twins(tmp_path)
    in_thread = small.ingest()
    assert not spy[-1].in_process_jobs  # a small run: no process to start
    monkeypatch.setattr(load, "FEEDBACK_PROCESS_FILES", 0)  # every run is "big"
    in_process = big.ingest()
    assert spy[-1].in_process_jobs == 1  # one batch, written by the process
    assert [Path(p).relative_to(big.feedback) for p in in_process.feedback_files] == \
        [Path(p).relative_to(small.feedback) for p in in_thread.feedback_files]
    written = _files(big.feedback)
    assert len(written) == 7 and written == _files(small.feedback)  # 5 CSV, 2 workbooks
    assert in_process.feedback_pending == [] and big.query("SELECT count(*) FROM meta.feedback_outbox").item() == 0


class _Broken:
    """A process pool whose process died: every job fails as concurrent.futures says."""

    def __init__(self, *a, **kw):
        pass

    def submit(self, *a, **kw):
        f = Future()
        f.set_exception(BrokenProcessPool("the worker died"))
        return f

    def shutdown(self, *a, **kw):
        pass


class _Unstartable(_Broken):
    def submit(self, *a, **kw):
        raise RuntimeError("cannot start a process")


@pytest.mark.parametrize("pool", [_Broken, _Unstartable])
def test_feedback_the_process_did_not_write_is_written_by_the_run_itself(tmp_path, monkeypatch, spy, pool):
    small, big = _twins(tmp_path)
    small.ingest()
    monkeypatch.setattr(load, "FEEDBACK_PROCESS_FILES", 0)
    monkeypatch.setattr(load, "ProcessPoolExecutor", pool)
    summary = big.ingest()
    assert _files(big.feedback) == _files(small.feedback) and len(summary.feedback_files) == 7
    assert summary.feedback_pending == [] and big.query("SELECT count(*) FROM meta.feedback_outbox").item() == 0


def _old_csv(path: Path, outcome: FileOutcome, lines: list[tuple]) -> None:
    """How a feedback CSV was written before it was composed in memory: the reference bytes."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerows([safe_cell(label), _csv_value(value)] for label, value in summary_rows(outcome, len(lines)))
        if lines:
            w.writerow([])
            w.writerow(COLUMNS)
            w.writerows([_csv_value(v) for v in line] for line in lines)


@pytest.mark.parametrize("status", ["accepted", "partially_accepted"])
def test_a_feedback_csv_is_the_csv_modules_bytes_with_a_bom(tmp_path, status):
    outcome = FileOutcome(source_file="dealers/D0001/sales_D0001_202501_20250205T100000.csv", dealer_id="D0001",
                          status=status, kind="sales", ext="csv", rows_read=3, rows_quarantined=int(status != "accepted"),
                          submitted_at=datetime(2025, 2, 5, 10), period_start=date(2025, 1, 1))
    lines = [] if status == "accepted" else [
        (3, 2, "2025-01-03", "SKU001", "张三, \"大\"客户", "INV\n1", "数量 qty", "-1", "QTY_NOT_POSITIVE", "数量须大于0",
         "qty must be above 0", None)]
    (tmp_path / "new").mkdir()
    paths = write_feedback(tmp_path / "new", outcome, lines, folder_made=True)
    _old_csv(tmp_path / "old.csv", outcome, lines)
    assert [p.name for p in paths] == [f"{outcome.source_file.rsplit('/', 1)[1]}.{'receipt' if lines == [] else 'feedback'}.csv"]
    assert paths[0].read_bytes() == (tmp_path / "old.csv").read_bytes()
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbf")


class _NoSemaphores:
    def __init__(self, *a, **kw):
        raise OSError(38, "Function not implemented")


def test_where_no_process_can_be_made_the_threads_write_the_feedback(tmp_path, monkeypatch, spy):
    small, big = _twins(tmp_path)
    small.ingest()
    monkeypatch.setattr(load, "FEEDBACK_PROCESS_FILES", 0)
    monkeypatch.setattr(load, "ProcessPoolExecutor", _NoSemaphores)
    summary = big.ingest()
    assert spy[-1].in_process_jobs == 0 and _files(big.feedback) == _files(small.feedback)
    assert summary.feedback_pending == []
