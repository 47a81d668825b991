# Deal Scout: the commands people run. Every target works from a bare clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv demo demo-check test lint check clean

help:
	@echo "make demo        run the whole service locally (web, workers, sandbox marketplace)"
	@echo "make demo-check  the same without a terminal: wait for the first alert, then stop"
	@echo "make test        the whole test suite"
	@echo "make lint        ruff and Django's checks"

$(STAMP): requirements.txt
	@echo "==> Creating the virtual environment in $(VENV) and installing requirements.txt"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	@$(PY) manage.py demo

demo-check: $(STAMP)
	@rm -f var/demo-check.sqlite3*
	@DATABASE_URL=sqlite:///$(CURDIR)/var/demo-check.sqlite3 $(PY) manage.py demo --check --timeout 300

test: $(STAMP)
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	@$(PY) -m ruff check .
	@$(PY) manage.py makemigrations --check --dry-run
	@$(PY) manage.py check

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
