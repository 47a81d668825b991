# Deal Scout: the commands people run. Every target works from a bare clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PIP := $(PY) -m pip --quiet --disable-pip-version-check

.PHONY: help venv demo demo-check test lint lock check clean

help:
	@echo "make demo        run the whole service locally (web, workers, sandbox marketplace)"
	@echo "make demo-check  the same without a terminal: wait for the first alert, then stop"
	@echo "make test        the whole test suite"
	@echo "make lint        ruff, mypy, import contracts, hadolint and the migrations check"
	@echo "make lock        re-lock requirements/*.txt from requirements/*.in (with hashes)"

# The development lock (it includes the runtime lock), every package checked by its hash.
$(STAMP): requirements/dev.txt requirements/base.txt
	@echo "==> Creating the virtual environment in $(VENV) and installing requirements/dev.txt (locked, with hashes)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --require-hashes -r requirements/dev.txt
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
	@echo "==> ruff"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@echo "==> mypy"
	@$(VENV)/bin/mypy
	@echo "==> import contracts"
	@$(VENV)/bin/lint-imports
	@echo "==> hadolint"
	@$(VENV)/bin/hadolint Dockerfile
	@echo "==> migrations and Django's checks"
	@$(PY) manage.py makemigrations --check --dry-run
	@$(PY) manage.py check

# After editing requirements/*.in: lock the runtime first, the development lock follows it.
lock: $(STAMP)
	@cd requirements && ../$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links base.in -o base.txt
	@cd requirements && ../$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links dev.in -o dev.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
