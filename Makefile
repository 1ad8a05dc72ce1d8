# Two commands for a fresh machine (Python 3.11, Node 20, npm):
#   make run    set up, then run the four pipelines locally on the bundled data
#   make test   set up, then lint, type-check, test, and synthesize with CDK's validation on
# Both create/update .venv/ and node_modules/ first; a second run reuses them.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test lint typecheck unit synth bench clean

$(PY_STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -c constraints.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(NODE_STAMP)

run: setup
	$(PY) -m local_runtime run all $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy stacks ml_code local_runtime

unit: setup
	CDK_VALIDATION=false $(PY) -m pytest $(PYTEST_ARGS)

# The one step that keeps CDK's built-in CloudFormation validation on, through the pinned CLI.
synth: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npx cdk synth --quiet

test: lint typecheck unit synth

bench: setup
	$(PY) -m bench.ml_quality
	$(PY) -m bench.pipelines
	$(PY) -m bench.endpoint_latency
	$(PY) -m bench.endpoint_faults
	$(PY) -m bench.contracts_overhead
	$(PY) -m bench.cli_invoke
	$(PY) -m bench.report_build

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
	@echo "removed build caches; left: .venv/ and node_modules/ (the set-up) and runs/local/ (local"
	@echo "pipeline state: '.venv/bin/python -m local_runtime clean' prunes old executions,"
	@echo "'... destroy all' removes the local endpoints, 'rm -rf runs/local' removes everything)"
