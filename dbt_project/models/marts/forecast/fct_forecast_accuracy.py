"""marts.fct_forecast_accuracy: the logic is pipelines/forecast.py (docs in
fct_forecast_accuracy.yml)."""

import os

from pipelines.forecast import WarehouseFits, accuracy_mart, business_date, previous_mart, regional_sales


def model(dbt, session):
    # the business date: var as_of, else DCW_AS_OF of the run (not of the parse: macro as_of_date)
    sales = regional_sales(dbt.ref("fct_sell_through_monthly"), dbt.ref("dim_dealer"), dbt.ref("dim_product"))
    return accuracy_mart(sales, business_date(dbt.config.get("as_of") or os.environ.get("DCW_AS_OF")), dbt.ref("dim_campaign").pl(),
                         previous=previous_mart(session, dbt.this), kept_fits=WarehouseFits(session))
