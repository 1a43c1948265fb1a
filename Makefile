# newsbot: the two set-up commands are `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SEED_QUESTION := What does Hamas require before hostage talks?

.PHONY: install run test lint

# A virtual environment with newsbot and its pinned dependencies (torch's CPU build included).
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Install, ingest the seed article into the embedded store (.newsbot/) and answer the seed question.
run: install
	$(BIN)/newsbot ingest seeds/
	$(BIN)/newsbot ask "$(SEED_QUESTION)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# The whole suite: lint, types, then every test (CI runs exactly this through .ci/run).
test: lint
	$(BIN)/pytest
