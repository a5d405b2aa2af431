# promptdesk: `make run` runs everything locally, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench setup redis clean

run: setup redis
	$(BIN)/python app.py

test: setup redis
	$(BIN)/python -m pytest -q

check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup redis
	$(BIN)/python -m bench

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "promptdesk needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@# Put the repository on the venv's path, so `celery -A tasks` finds the packages from anywhere.
	$(BIN)/python -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "promptdesk.pth").write_text("$(CURDIR)\n")'
	touch $(STAMP)

redis:
	@./scripts/ensure-redis.sh

clean:
	rm -rf $(VENV) .run build *.egg-info
