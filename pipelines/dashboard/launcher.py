"""What `dcw dashboard` runs (`streamlit run launcher.py -- --serving PATH`): the Streamlit app
(app.py) and, on the same address, each page's static first view at /first/<page>
(first_view.py), rebuilt from the serving file when it holds a newer night."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

# The package this file belongs to, whatever the working directory (as app.py)
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from pipelines.dashboard.first_view import ROUTE, ensure_first_views  # noqa: E402
from pipelines.dashboard.views import TITLES  # noqa: E402

APP = Path(__file__).with_name("app.py")
_BUILDING = threading.Lock()  # one rebuild at a time; the others then find it current


def serving_path(argv: list[str]) -> Path:
    """The serving file named after `--serving` in the script's arguments."""
    return Path(argv[argv.index("--serving") + 1])


def _ensure(serving: Path) -> Path:
    with _BUILDING:
        return ensure_first_views(serving)


async def first_view(request):
    page = request.path_params.get("page") or next(iter(TITLES))
    if page not in TITLES:
        return HTMLResponse(f"<p>没有这个页面 No such page: {page}</p>", status_code=404)
    serving = serving_path(sys.argv)
    try:
        folder = await run_in_threadpool(_ensure, serving)
    except FileNotFoundError:
        return RedirectResponse(f"/{page}")  # no night yet: the interactive page says so
    # never cached by the browser: a new night is a new file under the same URL
    return FileResponse(folder / f"{page}.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


async def to_folder(request):
    return RedirectResponse(f"/{ROUTE}/")  # the pages' links are relative to the folder


app = st.App(APP, routes=[Route(f"/{ROUTE}", to_folder), Route(f"/{ROUTE}/", first_view),
                          Route(f"/{ROUTE}/{{page}}", first_view)])
