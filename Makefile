# make run: set up .venv (first time only) and run the baseline batch and its report.
# make test: set up .venv and run every check: ruff, mypy, pytest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# setup.py compiles these with mypyc; the record of what it compiled is rewritten by every build
COMPILED := sim/organisations.py
NATIVE := sim/_compiled.json
REPS ?= 200
SEED ?= 20190101
WORKERS ?= 2

.PHONY: run test lint typecheck pytest setup clean bench

setup: $(STAMP) $(NATIVE)

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip "setuptools>=77"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,dask]'
	@touch $(STAMP)

# a compiled module's source changed since the last build: compile it again (the package alone, no deps)
$(NATIVE): $(COMPILED) | $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(NATIVE)

run: setup
	@set -e; \
	dir=$$($(BIN)/wsw-sim run configs/soweco_2019.toml --reps $(REPS) --seed $(SEED) --workers $(WORKERS) --out runs | tail -n 1); \
	$(BIN)/wsw-sim report "$$dir" --out "$$dir/report.html"; \
	echo "results: $$dir"; \
	echo "report:  $$dir/report.html"

lint: setup
	$(BIN)/ruff check sim analysis tests benchmarks setup.py
	$(BIN)/ruff format --check sim analysis tests benchmarks setup.py

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/batch.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build $(NATIVE) sim/*.so
