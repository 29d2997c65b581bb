# Set-up on a fresh machine:  make run   (index corpus/ and run a query)
#                             make test  (lint, type-check and test)
PYTHON ?= python3
# `make run` installs what a user installs; the test and eval extras bring scipy, which
# `import nltk` then imports too (0.8 s and 65 MB more for each indexing worker), so
# tests, lint and relevance runs have a venv of their own.
VENV ?= .venv
BIN := $(VENV)/bin
TEST_VENV ?= .venv-test
TEST_BIN := $(TEST_VENV)/bin
BENCH_VENV ?= .venv-bench
QUERY ?= CSTO troops

.PHONY: run test lint bench relevance quotes screenshot clean

$(BIN)/search: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_BIN)/pytest: pyproject.toml
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/search
	$(BIN)/search index corpus/
	$(BIN)/search query "$(QUERY)"

lint: $(TEST_BIN)/pytest
	$(TEST_BIN)/ruff check .
	$(TEST_BIN)/ruff format --check .
	$(TEST_BIN)/mypy
	$(TEST_BIN)/lint-imports

test: lint
	$(TEST_BIN)/python -m pytest -q

# The speed benchmark has a venv of its own, without the test and eval extras (scipy),
# as a user's install is.
bench:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	$(BENCH_VENV)/bin/python -m compileall -q searcher  # bytecode, as an installed package has
	$(BENCH_VENV)/bin/python -m bench.run

# PNGs of the web app (results, an article, a phone) in docs/screenshots/, taken by headless
# Chromium; INDEX=DIR serves that index instead of one built from corpus/ and the corpora.
screenshot: $(TEST_BIN)/pytest
	$(TEST_BIN)/python tests/screenshots.py $(if $(INDEX),--index $(INDEX))

relevance: $(TEST_BIN)/pytest
	$(TEST_BIN)/pip install --quiet -e '.[relevance]'
	$(TEST_BIN)/python -m bench.relevance

# Quote extraction and speakers against the hand-annotated set in ../shared/quotes.
quotes: $(TEST_BIN)/pytest
	$(TEST_BIN)/python -m bench.quotes

clean:
	rm -rf $(VENV) $(TEST_VENV) $(BENCH_VENV) index/_* index/*.toc index/*.seg index/*.lock
