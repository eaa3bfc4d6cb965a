# Binôme — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DATA ?= collab-data
# Test processes (pytest-xdist): the suite's servers and clients are CPU-bound, one per core; the browser
# tests keep to one process (--dist loadgroup, see tests/browser/conftest.py).
JOBS ?= 2

.PHONY: run test check bench install install-test js-deps bundle bundle-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test js-deps

# The stock JavaScript y-websocket client, for the interoperability test (pinned by the lock file).
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	touch $@

js-deps: tests/js/node_modules/.installed

# The writing room's browser bundle (Yjs, y-websocket, CodeMirror) is built with esbuild from the
# pinned packages of frontend/ into static/dist/, which is committed: running Binôme needs no Node.
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bundle: frontend/node_modules/.installed
	cd frontend && node build.mjs

# Fails when the committed static/dist/ is not what its sources build to.
bundle-check: frontend/node_modules/.installed
	cd frontend && node build.mjs --check

run: install
	$(BIN)/collab serve --demo --host $(HOST) --port $(PORT) --data $(DATA)

check: $(VENV)/.installed-test
	$(BIN)/ruff check collab tests bench
	$(BIN)/ruff format --check collab tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory bundle-check

test: install-test check
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) tests/js/node_modules frontend/node_modules .mypy_cache .ruff_cache .pytest_cache
