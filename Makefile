# make run: set up .venv (first time only) and run the baseline batch and its report.
# make test: set up .venv and run every check: ruff, mypy, pytest.
# make mutate [MUTATE="streams personnel"]: mutation testing (mutmut) per module group; slow, not in make test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
REPS ?= 200
SEED ?= 20190101
WORKERS ?= 2
MUTATE ?=

.PHONY: run test lint typecheck pytest setup clean bench mutate

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip "setuptools>=77"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,dask]'
	@touch $(STAMP)

run: setup
	@set -e; \
	dir=$$($(BIN)/wsw-sim run configs/soweco_2019.toml --reps $(REPS) --seed $(SEED) --workers $(WORKERS) --out runs | tail -n 1); \
	$(BIN)/wsw-sim report "$$dir" --out "$$dir/report.html"; \
	echo "results: $$dir"; \
	echo "report:  $$dir/report.html"

lint: setup
	$(BIN)/ruff check sim analysis wsw_sim tests benchmarks tools
	$(BIN)/ruff format --check sim analysis wsw_sim tests benchmarks tools

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/batch.py

# the groups and their test files are in tools/mutate.py; figures and survivors are printed at the end
mutate: setup
	$(BIN)/python tools/mutate.py $(MUTATE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build .mutate
