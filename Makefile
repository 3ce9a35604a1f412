# Every target works on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test build lint bench clean chromium libreoffice browser-tools virtuoso

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# This repository's own project (manifest.yaml, sheets, reviews) is data/.
PROJECT := data

build: $(VENV)/.installed
	$(BIN)/smqi build --project $(PROJECT)

run: $(VENV)/.installed
	$(BIN)/smqi build --project $(PROJECT)
	$(BIN)/smqi serve --project $(PROJECT) --host $(HOST) --port $(PORT)

# mypy sees loader/ and api/ under the import names the distribution gives them
# (smqi.loader, smqi.api) through links in .typecheck/, since it cannot follow
# setuptools' editable finder.
.typecheck/smqi:
	mkdir -p $@
	ln -sfn ../../loader $@/loader
	ln -sfn ../../api $@/api

lint: $(VENV)/.installed-test | .typecheck/smqi
	$(BIN)/ruff check loader api tests bench
	$(BIN)/ruff format --check loader api tests bench
	$(BIN)/mypy -p smqi.loader -p smqi.api

# The browser tests drive Debian's chromium; install it when missing (needs root).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: chromium not installed; browser tests will be skipped" >&2

# They check every page with axe-core (npm), installed into node_modules/ (not committed);
# npm comes from Debian when missing.
AXE_VERSION := 4.14.1
node_modules/axe-core/axe.min.js:
	@command -v npm >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq npm >/dev/null) \
		|| echo "warning: npm not installed; the accessibility tests will be skipped" >&2
	npm install --no-save --no-package-lock --no-audit --no-fund --silent axe-core@$(AXE_VERSION) \
		|| echo "warning: axe-core not installed; the accessibility tests will be skipped" >&2

browser-tools: chromium node_modules/axe-core/axe.min.js

# The spreadsheet tests open the workbooks we write in LibreOffice: Debian's headless build
# of libreoffice-calc (the -nogui flavour: the same program without the desktop libraries).
libreoffice:
	@command -v soffice >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq libreoffice-calc-nogui >/dev/null) \
		|| echo "warning: LibreOffice not installed; spreadsheet tests will be skipped" >&2

# The remote-store tests also run against a real Virtuoso (Debian's virtuoso-opensource
# 7.2: virtuoso-t and isql-vt); the tests start their own servers on loopback ports.
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq virtuoso-opensource >/dev/null) \
		|| echo "warning: Virtuoso not installed; its store tests will be skipped" >&2

test: lint browser-tools libreoffice virtuoso
	$(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/build_bench.py
	$(BIN)/python bench/api_bench.py

clean:
	rm -rf $(VENV) .typecheck data/build data/builds data/var data/.cache var node_modules tests/artefacts
