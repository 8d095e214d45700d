"""Great Expectations holds one question only: has the newest data drifted from its history?

Correctness is dbt's: its tests and the marts' enforced contracts (keys, not-null, accepted
values, ranges, reconciliations with the raw layer) block what is built on a failing model.
What dbt cannot express is a judgement of the newest month against the months before it, per
dealer or over the whole channel; those are the suites of `expectations/` (one JSON per drift
question, naming the `.sql` file of its series; docs/quality.md lists them, their thresholds
and why). Each suite's profile is computed in DuckDB (profiles.py: one row per dealer, or one
row), validated with GE's pandas data source in an ephemeral context (ge.py), and reported as
a non-blocking asset check of severity WARN (checks.py). Data Docs (HTML) go to
`great_expectations/` under the reports folder; their entry page, `index.html`, is our own
static page (docs.py: every suite's latest status and counts, linking GE's result pages),
since GE's needs scripts from CDNs.
"""

from pipelines.quality.checks import ge_checks
from pipelines.quality.ge import SuiteResult, data_docs_dir, validate_marts
from pipelines.quality.profiles import SUITES_DIR, DriftSuite, Profile, load_suites, profile_sql

__all__ = ["SUITES_DIR", "DriftSuite", "Profile", "SuiteResult", "data_docs_dir", "ge_checks",
           "load_suites", "profile_sql", "validate_marts"]
