"""loss="poisson": half the Poisson deviance with the exp output a^(L) = exp(z^(L)), checked
against scikit-learn's PoissonRegressor and MLPRegressor(loss="poisson"), central differences,
the model files, the command line and the derivation commands."""

import json
import warnings

import numpy as np
import pytest
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance
from sklearn.neural_network import MLPRegressor

from deltaprop import (
    ConfigError,
    DataError,
    DeltapropRegressor,
    DivergenceError,
    Network,
    get_loss,
    load_model,
    save_model,
)
from deltaprop.cli import main
from deltaprop.config import TrainConfig
from deltaprop.derivation import check, explain
from deltaprop.gradcheck import gradcheck
from deltaprop.interop import from_sklearn, to_onnx, to_sklearn
from deltaprop.interop.torch_nn import architecture
from deltaprop.network import loss_and_grad
from deltaprop.relerror import rel_error
from deltaprop.train import train


def counts(rng, m=200, n=3):
    """X (m, n) and Poisson counts y (m,) with log-mean 0.5 x_1 − 0.3 x_2 + 0.4."""
    X = rng.normal(size=(m, n))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1] + 0.4)).astype(np.float64)
    return X, y


LINEAR = {
    "hidden_layer_sizes": (),
    "solver": "lbfgs",
    "max_iter": 2000,
    "tol": 1e-12,
    "random_state": 0,
}


@pytest.mark.parametrize("alpha", [0.0, 2.0])
def test_no_hidden_layer_is_scikit_learns_poisson_regressor(rng, alpha):
    X, y = counts(rng)
    ours = DeltapropRegressor(loss="poisson", alpha=alpha, standardize=False, **LINEAR).fit(X, y)
    # PoissonRegressor minimizes (1/m) Σ_i ½ deviance + (α_PR/2) ‖w‖²; ours (α/2m) ‖Θ‖²
    reference = PoissonRegressor(alpha=alpha / len(y), tol=1e-12, max_iter=1000).fit(X, y)
    assert rel_error(ours.coefs_[0][:, 0], reference.coef_) < 1e-6
    assert rel_error(ours.intercepts_[0], [reference.intercept_]) < 1e-6
    assert rel_error(ours.predict(X), reference.predict(X)) < 1e-6
    assert ours.out_activation_ == "exp"


def test_no_hidden_layer_is_scikit_learns_mlp_with_the_poisson_loss(rng):
    X, y = counts(rng)
    ours = DeltapropRegressor(loss="poisson", alpha=0.5, standardize=False, **LINEAR).fit(X, y)
    mlp = MLPRegressor(loss="poisson", alpha=0.5, **LINEAR).fit(X, y)
    assert mlp.out_activation_ == ours.out_activation_ == "exp"
    assert rel_error(ours.coefs_[0], mlp.coefs_[0]) < 1e-4
    assert rel_error(ours.predict(X), mlp.predict(X)) < 1e-5  # scikit-learn's ftol stops first


def test_the_cost_is_scikit_learns_mlp_loss_at_its_own_weights(rng):
    """J (half deviance, α/2m) of MLPRegressor's fitted weights, computed by our network,
    equals the loss scikit-learn reports for them; so do the predictions."""
    X, y = counts(rng, m=120)
    mlp = MLPRegressor(
        hidden_layer_sizes=(5,),
        loss="poisson",
        solver="lbfgs",
        alpha=0.3,
        max_iter=30,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    net = Network((3, 5, 1), "relu", output="exp")
    for l in (1, 2):
        net.theta[l][...] = mlp.coefs_[l - 1].T
        net.b[l + 1][...] = mlp.intercepts_[l - 1]
    J, _ = loss_and_grad(net, X.T, y, alpha=0.3, loss="poisson")
    np.testing.assert_allclose(J, mlp.loss_, rtol=1e-10)
    model = DeltapropRegressor.from_network(net, loss="poisson")
    np.testing.assert_allclose(model.predict(X), mlp.predict(X), rtol=1e-12)


def test_the_loss_is_half_the_poisson_deviance_and_zero_at_the_counts(rng):
    y = rng.poisson(3.0, size=(2, 40)).astype(np.float64)
    a = rng.uniform(0.5, 5.0, size=y.shape)
    loss = get_loss("poisson")
    half = 0.5 * sum(mean_poisson_deviance(y[j], a[j]) for j in range(2)) * 40
    np.testing.assert_allclose(loss.value(a, y), half, rtol=1e-12)
    assert loss.value(np.maximum(y, 1e-300), y) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_array_equal(loss.delta(a, y), a - y)


def test_backprop_of_the_exp_output_matches_central_differences(rng):
    net = Network((4, 6, 5, 2), "tanh", rng=rng, output="exp")
    X, Y = rng.normal(size=(4, 9)), rng.poisson(2.0, size=(2, 9)).astype(np.float64)
    report = gradcheck(net, X, Y, alpha=0.4, loss="poisson")
    assert report.passed() and report.max_rel_error < 1e-7


def test_the_output_layer_and_the_loss_must_agree(rng):
    X, Y = rng.normal(size=(3, 4)), np.ones((1, 4))
    with pytest.raises(ConfigError, match=r"^loss='poisson' is defined with the output layer"):
        loss_and_grad(Network((3, 1)), X, Y, loss="poisson")
    with pytest.raises(ConfigError, match=r"output=Network\(\.\.\., output='identity'\)|identity"):
        loss_and_grad(Network((3, 1), output="exp"), X, Y, loss="squared")
    with pytest.raises(ConfigError, match=r"^output='softmax' is not known; use one of"):
        Network((3, 1), output="softmax")
    with pytest.raises(ConfigError, match=r"does not fit the network's output layer 'exp'"):
        DeltapropRegressor.from_network(Network((3, 1), output="exp"))


def test_targets_stay_counts_and_predictions_are_exp_of_the_output(rng):
    X, y = counts(rng)
    model = DeltapropRegressor(
        loss="poisson", hidden_layer_sizes=(8,), batch_size=20, max_iter=30, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.y_mean_.tolist() == [0.0] and model.y_scale_.tolist() == [1.0]
    assert model.x_scale_.min() != 1.0  # X is standardized as for every loss
    X_s = (X - model.x_mean_) / model.x_scale_
    z = model.network_.forward(X_s.T).z[model.network_.L]  # (1, m)
    np.testing.assert_allclose(model.predict(X), np.exp(z[0]), rtol=1e-14)
    assert (model.predict(X) > 0).all()
    # training lowered the deviance below that of predicting the mean count
    trivial = mean_poisson_deviance(y, np.full_like(y, y.mean()))
    assert mean_poisson_deviance(y, model.predict(X)) < 0.9 * trivial


def test_the_output_bias_starts_at_the_log_of_the_mean_count(rng):
    X, y = counts(rng)
    model = DeltapropRegressor(
        loss="poisson", hidden_layer_sizes=(4,), max_iter=1, solver="gd", learning_rate_init=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one tiny step: not converged, maybe a poor fit
        model.fit(X, 10 * y)
    np.testing.assert_allclose(model.intercepts_[1], [np.log(10 * y.mean())], rtol=1e-9)


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (
            [1.0, -2.0, 3.0, 0.0],
            r"^y column 0 holds -2 at row 1 \(counting from 0\): loss='poisson' requires "
            r"non-negative y and sum\(y\) > 0 \(counts\); use loss='squared'",
        ),
        ([0.0, 0.0, 0.0, 0.0], r"^y is 0 in every row: loss='poisson' requires non-negative y"),
    ],
)
def test_targets_that_are_not_counts_are_refused(rng, y, match):
    with pytest.raises(DataError, match=match):
        DeltapropRegressor(loss="poisson", hidden_layer_sizes=()).fit(rng.normal(size=(4, 2)), y)


def test_an_exp_overflow_is_a_divergence_error(rng):
    X, y = counts(rng, m=50)
    model = DeltapropRegressor(
        loss="poisson",
        solver="sgd",
        learning_rate_init=50.0,
        hidden_layer_sizes=(4,),
        max_iter=50,
        random_state=0,
    )
    with pytest.raises(
        DivergenceError, match=r"^training diverged at epoch \d+ \(.+\) with learning_rate_init=50"
    ):
        model.fit(100 * X, 1e4 * y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_an_exp_overflow_at_the_start_is_a_divergence_error(rng, solver):
    net = Network((3, 4, 1), "tanh", rng=rng, output="exp")
    net.b[3][...] = 800.0  # exp(800) overflows float64
    X, Y = rng.normal(size=(3, 20)), rng.poisson(2.0, size=(1, 20)).astype(np.float64)
    match = r"^training cannot start \(overflow encountered in exp\); check the initial"
    with pytest.raises(DivergenceError, match=match):
        train(net, X, Y, TrainConfig(loss="poisson", solver=solver), rng=rng)


def test_a_poisson_model_file_round_trips(rng, tmp_path):
    X, y = counts(rng, m=80)
    model = DeltapropRegressor(loss="poisson", standardize=False, **LINEAR).fit(X, y)
    save_model(tmp_path / "counts.npz", model)
    loaded, metadata = load_model(tmp_path / "counts.npz")
    assert metadata["architecture"]["loss"] == "poisson"
    assert loaded.out_activation_ == "exp" and loaded.network_.output.name == "exp"
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_dask_collections_are_refused_for_the_poisson_loss(rng, tmp_path, capsys):
    da = pytest.importorskip("dask.array")
    X, y = counts(rng, m=20)
    match = r"^loss='poisson' does not train on Dask yet; train in memory"
    with pytest.raises(ConfigError, match=match):
        DeltapropRegressor(loss="poisson").fit(da.from_array(X), da.from_array(y))
    data = tmp_path / "part-0.csv"
    np.savetxt(data, np.column_stack([X, y]), delimiter=",", header="a,b,c,n", comments="")
    args = ["train", str(data), "--target", "n", "--loss", "poisson", "--dask", "local:1"]
    assert main(args) == 2
    assert "loss='poisson' does not train on Dask yet" in capsys.readouterr().err


def test_the_command_line_trains_scores_and_checks_a_poisson_model(rng, tmp_path, capsys):
    X, y = counts(rng, m=150)
    data = tmp_path / "counts.csv"
    header = "a,b,c,count"
    np.savetxt(data, np.column_stack([X, y]), delimiter=",", header=header, comments="")
    out = tmp_path / "model.npz"
    args = ["--target", "count", "--loss", "poisson", "--hidden", "none", "--solver", "lbfgs"]
    assert main(["train", str(data), *args, "--out", str(out), "--quiet"]) == 0
    assert main(["evaluate", str(out), str(data), "--target", "count"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[-2].split()[-1] == "dev."  # R², RMSE, MAE and the mean Poisson deviance
    model, _ = load_model(out)
    deviance = mean_poisson_deviance(y, model.predict(X))
    assert float(table[-1].split()[-1]) == pytest.approx(deviance, rel=1e-3)
    assert main(["gradcheck", str(out)]) == 0
    assert main(["gradcheck", "--sizes", "3,4,2", "--loss", "poisson"]) == 0


def test_explain_prints_the_exp_output_cost_and_delta_in_every_format():
    derivation = explain((3, 4, 2), loss="poisson", batch=3, alpha=0.2)
    assert derivation.ok and derivation.max_rel_error < 1e-7
    text = derivation.to_text()
    assert "A^(3) = exp(Z^(3))" in text and "Δ^(3) = A^(3) − Y" in text
    assert "J = (1/m) ℓ(A^(3), Y) + (α/2m) Σ_l ‖Θ^(l)‖²_F" in text
    assert "ℓ(a, y) sums y*log(y/a) - y + a over the entries of a and y" in text
    assert r"\exp\left(Z^{(3)}\right)" in derivation.to_latex()
    assert "exp(Z^(3))" in derivation.to_markdown()
    html = derivation.to_html()
    assert "<mo>=</mo><mi>exp</mi><mrow><mo>(</mo><msup><mi>Z</mi>" in html  # A^(3) = exp(Z^(3))
    assert "<mi>ℓ</mi><mrow><mo>(</mo><msup><mi>A</mi>" in html and "<mo>,</mo><mi>Y</mi>" in html
    record = json.loads(derivation.to_json())
    assert record["header"]["loss"] == "poisson"
    lines = {line["lhs"]: line["rhs"] for line in record["lines"]}
    assert lines["A^(3)"] == "exp(Z^(3))" and lines["Δ^(3)"] == "A^(3) − Y"


def test_check_names_the_squared_loss_delta_through_an_exp_output():
    for wrong in ("(a^(L) − y) ⊙ exp(z^(L))", "(a^(L) − y) ⊙ a^(L)"):
        result = check(f"δ^(L) = {wrong}", sizes=(3, 4, 2), loss="poisson")
        assert result.verdict == "wrong"
        assert any("log link" in hint for hint in result.hints), result.to_text()
    assert check("δ^(L) = a^(L) − y", sizes=(3, 4, 2), loss="poisson").verdict == "correct"
    # the same line is wrong for the squared loss's linear output, where a^(L) = z^(L)
    assert check("a^(L) = exp(z^(L))", sizes=(3, 4, 2)).verdict == "wrong"


def test_the_poisson_deviance_is_zero_log_zero_safe():
    y, a = np.array([[0.0, 2.0]]), np.array([[0.5, 2.0]])
    expected = float(np.sum(xlogy(y, y / a) - y + a))
    assert get_loss("poisson").value(a, y) == pytest.approx(expected, rel=1e-15)


def test_the_derivation_commands_take_the_poisson_loss(capsys):
    assert main(["explain", "--loss", "poisson", "--sizes", "2,3,1", "--format", "json"]) == 0
    header = json.loads(capsys.readouterr().out)["header"]
    assert header["loss"] == "poisson" and header["verified"]
    wrong = "δ^(L) = (a^(L) − y) ⊙ a^(L)"
    assert main(["check", "--loss", "poisson", "--sizes", "2,3,1", wrong]) == 1
    assert "the Poisson loss's log link cancels exp'(z^(L))" in capsys.readouterr().out
    assert main(["check", "--loss", "poisson", "--sizes", "2,3,1", "δ^(L) = a^(L) − y"]) == 0


def test_the_command_line_names_the_target_and_row_of_a_negative_count(rng, tmp_path, capsys):
    X, y = counts(rng, m=30)
    y[17] = -1.0
    data = tmp_path / "counts.csv"
    np.savetxt(data, np.column_stack([X, y]), delimiter=",", header="a,b,c,n", comments="")
    args = ["train", str(data), "--target", "n", "--loss", "poisson", "--out", str(tmp_path / "m")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "deltaprop: error: target column 'n' holds -1 at row 17 (counting from 0)"
    )
    assert not (tmp_path / "m").exists()


def fitted_counts_model(rng):
    X, y = counts(rng, m=60)
    model = DeltapropRegressor(
        loss="poisson", hidden_layer_sizes=(4,), solver="lbfgs", random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), X, y


def test_scikit_learns_poisson_mlp_converts_both_ways(rng):
    model, X, y = fitted_counts_model(rng)
    pipeline = to_sklearn(model)  # StandardScaler, then MLPRegressor(loss="poisson")
    assert pipeline[-1].loss == "poisson" and pipeline[-1].out_activation_ == "exp"
    assert rel_error(pipeline.predict(X), model.predict(X)) < 1e-13
    mlp = MLPRegressor(
        hidden_layer_sizes=(3,), loss="poisson", solver="lbfgs", max_iter=20, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    back = from_sklearn(mlp)
    assert back.loss == "poisson" and back.out_activation_ == "exp"
    assert rel_error(back.predict(X), mlp.predict(X)) < 1e-13


def test_onnx_applies_the_exp_output_and_pytorch_refuses_it(rng):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (extra 'onnx')")
    model, X, _ = fitted_counts_model(rng)
    session = ort.InferenceSession(
        to_onnx(model).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (onnx_y,) = session.run(None, {session.get_inputs()[0].name: X})
    assert rel_error(onnx_y.ravel(), model.predict(X)) < 1e-12
    with pytest.raises(
        ConfigError, match=r"^PyTorch has no module for the output activation 'exp'"
    ):
        architecture(model.network_, "exp")
