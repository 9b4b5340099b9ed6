# The two commands of a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
MODEL ?= resnet18

.PHONY: setup run test services

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev,reference]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/benchsvc run --model $(MODEL)

services:
	scripts/ensure-postgres
	scripts/ensure-chromium

test: setup services
	$(VENV)/bin/pytest
