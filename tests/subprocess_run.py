"""Runs Python in a child process, so a native crash fails one test only.

A segfault or abort inside a backend kernel kills the process it happens
in; in pytest's own process it would hide every later test's result. The
child gets the same interpreter, `KERAS_BACKEND` and `PYTHONPATH` (the
checkout under test first).
"""

import contextlib
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


# The end-to-end CLI tests check what the CLI computes and writes, not
# graph tracing: the models' own tests train them traced (e.g.
# test_speaker_zoo.py). On TensorFlow, tracing (and XLA compiling) the
# train, predict and attribution functions of a handful of steps was about
# four fifths of their CPU time: `reproduce speaker --quick` took 118 s
# traced and 25 s with the functions run eagerly.
EAGER_CLI = (
    "import sys, tensorflow as tf; tf.config.run_functions_eagerly(True); "
    "from keras_acorl.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def run_cli(argv, **kwargs):
    """Runs `keras-acorl *argv` in a child process on this test's
    backend (see `run_python` for `kwargs`), with TensorFlow functions run
    eagerly (see `EAGER_CLI`)."""
    if keras.backend.backend() == "tensorflow":
        return run_python(["-c", EAGER_CLI, *argv], **kwargs)
    return run_python(["-m", "keras_acorl.cli.main", *argv], **kwargs)


@contextlib.contextmanager
def eager_tensorflow():
    """Runs TensorFlow functions eagerly inside the block (on TensorFlow;
    nothing otherwise), as `run_cli` does in its child."""
    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


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
