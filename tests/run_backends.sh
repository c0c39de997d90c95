#!/usr/bin/env bash
# Runs pytest once per Keras backend, the three backends at the same time
# (PARALLEL=1, the default) or one after another (PARALLEL=0).
#
# The whole suite runs on the first backend; on the others only the tests
# that depend on the backend (`-m "not backend_free"`), so each test runs
# once where the backend cannot matter. pytest's exit code 5 (no test
# selected) counts as a pass only on those later backends, where every
# selected test may be backend-free (e.g. TESTS=tests/test_trial_list.py).
# A crashed pytest process (exit 134, 139, ...) fails its backend; the
# other backends still run.
#
# Why in parallel: most of a Keras test's time is single-threaded Python
# (tracing, XLA/oneDNN compilation), so one pytest process leaves the
# second core mostly idle. Each backend writes to its own log, printed
# whole, in order, when it ends.
#
# Usage: tests/run_backends.sh PYTHON TESTS [PYTEST_ARGS...]
set -u
python=$1
tests=$2
shift 2
backends=${BACKENDS:-tensorflow jax torch}
logs=${TEST_LOG_DIR:-.test-logs}
mkdir -p "$logs"

run_backend() {
    local backend=$1 marker=$2 start rc
    shift 2
    start=$(date +%s)
    if [ -z "$marker" ]; then
        KERAS_BACKEND=$backend "$python" -m pytest "$@" $tests
        rc=$?
    else
        KERAS_BACKEND=$backend "$python" -m pytest -m "$marker" "$@" $tests
        rc=$?
        if [ $rc -eq 5 ]; then rc=0; fi
    fi
    echo "=== KERAS_BACKEND=$backend: exit $rc in $(( $(date +%s) - start )) s"
    return $rc
}

marker=""
pids=()
for backend in $backends; do
    log="$logs/$backend.log"
    echo "=== KERAS_BACKEND=$backend (${marker:-all tests}) -> $log"
    if [ "${PARALLEL:-1}" = 1 ]; then
        (run_backend "$backend" "$marker" "$@" >"$log" 2>&1; echo $? >"$log.rc") &
        pids+=($!)
    else
        run_backend "$backend" "$marker" "$@" 2>&1 | tee "$log"
        echo "${PIPESTATUS[0]}" >"$log.rc"
    fi
    marker="not backend_free"
done
for pid in "${pids[@]}"; do wait "$pid"; done

failed=""
for backend in $backends; do
    log="$logs/$backend.log"
    if [ "${PARALLEL:-1}" = 1 ]; then
        echo "=== KERAS_BACKEND=$backend"
        cat "$log"
    fi
    rc=$(cat "$log.rc" 2>/dev/null || echo 1)
    if [ "$rc" -ne 0 ]; then failed="$failed $backend(exit $rc)"; fi
done
if [ -n "$failed" ]; then
    echo "FAILED backends:$failed"
    exit 1
fi
echo "All backends passed: $backends"
