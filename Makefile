# Recoup: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench bench-pacing bench-pacing-frontier bench-pacing-forecasts bench-import bench-ami bench-dialer clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recoup demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: bench-import bench-ami bench-pacing bench-dialer

bench-import: $(STAMP)
	$(BIN)/python bench/import_accounts.py

bench-ami: $(STAMP)
	$(BIN)/python bench/ami_ingest.py

bench-dialer: $(STAMP)
	$(BIN)/python bench/dialer_load.py

bench-pacing: $(STAMP)
	@mkdir -p bench/results
	$(BIN)/recoup simulate bench/pacing-scenarios.toml --seeds 5 --json bench/results/pacing.json --plot bench/results/pacing.png

bench-pacing-frontier: $(STAMP)
	$(BIN)/python bench/pacing_frontier.py

bench-pacing-forecasts: $(STAMP)
	$(BIN)/python bench/pacing_forecasts.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
