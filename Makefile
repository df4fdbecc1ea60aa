# Two commands on a fresh clone: `make demo` and `make test`. Each bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint unit e2e bench soak readme clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m demo.run_demo

test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.run_bench $(BENCH_ARGS)

# The randomized tests at soak length: 500 rounds of random changes for each provider
# (incremental runs converge), 500 random Feishu windows (splitting loses nothing), and
# 200 SIGKILLs per provider, each resumed from the last STATE (no occurrence lost).
soak: $(STAMP)
	for provider in google microsoft feishu; do \
		$(BIN)/python -m tests.differential --rounds 500 --seed $${SEED:-1} --provider $$provider \
			|| exit 1; \
	done
	$(BIN)/python -m tests.feishu_windows --cases 500 --seed $${SEED:-1}
	KILLS_PER_PROVIDER=$${KILLS:-200} SEED=$${SEED:-1} $(BIN)/python -m pytest -q \
		tests/test_kill_and_resume.py

# Regenerate the README's settings table and meltano.yml's settings from the config schema.
readme: $(STAMP)
	$(BIN)/python scripts/readme_settings.py README.md
	$(BIN)/python scripts/meltano_settings.py meltano.yml

clean:
	rm -rf $(VENV) .meltano output dist build *.egg-info
