"""Ingestion: landed files -> the raw layer of the warehouse (raw.submissions, raw.quarantine,
raw.<kind>) and 审核反馈 feedback files for dealers. See docs/ingestion.md.

discover.py names what landed, read.py / normalise.py / validate.py judge each file and row,
raw_layer.py keeps the submission log and the Parquet files, load.py runs one ingestion,
feedback.py writes the dealers' files, assets.py is its Dagster step."""

from pipelines.ingest.load import IngestSummary, run_ingestion

__all__ = ["IngestSummary", "run_ingestion"]
