# Two entry points: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/forecast-run

# -n 2: the suite in two processes (CI has 2 cores); `pytest -q` alone runs it serially.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# Benchmark-style job, not part of `make test`: mutation-tests the core modules with mutmut
# (benchmarks/mutation.py; MODULES=backtest.compare for one, JOBS=2 parallel mutants).
$(VENV)/.mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,mutation]"
	touch $(VENV)/.mutation

mutation: $(VENV)/.mutation
	$(BIN)/python benchmarks/mutation.py --jobs $(or $(JOBS),2) $(MODULES)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
