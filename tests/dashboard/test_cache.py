"""The dashboard's cache of a night's figures (pipelines/dashboard/cache.py), through the real
script in Streamlit's own test runner (no server, no browser): a render of a night already
seen opens no connection, and a newly published night is shown on the next render, without
a restart. And what keeps a page light: only the chosen tab runs, a long table sends its
first rows."""

from __future__ import annotations

import sys

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.dashboard import cache
from pipelines.serving import publish_marts
from tests.consumers.consumer_data import create_marts
from tests.dashboard.test_queries import MARTS


def _script(serving: str) -> None:
    from pipelines.dashboard.app import main

    main(["--serving", serving])


def sell_out(app: AppTest) -> float:
    (shown,) = [m.value for m in app.metric if m.label.startswith("销量 Sell-out")]
    return float(shown.replace(",", ""))


@pytest.fixture(autouse=True)
def main_module_restored(monkeypatch):
    """AppTest runs its script as `__main__` and leaves it there; a later process pool of the
    test session (the generator's helpers) would then re-run that script in each helper and
    crash. Put the session's own `__main__` back after each test."""
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every connection the cache opens to a serving file, by path."""
    paths: list[str] = []
    real = cache.open_serving

    def counting(path):
        paths.append(str(path))
        return real(path)

    monkeypatch.setattr(cache, "open_serving", counting)
    return paths


def test_a_new_night_is_shown_without_a_restart_and_a_known_one_from_the_cache(tmp_path, opened):
    warehouse = create_marts(tmp_path / "warehouse.duckdb", MARTS)
    serving = tmp_path / "serving" / "dcw.duckdb"
    publish_marts(warehouse, serving)
    app = AppTest.from_function(_script, args=(str(serving),), default_timeout=60).run()
    assert not app.exception
    first = sell_out(app)
    assert first == 29 and len(opened) == 1

    app.run()  # the same night again (a reload, another manager): every figure cached
    assert sell_out(app) == first and len(opened) == 1

    create_marts(warehouse, "update marts.fct_sell_through_monthly set sell_out_qty = sell_out_qty + 1")
    publish_marts(warehouse, serving)  # the next night, renamed into place under the running app
    app.run()
    assert not app.exception
    assert sell_out(app) == first + 7  # seven rows, one more unit each
    assert len(opened) == 2



def _tabs_script() -> None:
    import streamlit as st

    from pipelines.dashboard.pages import tabbed

    ran = st.session_state.setdefault("ran", [])
    tabbed("t", [("甲 A", lambda: ran.append("A")), ("乙 B", lambda: ran.append("B")),
                 ("丙 C", lambda: ran.append("C"))])


def test_only_the_chosen_tab_of_a_page_is_computed_and_sent():
    app = AppTest.from_function(_tabs_script, default_timeout=60).run()
    assert not app.exception
    assert app.session_state["ran"] == ["A"]  # the first tab only; the others neither run nor are sent
    assert [t.label for t in app.tabs] == ["甲 A", "乙 B", "丙 C"]


def _long_table_script() -> None:
    import pandas as pd

    from pipelines.dashboard import queries as q
    from pipelines.dashboard.pages import SHOWN_ROWS, table

    table("长表 Long", q.Result(pd.DataFrame({"source_row": range(SHOWN_ROWS + 500)}), []), "long")


def test_a_long_table_shows_its_first_rows_static_and_the_grid_on_demand():
    from pipelines.dashboard.pages import FIRST_ROWS, SHOWN_ROWS

    app = AppTest.from_function(_long_table_script, default_timeout=60).run()
    assert not app.exception
    assert not app.dataframe  # no interactive grid on the first view
    (shown,) = app.table
    assert len(shown.value) == FIRST_ROWS
    assert any(f"显示前 {FIRST_ROWS:,} 行，共 {SHOWN_ROWS + 500:,} 行" in c.value for c in app.caption)
    app.toggle(key="grid_long").set_value(True).run()
    assert not app.exception
    assert not app.table
    (shown,) = app.dataframe
    assert len(shown.value) == SHOWN_ROWS
    assert any(f"共 {SHOWN_ROWS + 500:,} 行" in c.value for c in app.caption)


def _short_table_script() -> None:
    import pandas as pd

    from pipelines.dashboard import queries as q
    from pipelines.dashboard.pages import FIRST_ROWS, table

    table("短表 Short", q.Result(pd.DataFrame({"source_row": range(FIRST_ROWS)}), []), "short")


def test_a_short_table_is_shown_whole_without_a_grid_toggle():
    from pipelines.dashboard.pages import FIRST_ROWS

    app = AppTest.from_function(_short_table_script, default_timeout=60).run()
    assert not app.exception
    (shown,) = app.table
    assert len(shown.value) == FIRST_ROWS
    assert not app.toggle and not app.caption
