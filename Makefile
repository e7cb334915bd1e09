# CampaignLab — two commands on a fresh machine:
#   make demo   installs what is missing, builds, generates and checks the demo bank
#   make test   installs what is missing and runs the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT        ?= swift
APT_PACKAGES := libsqlite3-dev libopenblas-dev liblapacke-dev r-mathlib pkg-config sqlite3
# Only the tests need these: a real headless browser for the HTML reports, and a CJK font
# so that screenshots of Chinese reports show characters; PostgreSQL and Java (Spark) for the warehouse tests.
TEST_APT_PACKAGES := chromium fonts-wqy-microhei postgresql openjdk-17-jre-headless curl
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN          := .build/release/campaignlab
DEMO_CUSTOMERS ?= 100000
DEMO_SEED    ?= 42
DEMO_DB      := datasets/demo.sqlite
REPORTS      := reports

.PHONY: help deps test-deps apt-install bench-deps build demo demo-small demo-1m screenshots test bench bench-engines bench-10m clean format lint warehouse-pg warehouse-pg-stop warehouse-spark warehouse-spark-stop

help:
	@echo "make demo    install dependencies, build, generate + check the demo bank ($(DEMO_DB)), render the data overview"
	@echo "make test    install dependencies, check the formatting (make lint) and run the test suite"
	@echo "make format  format the code as .swift-format says"
	@echo "make bench   benchmarks (ratios against the Python peer and the raw SQLite scan);"
	@echo "             one of them: make bench BENCH_ARGS=\"--only review\" (scan|ols|logit|km|calibration|review|readout|checkup)"
	@echo "             then the review on the 1M demo in SQLite, PostgreSQL and Spark side by side (BENCH_ENGINES=0 skips it)"
	@echo "             and on a 10M-customer demo made on demand (BENCH_ENGINES=0, BENCH_10M=0 skip them)"
	@echo "make warehouse-pg  (issue 16, in progress) a throwaway PostgreSQL on 127.0.0.1:54329 with demo-small loaded;"
	@echo "                   the password comes from PGPASSWORD in the environment; make warehouse-pg-stop removes it"
	@echo "make warehouse-spark  (issue 16, in progress) a Spark cluster on loopback: 1 master, 2 workers, Spark Connect on :15002;"
	@echo "                   pyspark 4.1.1 into a venv on first use (about 40 s); make warehouse-spark-stop stops it"

# Installs the Debian packages that are missing (apt-get update first, once).
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps: deps
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_APT_PACKAGES)"

apt-install:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product campaignlab

demo: build
	@mkdir -p datasets
	$(BIN) demo --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED) --out $(DEMO_DB) --force
	$(BIN) check --db $(DEMO_DB)
	$(BIN) render notebooks-md/data-overview.md --db $(DEMO_DB) --out $(REPORTS) --lang en
	$(BIN) render notebooks-md/data-overview.md --db $(DEMO_DB) --out $(REPORTS) --lang zh
	$(BIN) render notebooks-md/post-campaign-review.md --db $(DEMO_DB) --out $(REPORTS) --lang en --param campaign=growth_journey_2026
	$(BIN) render notebooks-md/post-campaign-review.md --db $(DEMO_DB) --out $(REPORTS) --lang zh --param campaign=growth_journey_2026
	$(BIN) render notebooks-md/ab-readout.md --db $(DEMO_DB) --out $(REPORTS) --lang en --param campaign=page_ab_2026
	$(BIN) render notebooks-md/ab-readout.md --db $(DEMO_DB) --out $(REPORTS) --lang zh --param campaign=page_ab_2026
	$(BIN) health --db $(DEMO_DB) --out $(REPORTS) --lang en
	$(BIN) health --db $(DEMO_DB) --out $(REPORTS) --lang zh
	@echo
	@echo "Demo bank:        $(DEMO_DB)"
	@echo "Small demo bank:  datasets/demo-small.sqlite (committed)"
	@echo "Reports:          $(REPORTS)/data-overview.en.html  $(REPORTS)/data-overview.zh.html"
	@echo "                  $(REPORTS)/post-campaign-review.en.html  $(REPORTS)/post-campaign-review.zh.html"
	@echo "                  $(REPORTS)/ab-readout.en.html  $(REPORTS)/ab-readout.zh.html"
	@echo "                  $(REPORTS)/health-checkup.en.html  $(REPORTS)/health-checkup.zh.html"
	@echo "                  (also .md with charts in *_files/, and .json)"

# Screenshots of the shipped notebooks at 1280 px, both languages (docs/screenshots/).
screenshots: build
	@python3 -c 'import PIL, numpy' 2>/dev/null || python3 -m pip install --quiet pillow numpy || python3 -m pip install --quiet --break-system-packages pillow numpy
	python3 docs/screenshots.py $(BIN)

# Regenerates the small demo file committed in datasets/.
demo-small: build
	$(BIN) demo --customers 2000 --seed 7 --out datasets/demo-small.sqlite --force

demo-1m: build
	/usr/bin/time -v $(BIN) demo --customers 1000000 --seed $(DEMO_SEED) --out datasets/demo-1m.sqlite --force

# The Python peers of the benchmarks (never a runtime dependency of CampaignLab).
bench-deps:
	@python3 -c 'import numpy, scipy, pandas, statsmodels, lifelines' 2>/dev/null || \
	  python3 -m pip install --quiet numpy scipy pandas statsmodels lifelines || \
	  python3 -m pip install --quiet --break-system-packages numpy scipy pandas statsmodels lifelines

# Benchmarks print ratios from one run, then the uplift simulation (bias, RMSE and coverage
# per method on banks with known effects; SIM_SEEDS=0 skips it, the issue notes used 200).
SIM_SEEDS ?= 40
# Benchmarks print ratios from one run. They read the demo bank (generated when missing).
bench: build bench-deps
	@[ -f $(DEMO_DB) ] || $(MAKE) demo
	@[ -f datasets/demo-1m.sqlite ] || $(MAKE) demo-1m
	$(SWIFT) build -c release --package-path Benchmarks
	Benchmarks/.build/release/campaignlab-bench --db $(DEMO_DB) $(BENCH_ARGS)
	@[ "$(SIM_SEEDS)" = 0 ] || python3 Benchmarks/simulation/simulate.py --binary $(BIN) \
	  --mechanisms demo,dimension_selection,observed_selection,noisy_selection,randomized_3arm --seeds $(SIM_SEEDS) --customers 20000 --markdown
	@[ "$(BENCH_ENGINES)" = 0 ] || $(MAKE) --no-print-directory bench-engines
	@[ "$(BENCH_10M)" = 0 ] || $(MAKE) --no-print-directory bench-10m

# The review on the 1M demo in SQLite (in process), PostgreSQL and a Spark cluster (2 workers)
# side by side, the servers started as for `make test` and stopped whatever happens; loading
# is timed apart and done once per file (BENCH_ENGINES=0 skips all this).
BENCH_ENGINES ?= 1
BENCH_10M ?= 1
bench-engines: build
	@[ -f datasets/demo-1m.sqlite ] || $(MAKE) demo-1m
	@echo "== the review on the 1M demo: SQLite, PostgreSQL, Spark =="
	@PGPASSWORD=$$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n'); export PGPASSWORD CL_PG_PORT=$(CL_PG_PORT) CL_SPARK_VENV=$(CL_SPARK_VENV); \
	  trap 'sh scripts/warehouse/pg-stop.sh >/dev/null; bash scripts/warehouse/spark-stop.sh >/dev/null 2>&1' EXIT; \
	  sh scripts/warehouse/pg-start.sh >/dev/null && \
	  CL_SPARK_WORKER_MEMORY=4g CL_SPARK_EXECUTOR_MEMORY=3g CL_SPARK_PARTITIONS=16 CL_SPARK_DRIVER_MEMORY=4g \
	    bash scripts/warehouse/spark-start.sh >/dev/null && bash scripts/warehouse/spark-wait.sh >/dev/null && \
	  bash scripts/warehouse/bench-engines.sh datasets/demo-1m.sqlite

# 10M customers on one machine (BENCH_10M=0 skips it): the demo generated on demand (not
# committed), then the review on it, with the time and peak resident memory of each.
bench-10m: build
	@[ -f datasets/demo-10m.sqlite ] || /usr/bin/time -f "generate 10M: %e s, peak %M KB" \
	  $(BIN) demo --customers 10000000 --seed $(DEMO_SEED) --out datasets/demo-10m.sqlite --force
	@echo "== the review on the 10M demo (SQLite) =="
	@/usr/bin/time -f "review 10M: %e s, peak %M KB" $(BIN) render notebooks-md/post-campaign-review.md \
	  --db datasets/demo-10m.sqlite --param campaign=growth_journey_2026 --format html,json --out /tmp/campaignlab-bench-10m --quiet

# The warehouse tests run against a throwaway PostgreSQL (a random password, in the
# environment only) and a Spark standalone cluster (1 master, 2 workers, Spark Connect; pyspark
# from PyPI into a venv on first use), both on loopback, started here and stopped whatever happens.
CL_PG_PORT ?= 54329
CL_SPARK_VENV ?= /tmp/campaignlab-spark/venv
test: test-deps lint
	$(SWIFT) build --build-tests
	@PGPASSWORD=$$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n'); export PGPASSWORD CL_PG_PORT=$(CL_PG_PORT) CL_SPARK_VENV=$(CL_SPARK_VENV); \
	  trap 'sh scripts/warehouse/pg-stop.sh >/dev/null; bash scripts/warehouse/spark-stop.sh >/dev/null 2>&1' EXIT; \
	  sh scripts/warehouse/pg-start.sh && \
	  bash scripts/warehouse/spark-start.sh && bash scripts/warehouse/spark-wait.sh && \
	  CAMPAIGNLAB_PG_URL=postgres://campaignlab@127.0.0.1:$(CL_PG_PORT)/campaignlab \
	  CAMPAIGNLAB_SPARK_URL=sc://127.0.0.1:15002 CAMPAIGNLAB_SPARK_PYTHON=$(CL_SPARK_VENV)/bin/python \
	  CAMPAIGNLAB_REQUIRE_WAREHOUSE=1 $(SWIFT) test --skip-build

# The code follows .swift-format: `make format` rewrites it, `make lint` (part of `make test`) checks it.
format:
	$(SWIFT) format -i -r --configuration .swift-format Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict -r --configuration .swift-format Sources Tests Package.swift

# A throwaway PostgreSQL on loopback with demo-small's contract tables (scripts/warehouse/).
warehouse-pg:
	@[ -n "$$PGPASSWORD" ] || { echo "set PGPASSWORD in the environment (never on a command line)"; exit 1; }
	sh scripts/warehouse/pg-start.sh
	. /tmp/campaignlab-pg-$${CL_PG_PORT:-54329}/env && PATH="$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1):$$PATH" \
	  sh scripts/warehouse/pg-load.sh datasets/demo-small.sqlite

warehouse-pg-stop:
	sh scripts/warehouse/pg-stop.sh

# A Spark standalone cluster (1 master, 2 workers) and a Spark Connect server on loopback.
warehouse-spark:
	bash scripts/warehouse/spark-start.sh
	bash scripts/warehouse/spark-wait.sh

warehouse-spark-stop:
	bash scripts/warehouse/spark-stop.sh

clean:
	rm -rf .build Benchmarks/.build $(REPORTS)
