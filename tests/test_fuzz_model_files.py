"""Every truncation and a byte flip at every offset of a small real model file: each one is a
``ModelFileError`` or a load that predicts exactly what the original predicts."""

import os

import numpy as np
import pytest

from deltaprop import DeltapropRegressor, ModelFileError
from deltaprop.io import load_model, save_model


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """The bytes of a small model file, the inputs X (m, 2) and its predictions (m,)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 2))
    model = DeltapropRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    model.fit(X, X[:, 0] - X[:, 1])
    path = tmp_path_factory.mktemp("fuzz") / "m.npz"
    save_model(path, model)
    return path.read_bytes(), X, model.predict(X)


def outcome(path, X, y_pred):
    """``"refused"`` or ``"same"`` for the file at ``path``; anything else fails the test."""
    try:
        model, _ = load_model(path)
    except ModelFileError as err:
        assert "\n" not in str(err)
        return "refused"
    np.testing.assert_array_equal(model.predict(X), y_pred)
    return "same"


@pytest.fixture
def editable(tmp_path, small_model):
    """A copy of the model file and a read-write descriptor of it (edited in place: cheaper
    than rewriting the file for each case)."""
    path = tmp_path / "m.npz"
    path.write_bytes(small_model[0])
    fd = os.open(path, os.O_RDWR)
    yield path, fd
    os.close(fd)


def test_every_truncation_is_refused(small_model, editable):
    data, X, y_pred = small_model
    path, fd = editable
    for n in reversed(range(len(data))):
        os.ftruncate(fd, n)
        assert outcome(path, X, y_pred) == "refused", f"truncated to {n} bytes"


def test_a_byte_flip_at_every_offset(small_model, editable):
    data, X, y_pred = small_model
    path, fd = editable
    results = []
    for i in range(len(data)):
        os.pwrite(fd, bytes([data[i] ^ 0xFF]), i)
        try:
            results.append(outcome(path, X, y_pred))
        except Exception as err:  # name the offset in the failure
            raise AssertionError(f"byte {i} flipped: {type(err).__name__}: {err}") from err
        os.pwrite(fd, data[i : i + 1], i)
    assert results.count("refused") > len(data) // 2  # most bytes matter
