"""The profile of a drift suite (pipelines/quality/profiles.py), computed by DuckDB from a
hand-written series: each subject's newest period against its own history, figures worked
out by hand."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pytest

from pipelines.quality import Profile, profile_sql


def month(i: int) -> date:
    return date(2024 + i // 12, i % 12 + 1, 1)


SERIES = {
    "a": [10, 12, 14, 16, 18, 20, 40],  # median 15, MAD 3
    "b": [10, 10, 10, 10, 10, 99],  # five earlier periods: not judged
    "c": [10] * 6 + [11],  # MAD 0: the floor is the spread
    "d": [1000, 1000] + [10] * 12 + [10],  # the two oldest lie outside the 12-period window
}


def profile(scale: str = "linear", floor: float = 0.0) -> dict[str, dict]:
    con = duckdb.connect()
    try:
        con.execute("create table series (subject varchar, period date, value double)")
        con.executemany("insert into series values (?, ?, ?)",
                        [(s, month(i), v) for s, values in SERIES.items()
                         for i, v in enumerate(values)])
        sql = profile_sql(Profile(series_sql="select subject, period, value from series",
                                  scale=scale, scale_floor=floor))
        frame = con.execute(sql).df()
    finally:
        con.close()
    return {row["subject"]: row for row in frame.to_dict("records")}


def test_the_newest_period_against_the_median_and_mad_of_its_history():
    rows = profile(floor=2.0)
    a = rows["a"]
    assert (a["period"].date(), a["value"], a["history_periods"]) == (month(6), 40, 6)
    assert a["history_median"] == 15 and a["ratio"] == pytest.approx(40 / 15)
    assert a["robust_z"] == pytest.approx((40 - 15) / (1.4826 * 3))
    assert rows["c"]["robust_z"] == pytest.approx((11 - 10) / 2.0)  # floored spread
    assert rows["d"]["history_periods"] == 12 and rows["d"]["robust_z"] == 0


def test_a_subject_with_too_little_history_is_listed_not_judged():
    b = profile()["b"]
    assert b["history_periods"] == 5 and math.isnan(b["robust_z"])


def test_on_a_log_scale_a_change_is_a_ratio():
    c = profile(scale="log", floor=0.5)["c"]
    assert c["robust_z"] == pytest.approx((math.log(12) - math.log(11)) / 0.5)
