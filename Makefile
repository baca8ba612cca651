# Two commands for a newcomer: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Real fediverse peers for tests/test_peers.py, in a virtualenv of their own (their pins differ).
PEERS := .peers
PEERS_STAMP := $(PEERS)/.installed

.PHONY: run test lint typecheck peers bench clean messages browser

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

# axe-core for the browser tests, from the lock file (Chromium itself comes from Debian).
BROWSER := tests/browser
BROWSER_STAMP := $(BROWSER)/node_modules/.installed

$(BROWSER_STAMP): $(BROWSER)/package-lock.json
	cd $(BROWSER) && npm ci --no-audit --no-fund --silent
	touch $(BROWSER_STAMP)

browser: $(BROWSER_STAMP)

# Re-extract the page strings after templates change; new strings arrive untranslated and
# tests/test_i18n.py names them until both catalogues have them. (.po files are compiled on use.)
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 --no-location \
		--sort-output --project Coophub -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations \
		--no-fuzzy-matching --ignore-obsolete

run: $(STAMP)
	$(BIN)/hub serve

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Test files run in parallel, one process per core; a file's tests stay in one process (their
# servers' loopback addresses and ports are the file's own).
test: lint typecheck peers browser
	$(BIN)/pytest -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/discovery.py

clean:
	rm -rf $(VENV) $(PEERS) .pytest_cache .mypy_cache .ruff_cache
