"""What the UI tests open: the Dagster webserver (started once, on loopback, stopped at the
end), a headless Chromium driven by Playwright, and the docs sites of a small built warehouse
served over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.ui_helpers import CHROMIUM, CHROMIUM_ARGS, HOST, free_port

from pipelines.orchestration.ui import (
    DocsSites,
    ServerNotUp,
    build_docs_sites,
    serve_folder,
    start_server,
    stop_server,
    wait_until_serving,
    webserver_command,
)


@pytest.fixture(scope="session")
def dagster_ui(tmp_path_factory) -> Iterator[str]:
    """`dagster-webserver` on workspace.yaml with a fresh instance, every DCW_* path in a
    temporary folder; stopped (its process group killed if need be) after the last test.
    Its URL."""
    root = tmp_path_factory.mktemp("dagster_ui")
    env = {"DCW_LANDING": root / "landing", "DCW_WAREHOUSE": root / "warehouse.duckdb",
           "DCW_FEEDBACK": root / "feedback", "DCW_SERVING": root / "serving" / "dcw.duckdb",
           "DCW_REPORTS": root / "reports"}
    port = free_port()
    log = root / "webserver.log"
    process = start_server(webserver_command(HOST, port, daemon=False), root / "home",
                           env={k: str(v) for k, v in env.items()}, log=log)
    try:
        url = f"http://{HOST}:{port}"
        try:
            wait_until_serving(process, url)
        except ServerNotUp as exc:
            pytest.fail(f"{exc}; its log:\n{log.read_text(errors='replace')[-5000:]}")
        yield url
    finally:
        stop_server(process)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium. Missing, it is an error, not a skip: CI installs it (.ci/run)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium "
                    "(apt-get install chromium fonts-wqy-microhei, as .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page (own storage) the size of a laptop screen; pages wait at most 30 s."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def docs_sites(tmp_path_factory) -> DocsSites:
    """The dbt docs and Data Docs of the hand-written channel of tests/warehouse, built."""
    from tests.warehouse.channel_scenario import channel
    from tests.warehouse.warehouse_helpers import build_from_landing

    root = tmp_path_factory.mktemp("docs_sites")
    build_from_landing(channel, root)
    return build_docs_sites(root / "warehouse.duckdb", root / "docs")


@pytest.fixture(scope="session")
def docs_url(docs_sites) -> Iterator[str]:
    """The docs folder served over HTTP on loopback (the dbt docs fetch their JSON)."""
    with serve_folder(docs_sites.dbt.parent.parent, HOST) as url:
        yield url
