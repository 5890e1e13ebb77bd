# waitflows: one Makefile for the whole monorepo. `make test` and `make local` install whatever is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda runs python3.12: use it when the machine has it.
PYTHON_BOOTSTRAP ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12) python3)
VENV := .venv
PY := $(VENV)/bin/python
# What the AWS python3.12 runtime ships besides the standard library (boto3 & co): local functions run with only this.
LAMBDA_RUNTIME := .lambda-runtime
# Dev tools with pins of their own (make deploy-rehearsal's ministack): never on make local's or a Lambda's path.
MINISTACK := .tools/ministack
STAGE ?= dev
SERVICE ?=

TENANT ?= tenant1

.PHONY: help install layer package lint test test-unit test-integration test-localcloud test-e2e test-parity test-deploy local deploy deploy-rehearsal remove bench clean \
        worker activity-worker invoke

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/dev.txt requirements/layer.txt
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

# Compiled, as the runtime's own libraries are on AWS (a cold start there does not compile boto3).
$(LAMBDA_RUNTIME)/.installed: requirements/lambda-runtime.txt | $(VENV)/.installed
	rm -rf $(LAMBDA_RUNTIME)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	  --target $(LAMBDA_RUNTIME) -r requirements/lambda-runtime.txt
	touch $@

# The deploy rehearsal's emulator, in a virtualenv of its own: its pinned botocore is not the project's.
$(MINISTACK)/.installed: requirements/ministack.txt
	rm -rf $(MINISTACK)
	$(PYTHON_BOOTSTRAP) -m venv $(MINISTACK)
	$(MINISTACK)/bin/pip install --quiet --disable-pip-version-check -r requirements/ministack.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.system-packages.installed: scripts/install_system_packages.sh
	scripts/install_system_packages.sh
	touch $@

install: $(VENV)/.installed $(LAMBDA_RUNTIME)/.installed node_modules/.installed .system-packages.installed  ## install pinned toolchains and Debian packages

shared/build/.layer-built: requirements/layer.txt $(shell find shared/python -name '*.py') | $(VENV)/.installed
	$(PY) scripts/build_layer.py
	touch $@

layer: shared/build/.layer-built  ## assemble the shared Lambda layer

package: install layer  ## package every service offline (STAGE=dev) and cfn-lint the templates
	$(PY) scripts/package.py --stage $(STAGE)

test-unit: install  ## logic only, no network
	$(PY) -m pytest tests/unit

test-integration: install  ## every handler under moto, resources built from serverless.yml
	$(PY) -m pytest tests/integration

test-localcloud: install  ## the local cloud's own parts (runtime, edge, API emulation, moto gaps)
	$(PY) -m pytest tests/localcloud

test-e2e: install layer  ## the whole system through the local cloud's public surfaces
	$(PY) -m pytest tests/e2e

test-parity: install layer  ## deliberate deploy defects: the local cloud must fail as AWS would, with AWS's error
	$(PY) -m pytest tests/parity

lint: install  ## pyflakes rules over all Python (a test defined twice never runs)
	$(PY) -m ruff check .

test-deploy: install $(MINISTACK)/.installed  ## the deploy rehearsal (make deploy-rehearsal) as a test
	$(PY) -m pytest tests/deploy

test: install $(MINISTACK)/.installed package lint  ## install what is missing, then run every test
	$(PY) -m pytest tests/unit tests/integration tests/localcloud tests/parity tests/e2e tests/deploy

local: install layer  ## run the whole system offline: AWS at :4566, APIs at :3000 (Ctrl-C stops it)
	$(PY) -m localcloud $(LOCALCLOUD_ARGS)

FUNCTION ?=
DATA ?= {}
invoke: install  ## osls invoke local one function: make invoke SERVICE=orchestrator FUNCTION=calculate DATA='{"x":1,"y":2}'
	cd services/$(SERVICE) && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PYTHONPATH="$(CURDIR)/shared/python" \
	  AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL:-http://127.0.0.1:4566} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
	  $(CURDIR)/node_modules/.bin/osls invoke local --stage local --function $(FUNCTION) --data '$(DATA)'

# The local cloud as an operator's AWS endpoint (boto3 and the AWS CLI read these).
LOCAL_AWS := AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL:-http://127.0.0.1:4566} AWS_ACCESS_KEY_ID=local \
	AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1

worker: install  ## run an on-premises worker against the local cloud, onboarding its tenant first: make worker TENANT=tenant1
	$(LOCAL_AWS) $(PY) -m workers.onprem.onboard --tenant $(TENANT) --unless-registered
	$(PY) -m workers.onprem --tenant $(TENANT)

activity-worker: install  ## run an activity worker (GetActivityTask long poll) against the local cloud
	$(PY) -m workers.activity

deploy: install layer  ## deploy to AWS: make deploy STAGE=dev [SERVICE=approval]
	$(PY) scripts/deploy.py --stage $(STAGE) $(if $(SERVICE),--service $(SERVICE))

deploy-rehearsal: install $(MINISTACK)/.installed  ## the real make deploy, run, redeploy and remove on a local ministack
	$(PY) -m deploy_rehearsal $(REHEARSAL_ARGS)

remove: install  ## remove from AWS, last wave first: make remove STAGE=dev [SERVICE=orchestrator]
	$(PY) scripts/deploy.py --remove --stage $(STAGE) $(if $(SERVICE),--service $(SERVICE))

bench: install layer  ## print the performance figures the README keeps
	$(PY) -m bench

clean:  ## remove caches and local state (not the toolchains)
	rm -rf .localcloud shared/build test-output .pytest_cache
	find . -name __pycache__ -not -path './node_modules/*' -not -path './.venv/*' -prune -exec rm -rf {} +
