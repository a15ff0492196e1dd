"""What the converters share: the estimator's parts, the refusals, atomic files.

``random_estimator`` (used by every interop test file) builds a fitted estimator from random
weights and non-trivial scalers without training, so each activation is covered in milliseconds.
"""

import numpy as np
import pytest
from sklearn.neural_network import MLPRegressor

from deltaprop import ConfigError, DeltapropRegressor, ModelFileError, Network
from deltaprop.errors import require
from deltaprop.interop.common import estimator_parts, write_files_atomically


def random_estimator(activation, dtype="float64", sizes=(4, 6, 5, 2), seed=0, names=None):
    """A fitted ``DeltapropRegressor`` with random Θ, b and scalers (never trained)."""
    rng = np.random.default_rng(seed)
    net = Network(sizes, activation, rng=rng, dtype=dtype)
    net.params[...] += rng.normal(0.0, 0.3, net.params.shape)  # non-zero biases too
    n_in, n_out = sizes[0], sizes[-1]
    return DeltapropRegressor.from_network(
        net,
        x_mean=rng.normal(0.0, 2.0, n_in),
        x_scale=rng.uniform(0.5, 3.0, n_in),
        y_mean=rng.normal(0.0, 5.0, n_out),
        y_scale=rng.uniform(0.5, 3.0, n_out),
        y_1d=n_out == 1,
        feature_names_in=names,
        hidden_layer_sizes=sizes[1:-1],
    )


def random_X(estimator, m=64, seed=1):
    """Rows (m, n_1) spread well beyond the scalers' range: every branch of φ is reached."""
    rng = np.random.default_rng(seed)
    X = estimator.x_mean_ + 3.0 * estimator.x_scale_ * rng.standard_normal(
        (m, len(estimator.x_mean_))
    )
    return X.astype(estimator.network_.dtype)


def test_parts_are_the_estimators_pieces():
    est = random_estimator("tanh", names=["a", "b", "c", "d"])
    parts = estimator_parts(est)
    assert parts.network is est.network_
    assert parts.output == "identity"
    assert parts.feature_names == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(parts.x_scale, est.x_scale_)


def test_refuses_what_is_not_a_fitted_deltaprop_estimator():
    with pytest.raises(ConfigError, match="expected a fitted DeltapropRegressor, got MLPRegressor"):
        estimator_parts(MLPRegressor())
    with pytest.raises(ConfigError, match="not fitted; call fit"):
        estimator_parts(DeltapropRegressor())


def test_refuses_an_unknown_output_activation_in_one_line():
    est = random_estimator("relu")
    est.out_activation_ = "softmax"  # an output the exporters do not know
    with pytest.raises(
        ConfigError, match="output activation 'softmax' cannot be exported yet"
    ) as err:
        estimator_parts(est)
    assert "\n" not in str(err.value)


def test_a_missing_optional_package_names_the_extra():
    with pytest.raises(ConfigError, match=r"pip install 'deltaprop\[onnx\]'"):
        require("deltaprop_no_such_package", "onnx")


def test_files_are_written_all_or_nothing(tmp_path):
    a, not_a_folder = tmp_path / "a.bin", tmp_path / "file"
    a.write_bytes(b"old")
    not_a_folder.write_bytes(b"")
    b = not_a_folder / "b.bin"  # cannot be written: its folder is a file
    with pytest.raises(ModelFileError, match="cannot write file .*b.bin"):
        write_files_atomically({str(a): b"new a", str(b): b"new b"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "file"]  # no temporary file
    assert a.read_bytes() == b"old"
    b = tmp_path / "b.bin"
    write_files_atomically({str(a): b"new a", str(b): b"new b"})
    assert (a.read_bytes(), b.read_bytes()) == (b"new a", b"new b")
