# Two commands do all the set-up on a fresh clone:
#   make run    install into .venv if needed, then run the bot
#   make test   install into .venv if needed, then lint, type-check and run every test against
#               a throwaway PostgreSQL (scripts/postgres.sh installs the server with apt-get if it
#               is missing, starts it in a temp directory, and stops it at the end)
# `make run` needs no PostgreSQL: the bot's default store is SQLite.
# The install uses the pip that comes with the venv (23.2 on Python 3.11), on purpose:
# it is the oldest pip we support, so CI proves the dependencies install with it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsbot needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/newsbot run

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: lint
	scripts/postgres.sh run $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) -m bench.qa_eval
	$(PY) -m bench.summary_eval

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
