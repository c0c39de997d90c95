"""Inputs that carry outputs of frozen models computed once.

A cached batch is the dict `{"inputs": x, key: [tensor, ...]}`; models that
accept one skip running the frozen models whose outputs it carries.
"""

INPUTS = "inputs"


def split_cached(inputs, key):
    """`(inputs, cached list or None)` from plain or cached inputs."""
    if isinstance(inputs, dict) and set(inputs) == {INPUTS, key}:
        return inputs[INPUTS], list(inputs[key])
    return inputs, None


def make_cached(inputs, key, arrays):
    return {INPUTS: inputs, key: list(arrays)}
