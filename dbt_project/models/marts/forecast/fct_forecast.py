"""marts.fct_forecast: the logic is pipelines/forecast.py (docs in fct_forecast.yml)."""

from pipelines.forecast import business_date, forecast_mart, regional_sales


def model(dbt, session):
    sales = regional_sales(dbt.ref("fct_sell_through_monthly"), dbt.ref("dim_dealer"))
    return forecast_mart(sales, business_date(dbt.config.get("as_of")))
