# Werkpad: `make run` chats with the bot (in the terminal without a Telegram token), `make test`
# runs every check CI runs. Both create the virtual environment in .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run chat test lint typecheck content-check pytest bench clean

$(BIN)/werkpad: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Werkpad needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/werkpad
	$(BIN)/werkpad run

chat: $(BIN)/werkpad
	$(BIN)/werkpad chat

lint: $(BIN)/werkpad
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench

typecheck: $(BIN)/werkpad
	$(BIN)/mypy

content-check: $(BIN)/werkpad
	$(BIN)/werkpad content check

pytest: $(BIN)/werkpad
	$(BIN)/pytest

test: lint typecheck content-check pytest

bench: $(BIN)/werkpad
	$(BIN)/python -m bench.chat_latency
	$(BIN)/python -m bench.telegram_latency
	$(BIN)/python -m bench.nlu_report

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
