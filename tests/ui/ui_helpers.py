"""Shared by the UI tests: the loopback address, free ports, the browser and screenshots."""

from __future__ import annotations

import socket
from pathlib import Path

HOST = "127.0.0.1"
# Debian's build: Playwright's own browser download is not reachable from CI.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def screenshot(page, path: Path) -> Path:
    page.screenshot(path=str(path), full_page=False)
    # a blank or failed page compresses to a few KB; a rendered one is far larger
    assert path.stat().st_size > 20_000, f"{path} is only {path.stat().st_size} bytes"
    return path
