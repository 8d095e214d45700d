"""dcw, the dealer channel warehouse: the Dagster code location and its command line."""
