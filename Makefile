# Loket — `make help` lists the targets. The README's Quick start is `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CHROMIUM ?= /usr/bin/chromium
DOVECOT ?= /usr/sbin/dovecot
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test lint typecheck bench lock migrate demo clean chromium dovecot messages

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

# Installs are pinned by requirements.lock (a constraints file) so every machine and CI get the same set.
$(VENV)/.installed-run: pyproject.toml requirements.lock | $(PY)
	$(PIP) install -q -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml requirements.lock | $(PY)
	$(PIP) install -q -c requirements.lock -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

chromium: ## install Debian's chromium for the browser tests (only when missing)
	@command -v $(CHROMIUM) >/dev/null || { \
	  echo "Installing Debian's chromium (apt-get)…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

dovecot: ## install Debian's dovecot-imapd for the IMAP tests (only when missing)
	@command -v $(DOVECOT) >/dev/null || { \
	  echo "Installing Debian's dovecot-imapd (apt-get)…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq dovecot-imapd >/dev/null; }

migrate: $(VENV)/.installed-run ## apply database migrations
	@mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput -v0

demo: migrate ## load the demo data (idempotent)
	DEBUG=1 $(PY) manage.py load_demo

run: demo ## set up and run Loket with demo data on http://127.0.0.1:8000 (SQLite by default)
	DEBUG=1 $(PY) manage.py serve

lint: $(VENV)/.installed-dev ## ruff (lint + format check) and the migrations check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	LOKET_TESTING=1 $(PY) manage.py makemigrations --check --dry-run -v0

typecheck: $(VENV)/.installed-dev ## mypy with django-stubs
	LOKET_TESTING=1 $(VENV)/bin/mypy loket

test: $(VENV)/.installed-dev chromium dovecot lint typecheck ## set up and run the whole suite (ruff, migrations check, pytest)
	$(PY) -m pytest -q

# The English catalogue: new Dutch msgids land in the .po (translate them), then the .mo is compiled.
# Needs GNU gettext (apt-get install gettext); the compiled .mo is committed, so running Loket does not.
messages: $(VENV)/.installed-run ## update and compile the English translations (needs gettext)
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install gettext (apt-get install gettext)"; exit 1; }
	DEBUG=1 $(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'bench/*' --ignore 'var/*' --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv/*' --ignore 'bench/*' --ignore 'var/*'

bench: $(VENV)/.installed-dev ## benchmarks against same-run baselines and the django-helpdesk peer
	$(PY) bench/run.py

lock: $(PY) ## re-resolve the dependency ranges in pyproject.toml into requirements.lock
	$(PIP) install -q -U -e '.[dev]'
	$(PIP) freeze --exclude-editable | grep -v '^loket' > requirements.lock

clean: ## remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
