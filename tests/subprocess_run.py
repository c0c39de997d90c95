"""Runs Python in a child process, so a native crash fails one test only.

A segfault or abort inside a backend kernel kills the process it happens
in; in pytest's own process it would hide every later test's result. The
child gets the same interpreter, `KERAS_BACKEND` and `PYTHONPATH` (the
checkout under test first).
"""

import os
import signal
import subprocess
import sys

import keras
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAIL = 3000


def child_env():
    """The environment of a child: this test's backend, and the checkout
    under test first on `PYTHONPATH`."""
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    env["PYTHONPATH"] = os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


def run_pythons(arg_lists, timeout=900):
    """Runs several `python *args` children at once (e.g. the processes of
    a cluster) and waits for all; a child still running after `timeout`
    seconds is killed (a test failure). Returns their
    `subprocess.CompletedProcess`es, unchecked."""
    processes = [
        subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=child_env(),
            cwd=ROOT,
        )
        for args in arg_lists
    ]
    results = []
    try:
        for args, process in zip(arg_lists, processes):
            stdout, _ = process.communicate(timeout=timeout)
            results.append(
                subprocess.CompletedProcess(
                    args, process.returncode, stdout, ""
                )
            )
    except subprocess.TimeoutExpired:
        for process in processes:
            process.kill()
            process.wait()
        pytest.fail(f"A child of {arg_lists} ran past {timeout} s.")
    return results


def run_python(args, timeout=900, check=True):
    """Runs `python *args` on this test's backend.

    Args:
        args: list of strings after `python` (e.g. `["-m", "module"]`).
        timeout: seconds before the child is killed (a test failure).
        check: if True, a non-zero exit status fails the test, naming the
            signal when the child was killed by one, with the tail of its
            output.

    Returns:
        The `subprocess.CompletedProcess` (text `stdout` and `stderr`).
    """
    try:
        process = subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=child_env(),
            cwd=ROOT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`python {' '.join(args)}` ran past {timeout} s.")
    if check and process.returncode != 0:
        pytest.fail(failure_message(args, process), pytrace=False)
    return process


def failure_message(args, process):
    """Says how the child ended (exit status or signal) and shows the tail
    of its output."""
    code = process.returncode
    if code < 0:
        try:
            how = f"was killed by {signal.Signals(-code).name} ({code})"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with status {code}"
    output = (process.stdout or "") + (process.stderr or "")
    return (
        f"`python {' '.join(args)}` {how} on the "
        f"{keras.backend.backend()} backend. Last output:\n{output[-TAIL:]}"
    )
