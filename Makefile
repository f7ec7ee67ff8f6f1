# Every target sets itself up: a fresh clone needs only Python 3.11+ and the package registries.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STACK  ?= dev
STAMP  := $(VENV)/.installed

SCAN_VENV  ?= .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.installed

.PHONY: setup plan plan-prod test lint typecheck check docs bench clean scan

# Says what it installs and roughly how long it takes: the first run downloads about 650 MB
# (pulumi-azure-native is most of it), measured at 1.5 to 5 minutes on the development machine.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "setup: installing into $(VENV): the Pulumi program and its providers, the meshward CLI,"
	@echo "setup: the test and lint tools (about 650 MB; usually 1-5 minutes the first time)"
	@start=$$(date +%s) && \
	echo "setup [1/4] virtualenv $(VENV) ($$($(PYTHON) --version))" && \
	$(PYTHON) -m venv $(VENV) && \
	echo "setup [2/4] pip" && \
	$(BIN)/python -m pip install --quiet --upgrade pip && \
	echo "setup [3/4] dependencies from requirements-dev.txt (pulumi, pulumi-azure-native, pulumi-kubernetes, pydantic, pytest, ...)" && \
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt && \
	echo "setup [4/4] meshward itself, editable from components/" && \
	$(BIN)/python -m pip install --quiet --no-deps -e . && \
	touch $(STAMP) && \
	echo "setup: done in $$(( $$(date +%s) - start )) s"

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

# checkov pins dependencies that clash with the project's, so it has its own virtualenv.
$(SCAN_STAMP): requirements-scan.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/python -m pip install --quiet -r requirements-scan.txt
	touch $(SCAN_STAMP)

scan: $(STAMP) $(SCAN_STAMP) ## Export prod and dev; checkov (with checkov-waivers.yaml) and Kubernetes schemas over them
	PYTHONPATH=components $(BIN)/python .ci/scan.py --checkov $(SCAN_VENV)/bin/checkov

docs: $(STAMP) ## Regenerate the configuration reference in README.md and docs/API.md
	$(BIN)/python -m meshward.config.reference README.md
	$(BIN)/python -m meshward.api_reference docs/API.md
	$(BIN)/python -m meshward.guardrails.docs docs/guardrails.md
	$(BIN)/python -m meshward.guardrails.crossguard policies dev prod

bench: $(STAMP) ## Measure plan, floor, compile, access matrix, simulate, validate, memory at 100/1,000/5,000 workloads; rewrite BENCHMARKS.md
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
