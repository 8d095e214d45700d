"""Jobs, built from asset selections so they follow the graph as it grows."""

from dagster import AssetSelection, define_asset_job

nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    description="The whole nightly build: ingest new landing files, then build every mart.",
)

ingest_job = define_asset_job(
    "ingestion",
    selection=AssetSelection.groups("ingestion"),
    description="Ingestion only: new landing files into the raw tables, with dealer feedback.",
)
