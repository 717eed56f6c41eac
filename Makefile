# OneStop: two commands.
#   make run    set up .venv if needed, then run everything on http://127.0.0.1:$${PORT:-8000}
#   make test   set up .venv if needed, then run the test suite (ARGS="..." goes to pytest)
.PHONY: run test setup lock lint ci

ARGS ?=

run: setup
	exec .venv/bin/onestop run

test: setup
	scripts/test.sh $(ARGS)

setup:
	@scripts/setup.sh

# Re-pin requirements.lock from requirements.in (fresh resolve), then re-install from it.
lock: setup
	scripts/lock.sh
	@scripts/setup.sh

lint: setup
	.venv/bin/ruff check onestop
	.venv/bin/ruff format --check onestop
	.venv/bin/mypy onestop
	.venv/bin/lint-imports

ci:
	CI=true .ci/run
