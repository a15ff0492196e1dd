"""scikit-learn's MLPRegressor, alone or after a StandardScaler, to deltaprop and back."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted

from deltaprop import (
    ConfigError,
    DeltapropRegressor,
    from_sklearn,
    gradcheck,
    load_model,
    save_model,
    to_sklearn,
)
from deltaprop.relerror import rel_error
from test_interop_common import random_estimator, random_X

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SKLEARN_ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
}


def data(n_out, dtype=np.float64, m=80):
    """Features on very different scales and offsets; y (m,) for one output, else (m, n_out)."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((m, 3)) * [1.0, 10.0, 100.0] + [0.0, 5.0, 1000.0]
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] / 10, np.cos(X[:, 2] / 50)])[:, :n_out]
    return X.astype(dtype), (Y[:, 0] if n_out == 1 else Y).astype(dtype)


def mlp(activation, scaled):
    model = MLPRegressor(
        hidden_layer_sizes=(5, 4), activation=activation, max_iter=20, random_state=0
    )
    return make_pipeline(StandardScaler(), model) if scaled else model


@pytest.mark.parametrize("n_out", [1, 2])
@pytest.mark.parametrize("scaled", [False, True], ids=["MLPRegressor", "Pipeline"])
@pytest.mark.parametrize("activation", list(SKLEARN_ACTIVATIONS))
def test_from_sklearn_predicts_as_scikit_learn(activation, scaled, n_out):
    X, y = data(n_out)
    model = mlp(activation, scaled).fit(X, y)
    est = from_sklearn(model)
    assert isinstance(est, DeltapropRegressor)
    assert est.network_.activation.name == SKLEARN_ACTIVATIONS[activation]
    assert est.predict(X).shape == model.predict(X).shape
    assert rel_error(est.predict(X), model.predict(X)) <= 1e-12
    coefs = (model[-1] if scaled else model).coefs_
    np.testing.assert_array_equal(est.network_.theta[1], coefs[0].T)  # Θ^(1) = coefs_[0]ᵀ


@pytest.mark.parametrize("n_out", [1, 2])
@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu"])
def test_to_sklearn_predicts_and_scores_as_deltaprop(activation, n_out):
    est = random_estimator(activation, sizes=(3, 6, 4, n_out))
    X = random_X(est)
    y = est.predict(X) + np.random.default_rng(2).standard_normal(est.predict(X).shape)
    pipe = to_sklearn(est)
    assert isinstance(pipe, Pipeline)  # the input scaler is not the identity
    check_is_fitted(pipe[-1])
    assert pipe.predict(X).shape == est.predict(X).shape
    assert rel_error(pipe.predict(X), est.predict(X)) <= 1e-12
    assert pipe.score(X, y) == pytest.approx(est.score(X, y), rel=1e-12)
    mlp_ = pipe[-1]
    assert (mlp_.n_layers_, mlp_.n_outputs_, mlp_.n_features_in_) == (4, n_out, 3)
    assert mlp_.out_activation_ == "identity"
    assert mlp_.hidden_layer_sizes == (6, 4)


def test_to_sklearn_without_scalers_is_a_plain_mlp():
    net = random_estimator("tanh", sizes=(3, 4, 1)).network_
    est = DeltapropRegressor.from_network(net, hidden_layer_sizes=(4,))  # scalers: 0 and 1
    X = random_X(est)
    model = to_sklearn(est)
    assert isinstance(model, MLPRegressor)
    assert rel_error(model.predict(X), est.predict(X)) <= 1e-12
    assert rel_error(from_sklearn(model).predict(X), est.predict(X)) <= 1e-12


def test_round_trip_keeps_predictions_and_names():
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    X, y = data(2)
    frame = pd.DataFrame(X, columns=["age", "dose", "weight"])
    model = mlp("tanh", scaled=True).fit(frame, y)
    est = from_sklearn(model)
    assert list(est.feature_names_in_) == ["age", "dose", "weight"]
    back = to_sklearn(est)
    assert list(back.feature_names_in_) == ["age", "dose", "weight"]
    assert rel_error(back.predict(frame), model.predict(frame)) <= 1e-12  # no name warning


def test_float32_stays_float32():
    X, y = data(1, dtype=np.float32)
    model = mlp("relu", scaled=False).fit(X, y)
    est = from_sklearn(model)
    assert est.network_.dtype == np.float32
    assert rel_error(est.predict(X), model.predict(X)) <= 1e-6


def test_converted_network_is_checked_and_saved_by_deltaprop(tmp_path):
    X, y = data(2)
    model = mlp("tanh", scaled=True).fit(X, y)
    est = from_sklearn(model)
    rng = np.random.default_rng(0)
    report = gradcheck(est.network_, rng.standard_normal((3, 6)), rng.standard_normal((2, 6)))
    assert report.passed(1e-6)
    save_model(tmp_path / "m.npz", est)
    loaded, _ = load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "softplus"])
def test_to_sklearn_refuses_an_activation_scikit_learn_lacks(activation):
    with pytest.raises(ConfigError, match=f"MLPRegressor has no activation '{activation}'"):
        to_sklearn(random_estimator(activation))


def test_from_sklearn_refuses_what_it_cannot_convert():
    X, y = data(1)
    with pytest.raises(ConfigError, match="takes a fitted MLPRegressor .* got MLPClassifier"):
        from_sklearn(MLPClassifier())
    with pytest.raises(ConfigError, match="not fitted; call fit"):
        from_sklearn(MLPRegressor())
    with pytest.raises(ConfigError, match="pipeline step MinMaxScaler is not supported"):
        from_sklearn(make_pipeline(MinMaxScaler(), MLPRegressor(max_iter=5)).fit(X, y))


def test_converted_estimator_can_be_refit():
    X, y = data(1)
    est = from_sklearn(mlp("tanh", scaled=True).fit(X, y))
    est.set_params(max_iter=5).fit(X, y)  # the hyperparameters came across as valid values
    with pytest.warns(ConvergenceWarning):
        to_sklearn(est).fit(X, y)


# ---------------------------------------------------------------- deltaprop export --to sklearn


def test_cli_export_writes_a_skops_file_that_loads_without_code(tmp_path, capsys):
    skops_io = pytest.importorskip("skops.io", reason="skops is not installed (extra 'skops')")
    from deltaprop.cli import main

    est = random_estimator("relu", sizes=(3, 5, 2))
    save_model(tmp_path / "m.npz", est)
    assert main(["export", str(tmp_path / "m.npz"), "--to", "sklearn"]) == 0
    path = tmp_path / "m.skops"
    assert skops_io.get_untrusted_types(file=path) == []  # only scikit-learn and NumPy types
    pipe = skops_io.load(path)
    X = random_X(est)
    assert rel_error(pipe.predict(X), est.predict(X)) <= 1e-12


def test_cli_export_refuses_an_activation_scikit_learn_lacks(tmp_path, capsys):
    from deltaprop.cli import main

    save_model(tmp_path / "m.npz", random_estimator("softplus"))
    assert main(["export", str(tmp_path / "m.npz"), "--to", "sklearn"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "MLPRegressor has no activation 'softplus'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]  # nothing written


@pytest.mark.parametrize(("with_mean", "with_std"), [(False, True), (True, False)])
def test_scaler_without_centering_or_scaling_converts(with_mean, with_std):
    X, y = data(1)
    scaler = StandardScaler(with_mean=with_mean, with_std=with_std)
    model = make_pipeline(scaler, mlp("relu", scaled=False)).fit(X / 100, y)
    est = from_sklearn(model)
    assert rel_error(est.predict(X / 100), model.predict(X / 100)) <= 1e-12
