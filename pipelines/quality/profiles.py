"""The drift suites of expectations/ and the SQL that builds their profiles (docs/quality.md).

A suite answers one drift question. Its JSON names a *series* query (a `.sql` file beside it)
that returns one value per subject (a dealer, or `all`) and period (a month); `profile_sql`
wraps that query so that DuckDB returns one row per subject: its newest period, the value
there, and how far that value lies from the subject's own history, as a robust z-score.
The suite's expectations then bound that z-score. Only these profile rows (a few hundred at
most) leave DuckDB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.core.errors import UserError
from pipelines.core.settings import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations"

# 1.4826 x MAD estimates the standard deviation of normally distributed values
MAD_TO_SIGMA = 1.4826
SCALES = ("linear", "log")


@dataclass(frozen=True)
class Profile:
    """How a suite's series becomes its profile."""

    series_sql: str
    scale: str = "linear"  # "log": compare ln(1 + value), i.e. ratios rather than differences
    history_periods: int = 12  # the periods before the newest one that form the history
    min_history_periods: int = 6  # fewer: the subject is shown but not judged (robust_z null)
    scale_floor: float = 0.0  # the least spread assumed, in the units of `scale`


@dataclass(frozen=True)
class DriftSuite:
    """One drift question: its asset (`schema.table`), profile and GE expectations."""

    name: str
    asset: str
    description: str
    measure: str  # what `value` is, Chinese / English, for the warnings
    profile: Profile
    expectations: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_suite(spec: dict[str, Any], directory: Path) -> DriftSuite:
    """A suite from its JSON; its series query is read from the file it names."""
    name = spec.get("name", "?")
    try:
        meta = spec["meta"]
        profile = dict(meta["profile"])
        series_file = directory / profile.pop("series")
        scale = profile.get("scale", "linear")
        if scale not in SCALES:
            raise UserError(f"suite {name}: scale must be one of {SCALES}, got {scale!r}")
        return DriftSuite(
            name=name,
            asset=meta["asset"],
            description=meta["description"],
            measure=meta["measure"],
            profile=Profile(series_sql=series_file.read_text(encoding="utf-8"), **profile),
            expectations=spec["expectations"],
            notes=spec.get("notes", []),
        )
    except (KeyError, TypeError, OSError) as err:
        raise UserError(f"suite {name} in {directory} is incomplete: {err!r}") from None


def load_suites(directory: Path = SUITES_DIR) -> list[DriftSuite]:
    """Every suite in `directory` (`*.json`), sorted by name."""
    specs = (json.loads(p.read_text(encoding="utf-8")) for p in directory.glob("*.json"))
    return sorted((parse_suite(s, directory) for s in specs), key=lambda s: s.name)


def profile_sql(profile: Profile) -> str:
    """The SQL of a profile: one row per subject of the series, with its newest `period` and
    `value`, `history_periods` (how many earlier periods were compared, at most
    `history_periods`), `history_median` (of the values), `robust_z` (the newest value's
    distance from the history's median in robust standard deviations: 1.4826 x MAD, but at
    least `scale_floor`; null with fewer than `min_history_periods` earlier periods) and
    `ratio` (value / history median)."""
    x = "ln(1 + greatest(value, 0))" if profile.scale == "log" else "value"
    return f"""
with series as (
{profile.series_sql.strip().rstrip(';')}
),

ordered as (
    select
        cast(subject as varchar) as subject,
        period,
        cast(value as double) as value,
        row_number() over (partition by subject order by period desc) as age
    from series
    where value is not null
),

measured as (
    select subject, period, value, age, {x} as x
    from ordered
),

history as (
    select
        subject,
        count(*) as history_periods,
        median(value) as history_median,
        median(x) as center,
        mad(x) as spread
    from measured
    where age between 2 and {1 + int(profile.history_periods)}
    group by subject
)

select
    n.subject,
    n.period,
    n.value,
    coalesce(h.history_periods, 0) as history_periods,
    h.history_median,
    case
        when h.history_periods >= {int(profile.min_history_periods)}
            then (n.x - h.center)
                 / greatest({MAD_TO_SIGMA} * h.spread, {float(profile.scale_floor)!r}, 1e-12)
    end as robust_z,
    n.value / nullif(h.history_median, 0) as ratio
from measured as n
left join history as h
    on h.subject = n.subject
where n.age = 1
order by n.subject
"""
