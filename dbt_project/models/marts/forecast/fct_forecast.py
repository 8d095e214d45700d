"""marts.fct_forecast: the logic is pipelines/forecast.py (docs in fct_forecast.yml)."""

from pipelines.forecast import business_date, forecast_mart, previous_mart, regional_sales, scales_from


def model(dbt, session):
    sales = regional_sales(dbt.ref("fct_sell_through_monthly"), dbt.ref("dim_dealer"), dbt.ref("dim_product"))
    # the interval scales the backtest learnt (fct_forecast_accuracy.interval_scale)
    scales = scales_from(dbt.ref("fct_forecast_accuracy").pl())
    return forecast_mart(sales, business_date(dbt.config.get("as_of")), dbt.ref("dim_campaign").pl(), scales,
                         previous=previous_mart(session, dbt.this))
