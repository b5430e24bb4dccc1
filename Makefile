# citewise — set-up and everyday commands. See README.md.
#   make chat   install, ingest the bundled corpus, open the chat on http://127.0.0.1:7860
#   make test   install (with test tools and Debian chromium), run the tests and the eval gate

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CITEWISE := $(VENV)/bin/citewise
# Installed with its CPU build from this machine's disk; an unpinned torch pulls a multi-GB GPU build.
TORCH := torch==2.13.0
EVAL_HOME ?= $(CURDIR)/.citewise-home/eval
# The pubmedqa suite's own corpus and index (kept, so a second run does not embed again).
PUBMEDQA_WORK ?= $(CURDIR)/.citewise-home/pubmedqa

.PHONY: install install-test chat ask test eval lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	bash scripts/install-chromium.sh
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

chat: install
	$(CITEWISE) ingest corpus
	$(CITEWISE) chat

test: install-test
	$(MAKE) lint
	$(PY) -m pytest
	$(MAKE) eval

eval: install
	CITEWISE_HOME=$(EVAL_HOME) $(CITEWISE) ingest --quiet corpus
	CITEWISE_HOME=$(EVAL_HOME) $(CITEWISE) eval --reports reports
	$(CITEWISE) eval --suite pubmedqa --workdir $(PUBMEDQA_WORK) --reports reports

lint: install-test
	@echo "lint: ruff check, ruff format --check, mypy"
	$(VENV)/bin/ruff check ingest assistant evals tests bench
	$(VENV)/bin/ruff format --check ingest assistant evals tests bench
	$(VENV)/bin/mypy

bench: install-test
	$(PY) bench/ingest.py
	$(PY) bench/query.py
	$(PY) bench/pubmedqa.py

clean:
	rm -rf $(VENV) .citewise-home reports bench/out .pytest_cache .hypothesis
