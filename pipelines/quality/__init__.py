"""Great Expectations checks on the marts, run as Dagster asset checks after dbt builds them.

The suites live in `expectations/<mart>.json` (GE's suite JSON: `name`, `expectations`, and a
`meta` block naming the mart's table and the SQL of any parameter an expectation needs, e.g.
a row count in the raw layer that the mart must match). GE 1.x has no DuckDB data source, so
each mart is read with duckdb into pandas and validated with GE's pandas data source in an
ephemeral context. Data Docs (HTML) go to `$DCW_REPORTS/great_expectations/` unless another
folder is given; their entry page, `index.html`, is our own static page (docs.py: every suite's
latest status and counts, linking GE's result pages), since GE's needs scripts from CDNs.
"""

from pipelines.quality.ge import (
    SUITES_DIR,
    SuiteResult,
    ge_checks,
    load_suites,
    data_docs_dir,
    validate_marts,
)

__all__ = ["SUITES_DIR", "SuiteResult", "ge_checks", "load_suites", "data_docs_dir",
           "validate_marts"]
