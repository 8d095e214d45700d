"""Each page's first view as plain HTML, written after each night: what a manager opening the
bookmarked dashboard sees at once, without Streamlit's JavaScript (which alone takes about a
second of the browser's CPU to start on this machine: bench/README.md, "The dashboard").

The figures are the same page definitions' (views.py) through the same queries, on one
read-only connection; a link on each page opens the interactive page (filters, tabs, grid,
downloads). The files live beside the serving file (`first_view_dir`) with the identity of
the night they show (`night.json`, cache.Night's fields): `ensure_first_views` rebuilds them
when the serving file is a newer night, so the dashboard never shows a stale first view even
when the publish step did not build them (`dcw dashboard` serves them: launcher.py)."""

from __future__ import annotations

import html
import json
import os
from dataclasses import asdict
from pathlib import Path

from pipelines.dashboard import queries as q
from pipelines.dashboard import views
from pipelines.dashboard.db import Night, open_serving
from pipelines.dashboard.labels import whole_numbers

ROUTE = "first"  # the first views' URL: /first/<page>; the interactive page is /<page>
NIGHT = "night.json"
FIRST_ROWS = views.FIRST_ROWS

_STYLE = """body{font-family:"Source Sans Pro","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;color:#31333f}
nav{background:#f0f2f6;padding:.6rem 1.5rem;font-size:.95rem}nav a{margin-right:1.2rem;color:#31333f}
nav a.on{font-weight:600}main{padding:1rem 2rem;max-width:1400px}.caption{color:#6b6f7b;font-size:.9rem}
.metrics{display:flex;gap:2.5rem;margin:1rem 0}.metric .label{font-size:.9rem}.metric .value{font-size:2rem}
table{border-collapse:collapse;font-size:.88rem}th,td{padding:.25rem .6rem;border-bottom:1px solid #e6e9ef;text-align:left}
td.n{text-align:right}.open{display:inline-block;margin:.8rem 0;padding:.4rem .9rem;border:1px solid #ff4b4b;
border-radius:.4rem;color:#ff4b4b;text-decoration:none}.note{background:#e8f1fb;padding:.5rem .8rem}"""


def first_view_dir(serving: Path) -> Path:
    """Where the first views of the serving file `serving` are written: beside it."""
    serving = Path(serving)
    return serving.with_name(f"{serving.stem}.first")


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and _isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _isna(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _table(s: views.Section) -> str:
    out = [f"<h3>{html.escape(s.title)}</h3>"]
    shown = s.shown()
    if shown is None:
        return "".join(out) + f'<p class="note">尚未发布，此部分暂不显示 Not published yet, section skipped: {html.escape(", ".join(s.result.missing))}</p>'
    if s.note:
        out.append(f'<p class="caption">{html.escape(s.note)}</p>')
    if shown.empty:
        out.append('<p class="caption">无数据 No rows for these filters</p>')
    elif len(shown) > FIRST_ROWS:
        out.append(f'<p class="caption">显示前 {FIRST_ROWS:,} 行，共 {len(shown):,} 行；交互页面可排序和下载全部 · '
                   f'First {FIRST_ROWS:,} of {len(shown):,} rows shown; the interactive page sorts and downloads them all</p>')
    head = whole_numbers(shown.head(FIRST_ROWS))
    numeric = [c for c in head.columns if head[c].dtype.kind in "iuf" or str(head[c].dtype) == "Int64"]
    out.append("<table><thead><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in head.columns) + "</tr></thead><tbody>")
    for row in head.itertuples(index=False):
        out.append("<tr>" + "".join(f'<td{" class=n" if c in numeric else ""}>{html.escape(_cell(v))}</td>'
                                    for c, v in zip(head.columns, row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render(view: views.FirstView, published: str) -> str:
    """The page's first view as one HTML document (Chinese first, English beside), linking
    every other page's first view and this page's interactive one."""
    nav = "".join(f'<a href="{path}"{" class=on" if path == view.path else ""}>{html.escape(title)}</a>'
                  for path, title in views.TITLES.items())
    body = [f"<h1>{html.escape(view.title)}</h1>"]
    if view.caption:
        body.append(f'<p class="caption">{html.escape(view.caption)}</p>')
    body.append(f'<a class="open" id="dcw-interactive" href="../{view.path}">打开交互页面（筛选、图表、下载） · '
                f'Open the interactive page: filters, charts, downloads</a>')
    if view.missing:
        body.append(f'<p class="note">尚未发布，此部分暂不显示 Not published yet, section skipped: '
                    f'{html.escape(", ".join(view.missing))}</p>')
    if view.metrics:
        body.append('<div class="metrics">' + "".join(
            f'<div class="metric" data-testid="stMetric"><div class="label">{html.escape(label)}</div>'
            f'<div class="value">{html.escape(value)}</div></div>' for label, value in view.metrics) + "</div>")
    body += [_table(s) for s in view.sections]
    body.append(f'<p class="caption">全部经销商、未筛选 · All dealers, no filter · 数据发布于 Published {html.escape(published)}</p>')
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(view.title)} · dcw 渠道看板</title>'
            f'<meta name="viewport" content="width=device-width"><style>{_STYLE}</style></head>'
            f'<body><nav>{nav}</nav><main>{"".join(body)}</main></body></html>')


def build_first_views(serving: Path) -> Path:
    """Write every page's first view of the night at `serving` into `first_view_dir(serving)`,
    each file replaced in one step, then the night they show. Its folder."""
    serving = Path(serving)
    night = Night.of(serving)
    out = first_view_dir(serving)
    out.mkdir(parents=True, exist_ok=True)
    with open_serving(serving) as db:
        def run(query, f, *args):
            return q.run(db, query, f, *args)

        published = f"{night.published_at:%Y-%m-%d %H:%M}"
        for path, build in views.VIEWS.items():
            _write(out / f"{path}.html", render(build(run, q.Filters()), published))
    _write(out / NIGHT, json.dumps(asdict(night)))
    return out


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def is_current(serving: Path) -> bool:
    """Whether the first views beside `serving` show the night it holds now."""
    try:
        shown = json.loads((first_view_dir(serving) / NIGHT).read_text())
    except (OSError, ValueError):
        return False
    return shown == asdict(Night.of(Path(serving)))


def ensure_first_views(serving: Path) -> Path:
    """The first views' folder, rebuilt first when they show an older night than `serving`'s
    (FileNotFoundError when no night is published)."""
    if not is_current(serving):
        build_first_views(serving)
    return first_view_dir(serving)
