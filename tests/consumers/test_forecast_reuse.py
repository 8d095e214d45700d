"""A night inside a month leaves the forecast marts' input unchanged (complete months only),
so they are reused as they stand (input_hash) without fitting, nor importing statsforecast;
the first night of a new month refits."""

import subprocess
import sys
from datetime import date

import polars as pl
import pytest

from pipelines import forecast
from pipelines.forecast import accuracy_mart, forecast_mart
from tests.consumers.consumer_data import seasonal_sales

# 21 months from 2025-01: the last is 2026-09, complete on any day of October 2026
SALES = seasonal_sales(seed=7, skus=2, regions=2, months=21, start=date(2025, 1, 1))
# a night in October: dealers report some of October's own sales already
OCTOBER = SALES.filter(pl.col("month") == date(2026, 9, 1)).with_columns(month=pl.lit(date(2026, 10, 1)))


def both(sales: pl.DataFrame, as_of: date, previous: tuple[pl.DataFrame, pl.DataFrame] | None = None):
    accuracy = accuracy_mart(sales, as_of, previous=previous and previous[1])
    return forecast_mart(sales, as_of, previous=previous and previous[0]), accuracy


@pytest.fixture
def fits(monkeypatch) -> list[int]:
    """Counts the series fitted."""
    calls: list[int] = []
    fit = forecast.fit_series

    def counted(*args, **kwargs):
        calls.append(1)
        return fit(*args, **kwargs)

    monkeypatch.setattr(forecast, "fit_series", counted)
    return calls


def test_a_night_inside_the_month_reuses_the_marts_without_fitting(fits):
    first = list(both(SALES, date(2026, 10, 2)))
    assert fits, "the first build fits"
    fits.clear()
    again = both(pl.concat([SALES, OCTOBER]), date(2026, 10, 20), previous=first)
    assert not fits
    for was, now in zip(first, again):
        assert now.equals(was)


def test_the_first_night_of_a_new_month_refits(fits):
    first = list(both(SALES, date(2026, 10, 2)))
    fits.clear()
    november = list(both(pl.concat([SALES, OCTOBER]), date(2026, 11, 1), previous=first))
    assert fits
    assert november[0]["last_complete_month"].unique().to_list() == [date(2026, 10, 1)]
    for was, now in zip(first, november):
        assert now["input_hash"].unique().to_list() != was["input_hash"].unique().to_list()


def test_a_late_file_of_the_last_complete_month_refits(fits):
    first = list(both(SALES, date(2026, 10, 2)))
    fits.clear()
    late = SALES.filter(pl.col("month") == date(2026, 9, 1)).head(1)
    both(pl.concat([SALES, late]), date(2026, 10, 3), previous=first)
    assert fits


def test_reusing_a_mart_does_not_import_the_models():
    """statsforecast's import costs more than a reused night needs in all."""
    code = ("import sys; import pipelines.forecast; "
            "assert 'statsforecast' not in sys.modules, 'pipelines.forecast imports statsforecast'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_late_file_of_the_last_complete_month_refits_no_backtest_origin(fits, tmp_path):
    """Each backtest origin is fitted on the months up to it: a late file of the last complete
    month changes none of them, so the fits kept (in the warehouse) serve, and the mart is
    exactly the refit's."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    first = accuracy_mart(SALES, date(2026, 10, 2), kept_fits=forecast.WarehouseFits(con))
    assert con.execute(f"select count(distinct digest) from {forecast.WarehouseFits.TABLE}").fetchall() == [(4,)]
    late = pl.concat([SALES, SALES.filter(pl.col("month") == date(2026, 9, 1)).head(1)])
    refit = accuracy_mart(late, date(2026, 10, 3))
    fits.clear()
    kept = accuracy_mart(late, date(2026, 10, 3), previous=first, kept_fits=forecast.WarehouseFits(con))
    assert not fits
    assert kept.equals(refit) and not kept.equals(first)
    # a new month moves every origin: all fitted again, and kept in place of the old ones
    november = accuracy_mart(pl.concat([late, OCTOBER]), date(2026, 11, 1), kept_fits=forecast.WarehouseFits(con))
    assert fits and november.equals(accuracy_mart(pl.concat([late, OCTOBER]), date(2026, 11, 1)))
    assert con.execute(f"select count(distinct digest) from {forecast.WarehouseFits.TABLE}").fetchall() == [(4,)]
