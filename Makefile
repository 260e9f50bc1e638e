# Two entry points that work on a fresh machine with only Python 3.11:
#   make demo   - replay the real AIS samples shipped in replay/samples: the top alerts, the
#                 summary, and the JSON Lines and HTML report written under demo-out/
#   make test   - lint, type-check and run the whole test suite (what CI runs)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit bench precision clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) | demo-out
	$(BIN)/vigilmar replay replay/samples --top 10 --out demo-out/alerts.jsonl --report demo-out/report.html

demo-out:
	mkdir -p demo-out

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m benchmarks.replay_throughput
	$(BIN)/python -m benchmarks.zone_matching
	$(BIN)/python -m benchmarks.encounter_cost

precision: $(STAMP)
	$(BIN)/python -m benchmarks.precision

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis demo-out
