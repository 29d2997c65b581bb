# Set-up on a fresh machine:  make run   (index corpus/ and run a query)
#                             make test  (lint, type-check and test)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
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

bench: $(BIN)/search
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m compileall -q searcher  # bytecode, as an installed package has it
	$(BIN)/python -m bench.run

relevance: $(BIN)/search
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.relevance

clean:
	rm -rf $(VENV) index/_* index/*.toc index/*.seg index/*.lock
