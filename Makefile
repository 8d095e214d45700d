# dcw — the two commands of the README's quickstart are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SPARK_STAMP := $(VENV)/.spark-stamp

.PHONY: setup spark browser demo test test-fast ui dashboard bench clean

# (Re)install when pyproject.toml changes; a fresh machine needs only python3 and the registries.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The Spark target (dbt-spark, pyspark: ~500 MB): only the tests need it, not the demo.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(SPARK_STAMP)

spark: $(SPARK_STAMP)

## make demo: set up, generate the demo landing folder, run the nightly job, say where results are
demo: setup
	$(BIN)/dcw generate --out data/landing
	$(BIN)/dcw run --landing data/landing --warehouse data/warehouse.duckdb

# The UI tests drive a real headless browser: Debian's chromium, with a CJK font so the
# Chinese in descriptions and reports renders. Installed here when missing (as root, as on CI).
browser:
	@command -v chromium >/dev/null && dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "make test needs Debian's chromium and fonts-wqy-microhei: sudo apt-get install chromium fonts-wqy-microhei"; exit 1; \
	  fi; }

## make test: the whole test suite
test: setup spark browser
	$(BIN)/pytest -q

## make test-fast: the fast tier for day-to-day work (under 3 minutes on 2 cores): every test
## not marked slow; no Spark, no browser, no whole `dcw run`. `make test` before a merge.
test-fast: setup
	$(BIN)/pytest -q -m "not slow"

## make ui: the Dagster UI on http://127.0.0.1:3000
ui: setup
	$(BIN)/dcw ui

## make dashboard: the channel dashboard on http://127.0.0.1:8501/first/ (reads the serving file)
dashboard: setup
	$(BIN)/dcw dashboard

## make bench: the benchmark at scales S and M (SCALES=S,M,L adds L); see bench/README.md
SCALES ?= S,M
bench: setup
	$(BIN)/python -m bench.benchmark --scales $(SCALES)

clean:
	rm -rf data/landing data/truth data/warehouse.duckdb* data/warehouse_raw data/warehouse_spark \
	  data/feedback data/reports data/serving
