"""marts.fct_forecast_accuracy: the logic is pipelines/forecast.py (docs in
fct_forecast_accuracy.yml)."""

from pipelines.forecast import accuracy_mart, business_date, previous_mart, regional_sales


def model(dbt, session):
    sales = regional_sales(dbt.ref("fct_sell_through_monthly"), dbt.ref("dim_dealer"), dbt.ref("dim_product"))
    return accuracy_mart(sales, business_date(dbt.config.get("as_of")), dbt.ref("dim_campaign").pl(),
                         previous=previous_mart(session, dbt.this))
