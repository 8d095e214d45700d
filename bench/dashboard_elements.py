"""What each kind of Streamlit element costs the browser: the tab's main thread per kind.

    .venv/bin/python -m bench.dashboard_elements [--runs 5] [--rows 20,1000]

Serves bench/elements_app.py (one kind of element per page: none at all, headings, four
metrics, two download buttons, tabs, the sidebar's filters, a static table, the same as HTML,
the interactive grid, a line chart) with the dashboard's Streamlit options and opens each
`--runs` times in a fresh headless Chromium context after one warm-up, as bench/dashboard.py
opens the dashboard's pages. Per kind, medians: the first contentful render, *drawn* (the
page's mark is there, and for the grid and the chart their canvas or SVG), the tab's main
thread (Chromium's `Performance.getMetrics`: all tasks, and the JavaScript among them) and
the renderer processes' CPU time (bench/dashboard.py, `_renderers`). The empty page is what
Streamlit's own start costs, the floor of any page; a kind's cost is its difference from it. Prints a markdown table and writes bench/results/dashboard-elements-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.dashboard import CHROMIUM, CHROMIUM_ARGS, HOST, RESULTS, _free_port, fresh_visit
from pipelines.core.servers import spawn, stop_tree, wait_until_answering
from pipelines.dashboard.server import HEALTH, dashboard_command

APP = Path(__file__).with_name("elements_app.py")
KINDS = ["empty", "headings", "metrics", "downloads", "tabs", "filters", "table", "html", "dataframe", "chart"]
SIZED = ("table", "html", "dataframe")  # the kinds measured at every --rows size
# drawn: the mark, and the canvas or SVG of the kinds that draw one after their element arrives
_DRAWN = """(kind) => new Promise((resolve) => {
  const drawing = {dataframe: '[data-testid="stDataFrame"] canvas',
                   chart: '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'}[kind];
  const check = () => document.getElementById("dcw-probe") && (!drawing || document.querySelector(drawing))
    ? resolve(performance.now()) : requestAnimationFrame(check);
  check();
})"""


def command(port: int) -> list[str]:
    """The dashboard's own `streamlit run` options, on the probe's script."""
    args = dashboard_command(Path("unused"), HOST, port)
    args[args.index("run") + 1] = os.fspath(APP)
    return args[:args.index("--")]


def measure(browser, base: str, kind: str, rows: int, runs: int) -> dict:
    samples = []
    for i in range(runs + 1):  # the first is a warm-up
        visit = fresh_visit(browser, f"{base}/?kind={kind}&rows={rows}", _DRAWN, kind)
        if i:
            samples.append({"fcp_ms": visit.pop("fcp_ms") or 0.0, "drawn_ms": visit.pop("ready_ms"), **visit})
    return {"samples": samples, **{f"{k}_median": statistics.median(s[k] for s in samples) for k in samples[0]}}


def cases(kinds: list[str], sizes: list[int]) -> list[tuple[str, int]]:
    """(kind, rows) to measure: the empty page first, the table kinds at every size."""
    kinds = ["empty"] + [k for k in kinds if k in KINDS and k != "empty"]
    return [(k, n) for k in kinds for n in (sizes if k in SIZED else [sizes[0]])]


def measure_kinds(browser, todo: list[tuple[str, int]], runs: int) -> dict[str, dict]:
    """The probe's server on a free port, each (kind, rows) of `todo` measured in `browser`."""
    port = _free_port()
    base = f"http://{HOST}:{port}"
    process = spawn(command(port), log=Path(os.devnull))
    try:
        wait_until_answering(process, base + HEALTH, 60, what="the elements probe")
        return {f"{kind}:{n}": measure(browser, base, kind, n, runs) for kind, n in todo}
    finally:
        stop_tree(process, 15)


def markdown(out: dict[str, dict]) -> str:
    empty = next(iter(out.values()))["renderer_cpu_ms_median"]
    lines = ["| element | first render | drawn | main thread (JS) | renderer CPU | renderer CPU over the empty page |",
             "|---|---:|---:|---:|---:|---:|"]
    for case, r in out.items():
        lines.append(f"| {case} | {r['fcp_ms_median']:.0f} ms | {r['drawn_ms_median']:.0f} ms | "
                     f"{r['main_thread_ms_median']:.0f} ms ({r['script_ms_median']:.0f}) | "
                     f"{r['renderer_cpu_ms_median']:.0f} ms | {r['renderer_cpu_ms_median'] - empty:+.0f} ms |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(prog="python -m bench.dashboard_elements", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", default="20,1000", help="table sizes for table, html and dataframe")
    parser.add_argument("--kinds", default=",".join(KINDS), help="the kinds to measure (empty is always first)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            out = measure_kinds(browser, cases(args.kinds.split(","), [int(r) for r in args.rows.split(",")]), args.runs)
        finally:
            browser.close()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"dashboard-elements-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(
        {"load_average_1m_before": load_before, "load_average_1m": os.getloadavg()[0], "runs": args.runs, "kinds": out},
        indent=2))
    print(f"{args.runs} loads per kind; load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end\n")
    print(markdown(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
