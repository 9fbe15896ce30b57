# Two commands for a new machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3
PORT   ?= 5000

.PHONY: run run-all test lint install clean-db

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate the SQLite database, load demo data once, serve on :$(PORT) (make run PORT=8080).
run: install
	$(VENV)/bin/systemfel db upgrade
	$(VENV)/bin/systemfel demo load --if-empty
	@echo ""
	@echo "Systemfel: http://127.0.0.1:$(PORT)  (stop with Ctrl+C)"
	@echo "PostgreSQL instead of SQLite: SYSTEMFEL_DATABASE_URL=postgresql+psycopg://USER@HOST:5432/DB make run"
	@echo "Reminders, digests and e-mail are sent by the scheduler, a process of its own:"
	@echo "  .venv/bin/systemfel scheduler      (in another terminal), or use 'make run-all'"
	@echo "Without SMTP settings, e-mails are written to instance/mail/ and shown under Utskick."
	@echo ""
	$(VENV)/bin/systemfel run --host 127.0.0.1 --port $(PORT)

## make run-all: like make run, with the scheduler beside the web server (both stop on Ctrl+C).
run-all: install
	$(VENV)/bin/systemfel db upgrade
	$(VENV)/bin/systemfel demo load --if-empty
	@echo "Systemfel: http://127.0.0.1:$(PORT) and the scheduler (stop both with Ctrl+C)"
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/systemfel scheduler & \
	$(VENV)/bin/systemfel run --host 127.0.0.1 --port $(PORT)

## make lint: ruff, the import contract (domain.py stays plain Python), mypy over the package.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

## make test: lint, then the whole suite. "No tests collected" (pytest exit 5) is a failure.
test: lint
	@$(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: treating as failure"; exit 1; fi; \
	exit $$status

clean-db:
	rm -f instance/systemfel.db instance/systemfel.db-wal instance/systemfel.db-shm
