"""Ingestion: landed files -> the raw layer of the warehouse (raw.submissions, raw.quarantine,
raw.<kind>) and 审核反馈 feedback files for dealers. See docs/ingestion.md."""

from pipelines.ingest.run import IngestSummary, run_ingestion

__all__ = ["IngestSummary", "run_ingestion"]
