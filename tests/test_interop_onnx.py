"""ONNX export, run by onnxruntime: the same predictions as deltaprop for every activation."""

import json
import re

import numpy as np
import pytest

from deltaprop import ACTIVATIONS, ConfigError, DeltapropRegressor, to_onnx
from deltaprop.cli import main
from deltaprop.io import save_model
from deltaprop.relerror import rel_error
from test_interop_common import random_estimator, random_X

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (extra 'onnx')")

TOL = {"float32": 1e-6, "float64": 1e-12}


def run_onnx(model, X):
    """Y of an ONNX model (a ModelProto or its bytes) for rows X, by onnxruntime's CPU provider."""
    data = model if isinstance(model, bytes) else model.SerializeToString()
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(["Y"], {"X": X})[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [(4, 6, 5, 2), (3, 7, 1)])
def test_onnxruntime_predicts_as_deltaprop(activation, dtype, sizes):
    est = random_estimator(activation, dtype, sizes)
    X = random_X(est)
    Y = run_onnx(to_onnx(est), X)
    assert Y.dtype == np.dtype(dtype)
    assert Y.shape == (len(X), sizes[-1])  # (batch, n_L), also for one output
    expected = est.predict(X).reshape(len(X), -1)
    assert rel_error(Y, expected) <= TOL[dtype]


def test_batch_dimension_is_dynamic():
    est = random_estimator("tanh")
    model = to_onnx(est).SerializeToString()
    for m in (1, 3, 200):
        X = random_X(est, m=m)
        assert rel_error(run_onnx(model, X), est.predict(X)) <= 1e-12


def test_graph_keeps_theta_and_the_scalers_as_stored():
    from onnx import numpy_helper

    est = random_estimator("relu")
    tensors = {t.name: numpy_helper.to_array(t) for t in to_onnx(est).graph.initializer}
    net = est.network_
    for l in range(1, net.L):
        np.testing.assert_array_equal(tensors[f"theta_{l}"], net.theta[l])  # (n_{l+1}, n_l)
        np.testing.assert_array_equal(tensors[f"b_{l + 1}"], net.b[l + 1])
    np.testing.assert_array_equal(tensors["x_mean"], est.x_mean_)
    np.testing.assert_array_equal(tensors["y_scale"], est.y_scale_)


def test_metadata_holds_names_and_architecture():
    est = random_estimator("elu", names=["age", "bmi", "bp", "s1"])
    model = to_onnx(est, target_names=["y1", "y2"])
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["feature_names"]) == ["age", "bmi", "bp", "s1"]
    assert json.loads(meta["target_names"]) == ["y1", "y2"]
    assert json.loads(meta["sizes"]) == [4, 6, 5, 2]
    assert meta["activation"] == "elu"
    with pytest.raises(ConfigError, match="target_names has 1 names but the model has 2"):
        to_onnx(est, target_names=["y"])


def test_a_trained_model_with_a_dataframe_exports():
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.standard_normal((80, 3)) * [1, 10, 100] + [0, 50, -7], columns=list("pqr"))
    y = np.sin(X["p"]) + X["q"] / 10
    est = DeltapropRegressor(
        (8,), activation="softplus", solver="lbfgs", max_iter=30, random_state=0
    )
    est.fit(X, y)
    model = to_onnx(est)
    assert json.loads({p.key: p.value for p in model.metadata_props}["feature_names"]) == list(
        "pqr"
    )
    Y = run_onnx(model, X.to_numpy())
    assert rel_error(Y[:, 0], est.predict(X)) <= 1e-12


# ---------------------------------------------------------------- deltaprop export --to onnx


@pytest.fixture
def model_file(tmp_path):
    est = random_estimator("sigmoid", sizes=(3, 5, 2))
    path = tmp_path / "model.npz"
    save_model(path, est, feature_names=["a", "b", "c"], target_names=["u", "v"])
    return est, path


def test_cli_export_writes_an_onnx_file(model_file, tmp_path, capsys):
    est, path = model_file
    out = tmp_path / "served.onnx"
    assert main(["export", str(path), "--to", "onnx", "-o", str(out)]) == 0
    assert "onnx model written to" in capsys.readouterr().out
    X = random_X(est)
    assert rel_error(run_onnx(out.read_bytes(), X), est.predict(X)) <= 1e-12
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(meta["target_names"]) == ["u", "v"]
    assert json.loads(meta["feature_names"]) == ["a", "b", "c"]


def test_cli_export_defaults_to_onnx_beside_the_model(model_file, tmp_path):
    _, path = model_file
    assert main(["export", str(path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "model.onnx"]


@pytest.mark.parametrize(
    ("output", "status", "message"),
    [
        ("model.npz", 2, "is the model file .*; writing it would destroy that file"),
        ("model.npz/m.onnx", 1, "is not a folder; give a path in a folder"),
        ("folder", 1, "it is a folder; give a file name"),
    ],
)
def test_cli_export_refuses_bad_outputs_in_one_line(
    model_file, tmp_path, capsys, output, status, message
):
    _, path = model_file
    (tmp_path / "folder").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["export", str(path), "-o", str(tmp_path / output)]) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.search(message, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_cli_export_creates_a_missing_folder(model_file, tmp_path):
    _, path = model_file
    assert main(["export", str(path), "-o", str(tmp_path / "new" / "m.onnx")]) == 0
    assert (tmp_path / "new" / "m.onnx").stat().st_size > 0


def test_cli_export_of_a_missing_model_fails_in_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope.npz"), "-o", str(tmp_path / "m.onnx")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_activation_without_onnx_op_is_refused_in_one_line():
    from deltaprop.interop.onnx_graph import hidden_op

    with pytest.raises(ConfigError, match="activation 'swish' has no ONNX export; export supports"):
        hidden_op("swish", np.float32)
