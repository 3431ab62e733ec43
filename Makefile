# evflow: the two commands that matter are `make demo` (the main job) and `make test` (set up and run the tests).
# Both work on a fresh Debian/Ubuntu machine with Swift installed: missing system packages are installed first.

SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: demo test test-deps browser-deps build deps bench bench-peers chaos chaos-pg clean help

help:
	@echo "make demo   build and run one complete EV charging session against the embedded simulator"
	@echo "make test   install libcurl4-openssl-dev, postgresql, and chromium, chromium-driver, selenium (for the console's browser test) if missing, build, and run every test against a throwaway PostgreSQL cluster"
	@echo "make bench  build the benchmark package in release mode, run every suite, merge into Benchmarks/results/latest.json"
	@echo "make chaos  the fault campaign: N=1000 sessions through evflow serve under faults and SIGKILLs, then the fuzzers at FUZZ=2000 iterations (N=, SEED=, CONCURRENCY=, FUZZ= to override)"
	@echo "make chaos-pg  the scale-out campaign: N=1000 sessions through 3 evflow serve on one PostgreSQL (its own throwaway cluster) under faults, SIGKILLs, a SIGSTOPped zombie worker and a database restart (N=, SEED=, CONCURRENCY=, RESTARTS= to override)"

# Installs the C library our HTTP client links against, only when pkg-config cannot find it.
deps:
	@if ! pkg-config --exists libcurl 2>/dev/null; then \
		echo "libcurl development files missing: installing libcurl4-openssl-dev"; \
		SUDO=""; if [ "$$(id -u)" != "0" ]; then SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libcurl4-openssl-dev pkg-config; \
	fi

# Python packages the schema-conformance tests use (flow schema, ePayment response bodies against the spec), and
# schemathesis, which APIFuzzTests runs against docs/api.yaml (keep its pin equal to APIFuzzTests.schemathesisVersion).
SCHEMATHESIS_VERSION = 4.32.5
test-deps: deps
	@python3 -c "import jsonschema, openapi_schema_validator, yaml" 2>/dev/null || \
		python3 -m pip install --quiet jsonschema openapi-schema-validator pyyaml
	@python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$(SCHEMATHESIS_VERSION)')" 2>/dev/null || \
		python3 -m pip install --quiet "schemathesis==$(SCHEMATHESIS_VERSION)"

# What ConsoleBrowserTests drives the console with: headless Chromium and its driver from the distribution's
# packages (installed only when missing), and Python selenium pinned in a virtual environment under .build/ (created
# only when missing; delete .build/browser-venv to reinstall). The driver is given by path, so selenium never
# downloads one.
SELENIUM_VERSION = 4.27.1
BROWSER_VENV = .build/browser-venv
browser-deps:
	@if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then \
		echo "installing chromium, chromium-driver and python3-venv for the console's browser test"; \
		SUDO=""; if [ "$$(id -u)" != "0" ]; then SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver python3-venv; \
	fi
	@if [ ! -x $(BROWSER_VENV)/bin/python ] || ! $(BROWSER_VENV)/bin/python -c "import selenium, sys; sys.exit(selenium.__version__ != '$(SELENIUM_VERSION)')" 2>/dev/null; then \
		echo "creating $(BROWSER_VENV) with selenium $(SELENIUM_VERSION)"; \
		mkdir -p .build && python3 -m venv $(BROWSER_VENV) && \
		$(BROWSER_VENV)/bin/pip install --quiet "selenium==$(SELENIUM_VERSION)"; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

# At most this many tests run at once. Unbounded, every suite's in-process simulator, servers and clients were open
# together (about 200 listening sockets, 1,200+ descriptors): tests starved each other on 2 cores, and Foundation's
# Process.run crashes past about 1,360 descriptors (it copies each /proc/self/fd entry's whole d_name, reading past
# glibc's directory buffer: swift-corelibs-foundation findMaximumOpenFromProcSelfFD). 12 peaks near 600 and is
# faster here.
#
# The PostgreSQL store's tests (PostgresStoreTests, and the serve tests run on both stores) use a throwaway cluster
# that scripts/test-postgres.sh creates in a temporary folder (installing the postgresql package when missing) and
# always stops afterwards, keeping the tests' exit status. EVFLOW_REQUIRE_POSTGRES=1 makes a missing cluster a
# failure instead of a skip.
TEST_PARALLELISM ?= 12
# EVFLOW_BROWSER_PYTHON and EVFLOW_REQUIRE_BROWSER=1 make ConsoleBrowserTests run (and fail, not skip, without
# the browser).
test: test-deps browser-deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@cluster=$$(mktemp -d /tmp/evflow-test-pg.XXXXXX)/cluster; \
	trap 'scripts/test-postgres.sh stop "$$cluster"; rmdir "$$(dirname "$$cluster")" 2>/dev/null || true' EXIT; \
	scripts/test-postgres.sh start "$$cluster" || exit 1; \
	. "$$cluster/env"; export EVFLOW_REQUIRE_POSTGRES=1; \
	EVFLOW_BROWSER_PYTHON=$(CURDIR)/$(BROWSER_VENV)/bin/python EVFLOW_REQUIRE_BROWSER=1 \
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_PARALLELISM) $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS)

demo: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product evflow
	$(SWIFT) run $(SWIFT_BUILD_FLAGS) --skip-build evflow demo

# The DBOS peer of `evflow-bench flow` (Benchmarks/peers/dbos): a virtual environment with its pinned
# requirements, created only when missing (delete Benchmarks/.venv to reinstall).
bench-peers:
	@if [ ! -x Benchmarks/.venv/bin/python ] || ! Benchmarks/.venv/bin/python -c "import dbos, requests" 2>/dev/null; then \
		echo "creating Benchmarks/.venv for the DBOS peer"; \
		python3 -m venv Benchmarks/.venv && \
		Benchmarks/.venv/bin/pip install --quiet -r Benchmarks/peers/dbos/requirements.txt; \
	fi

# Every benchmark suite, in release mode, one after the other; each prints a table and merges its keys into
# Benchmarks/results/latest.json (summarised in docs/performance.md). About 20 minutes on 2 cores after the build (`pg` starts a throwaway PostgreSQL cluster of its own).
BENCH = Benchmarks/.build/release/evflow-bench
bench: deps bench-peers
	$(SWIFT) build -c release --package-path Benchmarks
	$(SWIFT) build -c release --package-path Benchmarks --product epayment-sim
	$(SWIFT) build -c release --package-path Benchmarks --product evflow
	$(BENCH) http
	$(BENCH) flow
	$(BENCH) scale
	$(BENCH) scenarios
	$(BENCH) pg

# The fault campaign at full size (Tests/EvflowServeTests/Chaos: N sessions through a repeatedly SIGKILLed
# `evflow serve`), then the definition and state-file fuzzers with FUZZ iterations. `make test` runs both small.
N ?= 1000
SEED ?= 20261127
CONCURRENCY ?= 80
FUZZ ?= 2000
chaos: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	EVFLOW_CHAOS_SESSIONS=$(N) EVFLOW_CHAOS_SEED=$(SEED) EVFLOW_CHAOS_CONCURRENCY=$(CONCURRENCY) $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --filter 'EvflowServeTests\.ChaosCampaignTests'
	EVFLOW_FUZZ_ITERATIONS=$(FUZZ) EVFLOW_FUZZ_SEED=$(SEED) $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --filter "DefinitionFuzzTests|StateFileFuzzTests"

# The scale-out campaign (Tests/EvflowServeTests/Chaos/PostgresChaosCampaignTests): N sessions through three
# `evflow serve` sharing one PostgreSQL database (a throwaway cluster the test starts with scripts/test-postgres.sh
# and stops, so its restart disturbs nothing else; PostgreSQL is installed when missing), API calls spread over the
# three, a random one SIGKILLed every few seconds, one SIGSTOPped past its 3 s lease and resumed, and one
# `pg_ctl restart -m immediate` mid-run (RESTARTS=R: R of them, spread over the run). `make test` runs it with 40
# sessions. N, SEED and CONCURRENCY as for chaos.
RESTARTS ?= 1
chaos-pg: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	EVFLOW_REQUIRE_POSTGRES=1 EVFLOW_CHAOS_SESSIONS=$(N) EVFLOW_CHAOS_SEED=$(SEED) EVFLOW_CHAOS_CONCURRENCY=$(CONCURRENCY) EVFLOW_CHAOS_PG_RESTARTS=$(RESTARTS) $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --filter PostgresChaosCampaignTests

clean:
	rm -rf .build Benchmarks/.build
