# The targets are the commands the README shows.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3.11
STAMP := $(VENV)/.installed

.PHONY: install test test-fast demo lint bench clean

install: $(STAMP) jars

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

jars:
	@bash scripts/fetch_jars.sh

# Two workers, one test file each at a time (a module's fixtures are built once).
test: install
	$(BIN)/pytest -n 2 --dist loadfile --durations=15

# Every test that needs no JVM and no kernel (the tier to iterate with).
test-fast: install
	$(BIN)/pytest -m "not spark and not papermill" --durations=15

lint: install
	$(BIN)/ruff check src tests bench

demo: install
	bash scripts/demo.sh

bench: install
	$(PY) bench/bench_synthetic.py
	$(PY) bench/bench_ingestion.py

clean:
	rm -rf tmp
