"""marts.fct_forecast: the logic is pipelines/forecast.py (docs in fct_forecast.yml)."""

import os

from pipelines.forecast import business_date, forecast_mart, previous_mart, regional_sales, scales_from


def model(dbt, session):
    # the business date: var as_of, else DCW_AS_OF of the run (not of the parse: macro as_of_date)
    sales = regional_sales(dbt.ref("fct_sell_through_monthly"), dbt.ref("dim_dealer"), dbt.ref("dim_product"))
    # the interval scales the backtest learnt (fct_forecast_accuracy.interval_scale)
    scales = scales_from(dbt.ref("fct_forecast_accuracy").pl())
    return forecast_mart(sales, business_date(dbt.config.get("as_of") or os.environ.get("DCW_AS_OF")), dbt.ref("dim_campaign").pl(), scales,
                         previous=previous_mart(session, dbt.this))
