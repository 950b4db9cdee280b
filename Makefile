# Two commands on a fresh machine: `make demo` and `make test`. Both are idempotent.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DB ?= demo.db
DEMO_REQUIREMENT ?= Build a benchmark that tests whether a model can read values off bar charts

.PHONY: install demo lint test test-fast browser bench clean

install: $(STAMP)

# setuptools' "Editable installation." notice comes with every package-dir mapping: nothing to act on
$(STAMP): export PYTHONWARNINGS = ignore:Editable installation
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

browser:
	bash .ci/install-browser.sh

demo: install
	$(VENV)/bin/benchagent build "$(DEMO_REQUIREMENT)" --size 2 --db $(DEMO_DB)
	@echo "browse it: $(VENV)/bin/benchagent browse --db $(DEMO_DB)"

lint: install
	$(PY) -m ruff check .

test: install browser
	$(PY) -m ruff check .
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not integration and not browser"

bench: install
	$(PY) bench/store_bench.py
	$(PY) bench/orchestration_bench.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
