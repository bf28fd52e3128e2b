# The README's two commands are `make run` and `make test`; each sets itself up.
PYTHON ?= $(shell command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
API_HOST ?= 0.0.0.0
API_PORT ?= 8000

.PHONY: setup run serve worker migrate test lint fmt bench clean deploy-check

$(STAMP): requirements.lock
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12) and "Python 3.12+ is required (see .python-version)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

# Development: SQLite + local-memory cache unless DATABASE_URL/REDIS_URL are set,
# with a webhook worker beside the dev server (stopped together on Ctrl-C).
run: migrate
	@echo ""
	@echo "Tessera on http://127.0.0.1:8000  (API /api/v1, docs /docs, admin /admin)"
	@echo "First admin API key:   $(PY) manage.py bootstrap"
	@echo "Admin console login:   $(PY) manage.py createsuperuser"
	@echo "Webhooks (optional):   WEBHOOK_URL=http://127.0.0.1:5555/webhook, receiver: $(PY) -m webhooks.receiver"
	@echo ""
	$(PY) manage.py devserver 127.0.0.1:8000

# Production server: gunicorn, all configuration from the environment.
serve: setup
	$(BIN)/gunicorn tessera.wsgi:application --config python:tessera.gunicorn_conf

# Production webhook worker (the image's worker command): every queue, plus the sweeper.
worker: setup
	$(PY) manage.py webhook_worker

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(PY) manage.py makemigrations --check --dry-run

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) db.sqlite3

# Validate Dockerfile, compose, k8s manifests and the Helm chart (tools go to .tools/).
deploy-check:
	bash deploy/check.sh
