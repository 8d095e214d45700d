"""The analyst notebooks (notebooks/*.ipynb) run top to bottom in the venv's kernel against a
serving file built from demo data, draw their charts with labels every machine can render,
and never show a customer's phone number."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from pipelines import codes

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell; the demo notebooks take a few seconds in all
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # a mainland mobile number
# Prepended to every run: says which Python runs the kernel, and pins the font to one without
# CJK glyphs, so a Chinese chart label warns "Glyph ... missing" even where a CJK font is installed.
PROBE = """\
import sys
import matplotlib
matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
print(sys.executable)
print(sys.prefix)"""


def run(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Execute `nb` in kernel python3 started in `cwd`, with PROBE as its first cell."""
    nb.cells.insert(0, new_code_cell(PROBE))
    NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    probe = "".join(o.get("text", "") for o in nb.cells[0].outputs).split()
    # kernel "python3" must be this venv's Python, which has the project's packages
    assert probe == [sys.executable, sys.prefix]
    return nb


def texts(nb: nbformat.NotebookNode) -> list[str]:
    """Every text a reader sees in the outputs (streams, tables, errors), not the images."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                found.append(out.text)
            elif out.output_type == "error":
                found.append("\n".join(out.traceback))
            else:
                found += [v for k, v in out.get("data", {}).items() if k.startswith("text/")]
    return found


def images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


def test_there_are_the_four_analyst_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_sell_through_and_stock_cover.ipynb",
        "02_diversion_investigation.ipynb",
        "03_marketing_roi_and_forecast.ipynb",
        "04_customers.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.slow  # the demo through the whole pipeline, then a kernel per notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_draws_charts_and_shows_no_phone_number(path, demo_serving, monkeypatch):
    monkeypatch.setenv("DCW_SERVING", str(demo_serving))
    nb = run(nbformat.read(path, as_version=4), NOTEBOOKS_DIR)  # raises on any cell's error

    assert images(nb) >= 1
    shown = texts(nb)
    assert str(demo_serving) in "".join(shown)  # it read the file it was pointed at
    assert not [t for t in shown if PHONE.search(t)]
    assert not [t for t in shown if "missing from font" in t]  # no CJK label drawn as empty boxes
    if path.stem == "02_diversion_investigation":  # every rule of the codes seed, the newest included
        assert not [r for r in codes.codes("diversion") if r not in "".join(shown)]


@pytest.mark.slow  # the demo through the whole pipeline
@pytest.mark.parametrize("cwd", [REPO_ROOT, NOTEBOOKS_DIR], ids=["from-repo-root", "from-notebooks"])
def test_setup_cell_finds_the_serving_file_from_either_working_directory(cwd, demo_serving, monkeypatch):
    # a relative DCW_SERVING is taken from the repo root whichever directory the kernel starts in
    monkeypatch.setenv("DCW_SERVING", os.path.relpath(demo_serving, REPO_ROOT))
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code" and "nb.connect()" in c.source)
    nb.cells = [setup, new_code_cell("con.close()")]
    out = "".join(texts(run(nb, cwd)))
    assert f"serving file {demo_serving} " in out


@pytest.fixture
def helper(monkeypatch):
    monkeypatch.syspath_prepend(str(NOTEBOOKS_DIR))
    import dcw_notebook

    return dcw_notebook


def test_a_missing_serving_file_is_one_clear_line(helper, tmp_path, monkeypatch):
    monkeypatch.setenv("DCW_SERVING", str(tmp_path / "nowhere.duckdb"))
    with pytest.raises(FileNotFoundError) as error:
        helper.connect()
    message = str(error.value)
    assert "\n" not in message
    assert str(tmp_path / "nowhere.duckdb") in message and "make demo" in message


def test_chart_labels_for_places_are_ascii_names(helper):
    assert helper.region_en("华东") == "East China"
    assert helper.province_en("内蒙古自治区") == "Inner Mongolia"
    assert helper.province_en("陕西省") == "Shaanxi" and helper.province_en("山西") == "Shanxi"
    assert helper.city_label("450100", "广西壮族自治区") == "450100 Guangxi"
    # a name nobody mapped yet still draws, as escapes instead of empty boxes
    assert helper.region_en("东南") == "\\u4e1c\\u5357"
    assert helper.region_en(None) == "Unknown"


@pytest.mark.slow  # the demo through the whole pipeline
def test_every_region_and_province_of_the_demo_has_an_english_name(helper, demo_serving):
    con = duckdb.connect(str(demo_serving), read_only=True)
    try:
        places = con.sql("select distinct region, province from marts.dim_region").fetchall()
    finally:
        con.close()
    assert places
    assert not [r for r, _ in places if r not in helper.REGION_EN]
    assert not [p for _, p in places if helper.province_en(p) not in helper.PROVINCE_EN.values()]


def test_the_diversion_notebook_reads_its_rules_from_the_codes_seed(helper):
    assert helper.diversion_rules() == codes.wording("diversion")
    nb = nbformat.read(NOTEBOOKS_DIR / "02_diversion_investigation.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "RULES = list(RULE_WORDS)" in code and "RULE_WORDS = nb.diversion_rules()" in code
    # the per-rule columns of the monthly mart come from the same list, not from a hand-written one
    assert "_lines)::bigint as" in code and not re.search(r"sum\(\w+_batch_lines\)", code)
