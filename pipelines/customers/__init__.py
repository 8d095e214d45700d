"""Customers (客户): one end customer across dealers and name variants.

normalise.py turns a business name as a dealer wrote it into the forms the model compares;
resolve.py links the sales lines' (name, city) records into customers with Splink and keeps
`customer_key` stable across nights; assets.py is the Dagster step between ingestion and dbt.
docs/customers.md explains the model, how to retrain it and incremental vs full resolution.
"""
