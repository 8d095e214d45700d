"""The script Streamlit runs (`dcw dashboard`, pipelines/dashboard/server.py): the
navigation, the shared filters, and the serving file's figures through the cache of its
night (cache.py): a read-only connection only for figures not computed yet. Run as `streamlit run app.py -- --serving PATH`; importing it does nothing."""

from __future__ import annotations

import sys
from pathlib import Path

# The package this file belongs to, whatever the working directory: Streamlit puts only the
# script's own folder on the path.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> None:
    import argparse

    import streamlit as st

    from pipelines.dashboard.cache import Source
    from pipelines.dashboard.pages import PAGES, RENDER, ready_mark, sidebar_filters, start_render

    parser = argparse.ArgumentParser(prog="dashboard")
    parser.add_argument("--serving", type=Path, required=True)
    serving = parser.parse_args(argv).serving

    st.set_page_config(page_title="dcw 渠道看板 Channel dashboard", page_icon="📊", layout="wide")
    context: dict = {}

    def page(path: str):
        def render() -> None:
            RENDER[path](context["db"], context["filters"])
            ready_mark(path)

        return render

    navigation = st.navigation([st.Page(page(path), title=title, url_path=path, default=i == 0)
                                for i, (path, title) in enumerate(PAGES)])
    start_render()
    try:
        with Source(serving) as db:
            context.update(db=db, filters=sidebar_filters(db))
            navigation.run()
    except FileNotFoundError:
        st.warning(f"尚无数据：服务文件 {serving} 不存在，请先运行 dcw run · "
                   f"No data yet: the serving file {serving} does not exist (run 'dcw run' first); "
                   "reload this page once a night is published")


if __name__ == "__main__":
    main(sys.argv[1:])
