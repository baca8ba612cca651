# Two commands for a newcomer: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Real fediverse peers for tests/test_peers.py, in a virtualenv of their own (their pins differ).
PEERS := .peers
PEERS_STAMP := $(PEERS)/.installed

.PHONY: run test lint typecheck peers bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(PEERS_STAMP): tests/peers/requirements.txt
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet -r tests/peers/requirements.txt
	touch $(PEERS_STAMP)

peers: $(PEERS_STAMP)

run: $(STAMP)
	$(BIN)/hub serve

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck peers
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/discovery.py

clean:
	rm -rf $(VENV) $(PEERS) .pytest_cache .mypy_cache .ruff_cache
