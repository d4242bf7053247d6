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

.PHONY: run test test-under-load lint bench install clean

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

# The suite RUNS times in a row with BUSY busy-loop processes beside it (a loaded CI runner,
# or several suites on one small machine); every run goes on, and it says how many passed
# (exit 1 unless all did). tests/README.md.
RUNS ?= 5
BUSY ?= 2
test-under-load: $(STAMP)
	@pids=""; passed=0; \
	trap 'kill $$pids 2>/dev/null || true' EXIT; trap 'exit 130' INT TERM; \
	for i in $$(seq $(BUSY)); do $(PY) -c 'while True: pass' & pids="$$pids $$!"; done; \
	echo "busy loops:$$pids"; \
	for run in $$(seq $(RUNS)); do \
		start=$$(date +%s); \
		if scripts/postgres.sh run $(PY) -m pytest -q; then \
			passed=$$((passed + 1)); verdict=passed; else verdict=FAILED; fi; \
		echo "run $$run of $(RUNS): $$verdict in $$(( $$(date +%s) - start )) s"; \
	done; \
	echo "$$passed of $(RUNS) runs passed with $(BUSY) busy loops beside them"; \
	test $$passed -eq $(RUNS)

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) -m bench.qa_eval
	$(PY) -m bench.summary_eval

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
