# Two commands for a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run stop-db test lint browser screenshots bench bench-email

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.env:
	cp .env.example .env

## run: install, migrate, create the demo admin and data once, serve http://127.0.0.1:$(PORT)/admin/
## (make run PORT=8001) with an email worker (manage.py db_worker) beside it; Ctrl-C stops both,
## and the embedded PostgreSQL with them
run: $(VENV)/.runtime .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin
	$(PY) manage.py seed_demo
	@$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null; $(PY) -m billing_admin.embedded_db stop' EXIT; \
	trap 'exit 0' INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## stop-db: stop the embedded PostgreSQL (.pgdata/) left running by tests or manage.py commands
stop-db:
	$(PY) -m billing_admin.embedded_db stop

## test: the whole suite on PostgreSQL (embedded unless DATABASE_URL is set), one pytest-xdist
## worker per core up to 4 (each a test database and its connections on the one server);
## make test PYTEST_ARGS="-n 0 clients" for one process and one app
PYTEST_ARGS ?= -n auto --maxprocesses 4
test: $(VENV)/.dev browser
	$(PY) -m pytest $(PYTEST_ARGS)

## browser: Debian's chromium for the browser tests (e2e/), installed when missing if we are root
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "no /usr/bin/chromium and no root apt-get: e2e/ uses Playwright's own Chromium" \
			"if installed (.venv/bin/playwright install chromium), else skips (fails under CI=true)"; \
	fi

## screenshots: docs/screenshots/*.png, taken in Chromium from demo data on a throwaway database
screenshots: $(VENV)/.dev browser
	$(PY) -m e2e.screenshots

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

## bench: time admin pages and bulk services against raw SQL on a bench database (ARGS="--clients 1000000";
## groups: --stock, --api, --memory, --load; see bench/README.md)
$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: $(VENV)/.bench
	$(PY) -m bench.run $(ARGS)

## bench-email: 10,000 queued emails to a local SMTP sink with 1, 2 and 4 workers (ARGS="--emails 2000")
bench-email: $(VENV)/.dev
	$(PY) -m bench.email_queue $(ARGS)
