# Two entry points for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-dates lint install browser bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The browser tests drive Debian's chromium; Playwright never downloads a browser of its own.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

browser: $(CHROMIUM)

# The benchmark's load generator, from Debian too.
WRK := /usr/bin/wrk

$(WRK):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk

run: install
	$(BIN)/tracker db upgrade
	$(BIN)/tracker seed
	$(BIN)/tracker forecast refresh
	$(BIN)/tracker serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint browser
	$(BIN)/pytest

# The suite on other days: every Python process of the run (pytest, its workers, the servers and
# commands the tests start) has its clock moved to each of these moments by time-machine
# (tests/clock/sitecustomize.py). On SQLite only; one moment with TEST_DATES=...
TEST_DATES ?= 2027-03-15T09:00:00+01:00 2028-07-21T12:00:00+02:00 2029-12-31T23:30:00+01:00

test-dates: install browser
	@for moment in $(TEST_DATES); do \
	  echo "== the test suite at $$moment"; \
	  env -u TRACKER_TEST_POSTGRES_URL -u TRACKER_REQUIRE_POSTGRES \
	    PYTHONPATH=$(CURDIR)/tests/clock TRACKER_TEST_NOW=$$moment $(BIN)/pytest || exit 1; \
	done

bench: install $(WRK)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data build *.egg-info
