"""dcw's test suite. A package, so helper modules import by their place:
`from tests.ingest.ingest_env import Env`, `from tests.dcw_runs import dcw`."""
