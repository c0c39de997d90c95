# Set-up and the two main commands. Works on a fresh machine with Python 3,
# make and apt: creates .venv/, installs the package and what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BACKENDS := tensorflow jax torch
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

# The whole suite on the first backend; on the others only the tests that
# depend on the backend (`-m "not backend_free"`), so each test runs once
# where the backend cannot matter. pytest's exit code 5 (no test selected)
# counts as a pass only on those later backends, where every selected test
# may be backend-free (e.g. `make test TESTS=tests/test_trial_list.py`).
# A crashed pytest process (exit 134, 139, ...) fails its backend; the
# other backends still run.
TESTS ?= tests
PYTEST_ARGS ?=

test: $(STAMP) system-deps
	@failed=""; marker=""; \
	for backend in $(BACKENDS); do \
		echo "=== KERAS_BACKEND=$$backend ($${marker:-all tests})"; \
		start=$$(date +%s); \
		if [ -z "$$marker" ]; then \
			KERAS_BACKEND=$$backend $(PY) -m pytest $(PYTEST_ARGS) $(TESTS); \
			rc=$$?; \
		else \
			KERAS_BACKEND=$$backend $(PY) -m pytest -m "$$marker" \
				$(PYTEST_ARGS) $(TESTS); \
			rc=$$?; \
			if [ $$rc -eq 5 ]; then rc=0; fi; \
		fi; \
		echo "=== KERAS_BACKEND=$$backend: exit $$rc in $$(( $$(date +%s) - start )) s"; \
		if [ $$rc -ne 0 ]; then failed="$$failed $$backend(exit $$rc)"; fi; \
		marker="not backend_free"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED backends:$$failed"; exit 1; fi; \
	echo "All backends passed: $(BACKENDS)"

lint: $(STAMP)
	$(VENV)/bin/ruff check keras_acorl tests guides benchmarks examples
	$(VENV)/bin/ruff format --check keras_acorl tests guides benchmarks examples

clean:
	rm -rf $(VENV) outputs .pytest_cache
