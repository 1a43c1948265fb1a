# newsbot: the two set-up commands are `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SEED_QUESTION := What does Hamas require before hostage talks?

.PHONY: install run test lint browser

# A virtual environment with newsbot and its pinned dependencies (torch's CPU build included).
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Install, ingest the seed article into the embedded store (.newsbot/), answer the seed question,
# then serve the chat, the API and the widget on http://127.0.0.1:7860/ (Ctrl-C stops it).
run: install
	$(BIN)/newsbot ingest seeds/
	$(BIN)/newsbot ask "$(SEED_QUESTION)"
	$(BIN)/newsbot serve --host 127.0.0.1 --port 7860

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Debian's Chromium for the browser tests, installed only when it is missing (a clean CI machine).
browser:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# The whole suite: lint, types, then every test (CI runs exactly this through .ci/run).
test: lint browser
	$(BIN)/pytest
