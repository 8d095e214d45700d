"""ERP regions snapshot (城市/大区): one row per city."""

from pipelines.contracts._base import Contract, Text


class Regions(Contract):
    city_code: Text
    city_name: Text
    province: Text
    region: Text
