# Every target sets itself up: a fresh clone needs only Python 3.11+ and the package registries.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STACK  ?= dev
STAMP  := $(VENV)/.installed

.PHONY: setup plan plan-prod test lint typecheck check docs bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the program, the CLI and the test tools

plan: $(STAMP) ## Render the stack offline into out/$(STACK) (STACK=prod for prod)
	$(BIN)/meshward plan --stack $(STACK)

plan-prod: $(STAMP)
	$(BIN)/meshward plan --stack prod

test: $(STAMP) ## Run the whole test suite (pytest exits 5, a failure, if it finds no tests)
	$(BIN)/pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test ## Everything CI runs

docs: $(STAMP) ## Regenerate the configuration reference in README.md and docs/API.md
	$(BIN)/python -m meshward.config.reference README.md
	$(BIN)/python -m meshward.api_reference docs/API.md

bench: $(STAMP) ## Measure plan, compile, validate, simulate and access-matrix speed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
