"""The static first views (pipelines/dashboard/first_view.py): written by the publish step,
their figures the marts' (the same page definitions as the Streamlit pages), rebuilt when a
newer night is in the serving file, never a clear phone number."""

from __future__ import annotations

import os
import re
import shutil

from pipelines.dashboard.first_view import ensure_first_views, first_view_dir, is_current
from pipelines.dashboard.views import TITLES
from pipelines.serving import publish_marts
from tests.consumers.consumer_data import create_marts
from tests.dashboard.test_queries import MARTS

_METRIC = re.compile(r'<div class="label">([^<]*)</div><div class="value">([^<]*)</div>')


def metrics(serving, page: str) -> dict[str, str]:
    text = (first_view_dir(serving) / f"{page}.html").read_text(encoding="utf-8")
    return dict(_METRIC.findall(text))


def publish(tmp_path, sql: str = MARTS):
    warehouse = create_marts(tmp_path / "warehouse.duckdb", sql)
    return publish_marts(warehouse, tmp_path / "serving" / "dcw.duckdb")


def test_the_publish_writes_every_pages_first_view_with_the_marts_figures(tmp_path):
    result = publish(tmp_path)
    serving = result["serving"]
    assert result["first_views"] == str(first_view_dir(serving))
    assert is_current(serving)
    assert sorted(p.name for p in first_view_dir(serving).glob("*.html")) == sorted(f"{p}.html" for p in TITLES)
    overview = metrics(serving, "overview")  # worked out in test_queries: Feb's stock only
    assert (overview["进货量 Sell-in"], overview["销量 Sell-out"], overview["期末库存 Stock 2026-02"]) == ("39", "29", "10")
    diversion = metrics(serving, "diversion")
    assert (diversion["窜货标记 Flags"], diversion["涉及经销商 Dealers"]) == ("3", "2")
    quality = metrics(serving, "quality")
    assert (quality["文件数 Files"], quality["已拒收 Rejected"], quality["隔离行数 Quarantined rows"]) == ("2", "1", "2")
    page = (first_view_dir(serving) / "overview.html").read_text(encoding="utf-8")
    assert 'href="../overview"' in page  # the interactive page
    assert "华东" in page and "销量 sell_out_qty" in page  # the table, Chinese headers first


def test_a_new_night_gets_new_first_views(tmp_path):
    serving = publish(tmp_path)["serving"]
    assert metrics(serving, "overview")["销量 Sell-out"] == "29"
    warehouse = tmp_path / "warehouse.duckdb"
    create_marts(warehouse, "update marts.fct_sell_through_monthly set sell_out_qty = sell_out_qty + 1")
    publish_marts(warehouse, serving)
    assert metrics(serving, "overview")["销量 Sell-out"] == "36"  # 7 rows, one more each


def test_first_views_older_than_the_serving_file_are_rebuilt_when_asked_for(tmp_path):
    serving = publish(tmp_path)["serving"]
    # a night renamed into place by something that did not build the first views
    other = tmp_path / "other"
    other.mkdir()
    create = create_marts(other / "warehouse.duckdb",
                          MARTS.replace("('D2', 'S1', '2026-02-01', 12, 0, 2, 10)", "('D2', 'S1', '2026-02-01', 12, 0, 102, 10)"))
    copy = publish_marts(create, other / "dcw.duckdb")["serving"]
    shutil.copyfile(copy, f"{serving}.new")
    os.replace(f"{serving}.new", serving)
    assert not is_current(serving)
    assert metrics(serving, "overview")["销量 Sell-out"] == "29"  # still the old night's files
    ensure_first_views(serving)
    assert is_current(serving)
    assert metrics(serving, "overview")["销量 Sell-out"] == "129"


def test_first_views_never_show_a_clear_phone_number(tmp_path):
    serving = publish(tmp_path, MARTS.replace("'华盛家电'", "'华盛家电 138-1234-5678'"))["serving"]
    pages = [p.read_text(encoding="utf-8") for p in first_view_dir(serving).glob("*.html")]
    assert any("138****5678" in page for page in pages)  # the dealer's name is shown, masked
    assert not any(re.search(r"1[3-9]\d[ -]?\d{4}[ -]?\d{4}", page) for page in pages)
