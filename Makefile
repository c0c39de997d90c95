# Set-up and the two main commands. Works on a fresh machine with Python 3,
# make and apt: creates .venv/, installs the package and what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BACKENDS := torch tensorflow jax
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PYTHONUNBUFFERED := 1

.PHONY: demo test lint venv system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned to the CPU wheel; see pyproject.toml.
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Speech synthesizers for the speaker-verification corpus (installed only
# when absent; needs root or sudo).
system-deps:
	@if ! command -v espeak-ng >/dev/null || ! command -v flite >/dev/null; then \
		SUDO=$$(command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq espeak-ng flite >/dev/null; \
	fi

demo: $(STAMP)
	$(VENV)/bin/keras-acorl reproduce image --output-dir outputs/demo

# Every test on the three backends, the backends run side by side (see
# tests/run_backends.sh; PARALLEL=0 runs them one after another). Logs:
# .test-logs/<backend>.log.
TESTS ?= tests
PYTEST_ARGS ?=
PARALLEL ?= 1

test: $(STAMP) system-deps
	@BACKENDS="$(BACKENDS)" PARALLEL=$(PARALLEL) bash tests/run_backends.sh $(PY) "$(TESTS)" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check keras_acorl tests guides benchmarks examples
	$(VENV)/bin/ruff format --check keras_acorl tests guides benchmarks examples

clean:
	rm -rf $(VENV) outputs .pytest_cache
