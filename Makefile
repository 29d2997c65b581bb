# Set-up on a fresh machine:  make run   (index corpus/ and run a query)
#                             make test  (lint, type-check and test)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BENCH_VENV ?= .venv-bench
QUERY ?= CSTO troops

.PHONY: run test lint bench relevance clean

$(BIN)/search: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/search
	$(BIN)/search index corpus/
	$(BIN)/search query "$(QUERY)"

lint: $(BIN)/search
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

# The speed benchmark has a venv of its own, without the test and eval extras (scipy),
# as a user's install is.
bench:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	$(BENCH_VENV)/bin/python -m compileall -q searcher  # bytecode, as an installed package has
	$(BENCH_VENV)/bin/python -m bench.run

relevance: $(BIN)/search
	$(BIN)/pip install --quiet -e '.[relevance]'
	$(BIN)/python -m bench.relevance

clean:
	rm -rf $(VENV) $(BENCH_VENV) index/_* index/*.toc index/*.seg index/*.lock
