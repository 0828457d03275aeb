# The targets are the commands the README shows.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3.11
STAMP := $(VENV)/.installed

# Fabric Runtime 1.3's stack (pyspark 3.5 + Delta 3.2) beside the main one (Runtime 2.0 line).
RT13 ?= .venv-rt13
RT13_STAMP := $(RT13)/.installed
# The suites that run on both stacks: the DDL run, the spec's end-to-end flow, and the
# ingestion write-mode and error tests. The pipeline runner (host-side orchestration of the
# same notebooks) runs on the main stack only.
RT13_TESTS := tests/test_ddl_run.py tests/test_e2e_spec.py tests/test_ingestion_modes.py \
	tests/test_ingestion_cdc.py tests/test_ingestion_scd2.py tests/test_ingestion_reprocess.py \
	tests/test_ingestion_errors.py \
	--deselect tests/test_e2e_spec.py::test_the_pipelines_run_the_ddl_then_every_group_and_stop_at_the_first_failure

.PHONY: install install-rt13 test test-fast demo lint bench clean

install: $(STAMP) jars

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

jars:
	@bash scripts/fetch_jars.sh $(VENV)
	@$(PY) -m ingen_fab.local.class_archive

install-rt13: $(RT13_STAMP)
	@$(RT13)/bin/python -m ingen_fab.local.class_archive

$(RT13_STAMP): pyproject.toml scripts/stack_requirements.py | $(STAMP)
	@test -x $(RT13)/bin/python || $(PYTHON) -m venv $(RT13)
	$(RT13)/bin/python -m pip install --quiet --upgrade pip
	$(PY) scripts/stack_requirements.py rt13 > $(RT13)/requirements.txt
	$(RT13)/bin/python -m pip install --quiet -r $(RT13)/requirements.txt
	$(RT13)/bin/python -m pip install --quiet --no-deps -e .
	$(RT13)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	bash scripts/fetch_jars.sh $(RT13)
	@touch $(RT13_STAMP)

# Every test on the main stack, then the named suites on the Runtime 1.3 stack; two workers,
# one test file each at a time (a module's fixtures are built once). Prints each part's time.
test: install install-rt13
	bash scripts/test_stacks.sh $(VENV) $(RT13) $(RT13_TESTS)

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
	$(PY) bench/bench_cdc.py
	$(PY) bench/bench_scd2.py

clean:
	rm -rf tmp
