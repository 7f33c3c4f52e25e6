# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
export PORT
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run run-scaled test lint typecheck test-sqlite test-postgres bench bench-quick clean backup messages compilemessages

$(VENV)/.installed-runtime: requirements.txt requirements-scale.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.txt -r requirements-scale.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-runtime requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

## compilemessages: the translation catalogues (rvs/locale/*/LC_MESSAGES/django.po) compiled into the
## .mo files Django reads (build output, not in git); pure Python, GNU gettext not needed (decision 0033)
LOCALE_PO := $(wildcard rvs/locale/*/LC_MESSAGES/django.po)
LOCALE_MO := $(LOCALE_PO:.po=.mo)
compilemessages: $(LOCALE_MO)

rvs/locale/%/LC_MESSAGES/django.mo: rvs/locale/%/LC_MESSAGES/django.po scripts/compile_messages.py
	$(PYTHON) scripts/compile_messages.py $<

## messages: extract every marked string into the catalogues (needs GNU gettext's xgettext); then
## translate the new entries and commit the .po files (docs/operations.md, "Translations")
messages: $(VENV)/.installed-runtime
	$(PY) manage.py makemessages -l es -l zh_Hans -l ar --add-location file --no-obsolete \
		-i '.venv/*' -i 'data/*' -i 'node_modules/*' -i 'tests/*' -i 'bench/*' -i 'staticfiles/*'

## run: install, compile the catalogues, migrate, seed the demo once, start a task worker and the outbox
## relay (restarted by scripts/supervise.py if they die) and serve on http://127.0.0.1:$(PORT)
run: $(VENV)/.installed-runtime compilemessages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo --once --results 300 --seed 1
	$(PY) scripts/supervise.py 'worker=$(PY) manage.py db_worker' 'relay=$(PY) manage.py send_outbox --loop --interval 60' & SUPERVISOR=$$!; \
	trap 'kill $$SUPERVISOR 2>/dev/null; wait $$SUPERVISOR' EXIT INT TERM; \
	$(VENV)/bin/gunicorn config.wsgi:application -k gthread -w 1 --threads 8 -b 127.0.0.1:$(PORT)

## run-scaled: the scale-out shape on this machine (PostgreSQL, Redis, 2 gunicorn workers, 2 RQ workers)
run-scaled: $(VENV)/.installed-runtime compilemessages
	$(PY) scripts/run_scaled.py --port $(PORT)

## backup: database (online), media and keys into $(BACKUP_DIR)/rvs-backup-<time>/ (restore: manage.py restore)
BACKUP_DIR ?= backup
backup: $(VENV)/.installed-runtime
	$(PY) manage.py backup $(BACKUP_DIR)

## test: compile the catalogues, lint, type-check, then the whole suite on SQLite and again on PostgreSQL
test: $(VENV)/.installed-dev compilemessages lint typecheck test-sqlite test-postgres

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

test-sqlite: $(VENV)/.installed-dev compilemessages
	RVS_DATA_DIR=$(CURDIR)/data/test DATABASE_URL=sqlite:///$(CURDIR)/data/test/test.sqlite3 \
		$(VENV)/bin/pytest -n 2 -q -m "not scaleout"

## The PostgreSQL run: TEST_DATABASE_URL or the local server. Under CI=true it must run, never skip.
test-postgres: $(VENV)/.installed-dev compilemessages
	@url=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rvs}; \
	if $(PY) scripts/db_reachable.py "$$url"; then \
		RVS_DATA_DIR=$(CURDIR)/data/test DATABASE_URL=$$url $(VENV)/bin/pytest -n 2 -q; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $$url is not reachable and CI=true: failing." >&2; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL tests (no server at $$url; set TEST_DATABASE_URL)."; \
	fi

## bench: every benchmark under bench/ (see bench/README.md); each writes its figures into bench/*.md
bench: $(VENV)/.installed-dev
	$(PY) bench/search.py
	$(PY) bench/exports.py
	$(PY) bench/api.py
	$(PY) bench/import.py
	$(PY) bench/load.py

bench-quick: $(VENV)/.installed-dev
	$(PY) bench/search.py --results 20000

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
