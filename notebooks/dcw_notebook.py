"""What the analyst notebooks share: where the serving file is, a read-only connection to it,
ASCII names for chart labels, and one chart style.

The notebooks read only the serving file (the read-only copy of schema `marts` that the
nightly run publishes), never the warehouse: DuckDB allows one writer or many readers, and
the nightly run is the writer of the warehouse.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
from matplotlib.ticker import MaxNLocator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVING = "data/serving/dcw.duckdb"

# Chart labels must stay ASCII: no CJK font is guaranteed where the notebooks run, and a
# missing glyph draws as an empty box.
REGION_EN = {
    "华北": "North China",
    "东北": "Northeast",
    "华东": "East China",
    "华中": "Central China",
    "华南": "South China",
    "西南": "Southwest",
    "西北": "Northwest",
    "UNKNOWN": "Unknown",  # fct_forecast's region for a dealer missing from dim_dealer
}
# Keyed by the name without its suffix (省, 市, 自治区, ...), which data sources drop or keep.
PROVINCE_EN = {
    "北京": "Beijing", "天津": "Tianjin", "河北": "Hebei", "山西": "Shanxi",
    "内蒙古": "Inner Mongolia", "辽宁": "Liaoning", "吉林": "Jilin", "黑龙江": "Heilongjiang",
    "上海": "Shanghai", "江苏": "Jiangsu", "浙江": "Zhejiang", "安徽": "Anhui", "福建": "Fujian",
    "江西": "Jiangxi", "山东": "Shandong", "河南": "Henan", "湖北": "Hubei", "湖南": "Hunan",
    "广东": "Guangdong", "广西": "Guangxi", "海南": "Hainan", "重庆": "Chongqing",
    "四川": "Sichuan", "贵州": "Guizhou", "云南": "Yunnan", "西藏": "Tibet", "陕西": "Shaanxi",
    "甘肃": "Gansu", "青海": "Qinghai", "宁夏": "Ningxia", "新疆": "Xinjiang", "台湾": "Taiwan",
    "香港": "Hong Kong", "澳门": "Macau",
}

# docs/marts.md (rpt_inventory_alerts): weeks of cover under 2 is low, over 12 is overstock
LOW_COVER_WEEKS, OVERSTOCK_WEEKS = 2, 12


def diversion_rules() -> dict[str, tuple[str, str]]:
    """The diversion rules, rule -> (Chinese, English), in their order: the codes seed's
    family `diversion` (pipelines/codes.py), so a new rule reaches every notebook chart."""
    import sys

    if str(REPO_ROOT) not in sys.path:  # the kernel may start in notebooks/
        sys.path.insert(0, str(REPO_ROOT))
    from pipelines import codes

    return codes.wording("diversion")


def serving_path() -> Path:
    """$DCW_SERVING, default data/serving/dcw.duckdb. A relative path is taken from the repo
    root, not the working directory: Jupyter starts the kernel in notebooks/, other runners in
    the repo root, and both must find the same file."""
    path = Path(os.environ.get("DCW_SERVING") or DEFAULT_SERVING).expanduser()
    return (REPO_ROOT / path).resolve()  # an absolute path replaces REPO_ROOT


def connect() -> duckdb.DuckDBPyConnection:
    """A read-only connection to the serving file. Close it when done: within one process
    DuckDB keeps serving the copy it opened until every connection to the path is closed."""
    path = serving_path()
    if not path.exists():
        raise FileNotFoundError(
            f"no serving file at {path}: run 'make demo' (or 'dcw run') first, or set DCW_SERVING")
    return duckdb.connect(str(path), read_only=True)


def describe(con: duckdb.DuckDBPyConnection) -> str:
    """One line saying which file the figures come from and when it was published."""
    path = serving_path()
    published = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    tables = scalar(con, "select count(*) from information_schema.tables where table_schema = 'marts'")
    return f"serving file {path} (published {published}, {tables} marts)"


def query(con: duckdb.DuckDBPyConnection, sql: str, *params) -> pl.DataFrame:
    return con.sql(sql, params=list(params) or None).pl()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *params):
    # fetchall, not execute().fetchone(): DuckDB 2 refuses the next query on a connection
    # while a result is left unfinished
    return con.sql(sql, params=list(params) or None).fetchall()[0][0]


def has_mart(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return scalar(con, "select count(*) from information_schema.tables "
                       "where table_schema = 'marts' and table_name = ?", table) > 0


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [c for (c,) in con.sql(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = ? order by ordinal_position", params=[table]).fetchall()]


def _ascii(name: str) -> str:
    # an unmapped non-ASCII name shows as escapes rather than as empty boxes
    return name.encode("ascii", "backslashreplace").decode()


def region_en(name: str | None) -> str:
    if name is None:
        return "Unknown"
    return REGION_EN.get(name) or _ascii(name)


def province_en(name: str | None) -> str:
    if name is None:
        return "?"
    return next((en for zh, en in PROVINCE_EN.items() if name.startswith(zh)), _ascii(name))


def city_label(city_code: str, province: str | None) -> str:
    """'330100 Zhejiang': the city code (unambiguous) and its province in ASCII (readable)."""
    return f"{city_code} {province_en(province)}"


def with_region_en(df: pl.DataFrame, column: str = "region", to: str = "region_en") -> pl.DataFrame:
    # map_elements skips nulls; a dealer missing from dim_dealer still needs a label
    return df.with_columns(
        pl.col(column).map_elements(region_en, return_dtype=pl.String).fill_null(region_en(None)).alias(to))


def style() -> None:
    """One look for every chart, and tables that show amounts, not digit strings."""
    plt.rcParams.update({
        "figure.figsize": (11, 4.5),
        "figure.dpi": 100,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
    })
    pl.Config.set_float_precision(2)
    pl.Config.set_tbl_rows(30)
    pl.Config.set_tbl_cols(20)
    pl.Config.set_fmt_str_lengths(160)


def month_axis(ax) -> None:
    locator = mdates.AutoDateLocator(maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def matrix(df: pl.DataFrame, row: str, col: str, value: str) -> tuple[list, list, np.ndarray]:
    """(row labels, column labels, grid) from a long frame; cells without a row are NaN."""
    rows, cols = sorted(df[row].unique().drop_nulls()), sorted(df[col].unique().drop_nulls())
    grid = np.full((len(rows), len(cols)), np.nan)
    for r, c, v in df.select(row, col, value).iter_rows():
        if r is not None and c is not None and v is not None:
            grid[rows.index(r), cols.index(c)] = v
    return rows, cols, grid


def heatmap(ax, grid: np.ndarray, rows: list[str], cols: list[str], *, cmap: str, label: str,
            fmt: str = "{:.0f}", vmax: float | None = None, counts: bool = True) -> None:
    """An annotated heat map; `counts` makes the colour bar ticks whole numbers."""
    top = vmax if vmax is not None else max(1.0, float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0)
    image = ax.imshow(grid, cmap=cmap, vmin=0, vmax=top, aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        if np.isfinite(value) and (value or not counts):
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=8,
                    color="white" if counts and value > 0.6 * top else "black")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, label=label, ticks=MaxNLocator(integer=True) if counts else None)
