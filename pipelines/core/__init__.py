"""The bottom layer of dcw: configuration (`Settings`), the Dagster warehouse resource, the
warehouse lock, progress reporting and the one-line `UserError`.

Nothing here imports from another part of `pipelines`; everything else may import from here.
The layers, bottom to top, are listed in tests/test_layers.py.
"""
