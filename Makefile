# citewise — set-up and everyday commands. See README.md.
#   make chat   install, ingest the bundled corpus, open the chat on http://127.0.0.1:7860
#   make test   install (with test tools and Debian chromium), run the tests and the eval gate
#   make test-llm  build llama-cpp-python once (cached wheel), run tests/llm against a real llama.cpp server

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CITEWISE := $(VENV)/bin/citewise
# Installed with its CPU build from this machine's disk; an unpinned torch pulls a multi-GB GPU build.
TORCH := torch==2.13.0
EVAL_HOME ?= $(CURDIR)/.citewise-home/eval
# The pubmedqa suite's own corpus and index (kept, so a second run does not embed again).
PUBMEDQA_WORK ?= $(CURDIR)/.citewise-home/pubmedqa
# llama-cpp-python compiles llama.cpp from source (two hours on the shared 2-core machine);
# the wheel is built once into this folder and reused, and pip's wheel cache keeps a copy.
LLM_WHEELS ?= $(CURDIR)/.cache/wheels
LLAMA_CPP := llama-cpp-python==0.3.36

.PHONY: install install-test chat ask test test-llm eval lint bench clean

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

$(VENV)/.installed-llm: $(VENV)/.installed-test
	mkdir -p $(LLM_WHEELS)
	CMAKE_BUILD_PARALLEL_LEVEL=2 CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF" \
		nice $(PY) -m pip wheel -q --no-deps --find-links $(LLM_WHEELS) --wheel-dir $(LLM_WHEELS) '$(LLAMA_CPP)'
	$(PY) -m pip install -q --find-links $(LLM_WHEELS) -e '.[llm-server]'
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

test-llm: $(VENV)/.installed-llm
	$(PY) -m pytest -m llm tests/llm

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
