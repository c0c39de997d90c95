"""`.keras` files from others: safe mode always, clear errors naming the
file (`keras_acorl.model_file.load_keras_file`, used by the CLI)."""

import ast
import os
import zipfile

import keras
import numpy as np
import pytest

from keras_acorl.cli.checkpoints import CheckpointStore
from keras_acorl.model_file import load_keras_file

PACKAGE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "keras_acorl"
)


def _model():
    inputs = keras.Input(shape=(4,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


@pytest.fixture()
def saved(tmp_path):
    model = _model()
    path = str(tmp_path / "model.keras")
    model.save(path)
    return model, path


def test_loads_a_valid_file(saved):
    model, path = saved
    x = np.random.rand(3, 4).astype("float32")
    np.testing.assert_allclose(
        load_keras_file(path).predict(x, verbose=0),
        model.predict(x, verbose=0),
        atol=1e-6,
    )


def test_truncated_file_is_named_as_truncated_not_missing(saved, tmp_path):
    _, path = saved
    with open(path, "rb") as f:
        data = f.read()
    truncated = str(tmp_path / "truncated.keras")
    with open(truncated, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt") as info:
        load_keras_file(truncated)
    assert truncated in str(info.value)
    assert "not found" not in str(info.value).lower()


def test_corrupt_member_fails_its_checksum(saved, tmp_path):
    _, path = saved
    corrupt = str(tmp_path / "corrupt.keras")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("config.json")
        offset = info.header_offset + 30 + len(info.filename)
        offset += len(info.extra) + 10
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[offset] ^= 0xFF  # One byte of the stored config flipped.
    with open(corrupt, "wb") as f:
        f.write(bytes(data))
    with pytest.raises(ValueError, match="corrupt") as info:
        load_keras_file(corrupt)
    assert corrupt in str(info.value)


def test_missing_and_misnamed_files(tmp_path):
    missing = str(tmp_path / "missing.keras")
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        load_keras_file(missing)
    with pytest.raises(ValueError, match="`path` must name a `.keras`"):
        load_keras_file(str(tmp_path / "model.h5"))
    with pytest.raises(TypeError, match="`path`"):
        load_keras_file(3)


def test_lambda_is_refused_with_a_clear_message(tmp_path):
    inputs = keras.Input(shape=(4,))
    doubled = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    path = str(tmp_path / "lambda.keras")
    keras.Model(inputs, doubled).save(path)
    with pytest.raises(ValueError, match="holds a Python lambda") as info:
        load_keras_file(path)
    assert path in str(info.value)


def test_checkpoint_store_reports_a_truncated_model(tmp_path):
    store = CheckpointStore(str(tmp_path), {"run": 1}, verbose=False)
    store.save(0, "base", _model(), {"loss": [1.0]})
    path = store.path(0, "base")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 3)
    with pytest.raises(ValueError, match="truncated or corrupt") as info:
        store.load(0, "base")
    assert path in str(info.value)


@pytest.mark.backend_free
def test_the_library_never_turns_safe_mode_off():
    offenders = []
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path) as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.keyword) and node.arg == "safe_mode":
                    if not (
                        isinstance(node.value, ast.Constant)
                        and node.value.value is True
                    ):
                        offenders.append(f"{path}:{node.value.lineno}")
                if isinstance(node, ast.Attribute) and (
                    node.attr == "enable_unsafe_deserialization"
                ):
                    offenders.append(f"{path}:{node.lineno}")
    assert not offenders, offenders
