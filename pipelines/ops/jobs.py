"""Jobs, built from asset selections so they follow the graph as it grows."""

from dagster import AssetSelection, define_asset_job

nightly_job = define_asset_job(
    "nightly",
    # the monthly reports are partitioned by month and belong to the monthly close
    selection=AssetSelection.all() - AssetSelection.groups("reports"),
    description="The whole nightly build: ingest new landing files, build every mart and the "
    "forecasts, then publish the marts to the serving file.",
)

ingest_job = define_asset_job(
    "ingestion",
    selection=AssetSelection.groups("ingestion"),
    description="Ingestion only: new landing files into the raw tables, with dealer feedback.",
)
