"""DeltapropRegressor as a drop-in for scikit-learn's MLPRegressor: the same fitted attributes
and meanings, the same accepted settings and errors (compared with MLPRegressor's behaviour,
not its numbers)."""

import io
import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor

from deltaprop import ConfigError, DataError, DeltapropRegressor, Network
from deltaprop.config import TrainConfig
from deltaprop.io import load_model, save_model
from deltaprop.train import train
from deltaprop.trainingdata import InMemoryData
from problems import tanh_ridge

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_fitted_attributes_mean_what_scikit_learns_do(rng, solver, early_stopping):
    X, y = tanh_ridge(rng, 60, square=0.1)
    settings = dict(
        hidden_layer_sizes=(5, 4), solver=solver, early_stopping=early_stopping, max_iter=5
    )
    ours = DeltapropRegressor(random_state=0, **settings).fit(X, y)
    theirs = MLPRegressor(random_state=0, **settings).fit(X, y)
    assert ours.n_layers_ == theirs.n_layers_ == 4
    assert ours.out_activation_ == theirs.out_activation_ == "identity"
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    if solver == "lbfgs":  # scikit-learn keeps no validation record for L-BFGS
        assert ours.validation_scores_ is None and ours.best_validation_score_ is None
        return
    assert (ours.best_loss_ is None) == (theirs.best_loss_ is None) == early_stopping
    assert (ours.validation_scores_ is None) == (theirs.validation_scores_ is None)
    assert (ours.best_validation_score_ is None) == (theirs.best_validation_score_ is None)
    if early_stopping:
        for model in (ours, theirs):
            assert len(model.validation_scores_) == model.n_iter_
            assert model.best_validation_score_ == max(model.validation_scores_)
        assert len(ours.validation_loss_curve_) == ours.n_iter_
    else:
        assert ours.best_loss_ == min(ours.loss_curve_)


def test_validation_scores_are_r2_on_the_validation_rows(rng):
    X, y = tanh_ridge(rng, 40, square=0.1)
    X, Y = X.T, y[None, :]  # (3, m), (1, m)
    config = TrainConfig(solver="adam", early_stopping=True, max_iter=1, validation_fraction=0.25)
    net = Network((3, 4, 1), "tanh", rng=np.random.default_rng(1))
    history = train(net, X, Y, config, rng=np.random.default_rng(2))
    _, validation = InMemoryData(X, Y).split(0.25, np.random.default_rng(2))  # the same rows
    X_val, Y_val = validation.X, validation.Y
    assert X_val.shape == (3, 10)
    # one epoch: the restored best weights are that epoch's
    reference = r2_score(Y_val.T, net.predict(X_val).T)
    np.testing.assert_allclose(history.validation_scores, [reference], rtol=1e-12)


def test_coefs_and_intercepts_are_settable_like_scikit_learns(rng):
    X, y = tanh_ridge(rng, 60, square=0.1)
    theirs = MLPRegressor(
        hidden_layer_sizes=(5, 4), activation="tanh", max_iter=20, random_state=0
    ).fit(X, y)
    ours = DeltapropRegressor(
        (5, 4), activation="tanh", standardize=False, max_iter=1, random_state=0
    ).fit(X, y)
    ours.coefs_ = theirs.coefs_
    ours.intercepts_ = theirs.intercepts_
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.network_.theta[2], theirs.coefs_[1].T)
    ours.coefs_[0][0, 0] = 7.0  # the list holds views: in-place edits reach the network
    assert ours.network_.theta[1][0, 0] == 7.0


@pytest.mark.parametrize(
    ("attribute", "value", "match"),
    [
        ("coefs_", [np.zeros((3, 5))], r"^coefs_ needs a list of 2 arrays, one per layer; got 1$"),
        ("coefs_", np.zeros((3, 5)), r"^coefs_ needs a list of 2 arrays, .* got ndarray$"),
        (
            "coefs_",
            [np.zeros((5, 3)), np.zeros((5, 1))],
            r"^coefs_\[0\] has shape \(5, 3\); the network needs \(3, 5\)$",
        ),
        (
            "intercepts_",
            [np.zeros(5), np.full(1, np.nan)],
            r"^intercepts_\[1\] holds NaN or inf; assign finite values$",
        ),
    ],
)
def test_assigning_wrong_layers_is_a_config_error_and_writes_nothing(rng, attribute, value, match):
    X, y = tanh_ridge(rng, 60, square=0.1)
    model = DeltapropRegressor((5,), max_iter=1, random_state=0).fit(X, y)
    before = model.network_.params.copy()
    with pytest.raises(ConfigError, match=match):
        setattr(model, attribute, value)
    np.testing.assert_array_equal(model.network_.params, before)


def test_unfitted_estimator_has_no_layers_to_assign():
    model = DeltapropRegressor()
    with pytest.raises(NotFittedError):
        model.coefs_ = [np.zeros((3, 1))]
    assert not hasattr(model, "n_layers_") and not hasattr(model, "out_activation_")


@pytest.mark.parametrize("early_stopping", [False, True])
def test_n_iter_no_change_inf_never_stops_on_a_plateau(rng, early_stopping, tmp_path):
    X, y = tanh_ridge(rng, 60, square=0.1)
    settings = dict(
        hidden_layer_sizes=(4,),
        n_iter_no_change=np.inf,
        tol=1e9,  # every epoch is "no improvement"
        max_iter=6,
        early_stopping=early_stopping,
        random_state=0,
    )
    ours = DeltapropRegressor(**settings).fit(X, y)
    theirs = MLPRegressor(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 6
    finite = {**settings, "n_iter_no_change": 2}  # the same data and tol stop early
    assert (
        DeltapropRegressor(**finite).fit(X, y).n_iter_
        == MLPRegressor(**finite).fit(X, y).n_iter_
        < 6
    )
    save_model(tmp_path / "m.npz", ours)
    loaded, _ = load_model(tmp_path / "m.npz")
    assert loaded.n_iter_no_change == np.inf
    np.testing.assert_array_equal(loaded.predict(X), ours.predict(X))


@pytest.mark.parametrize("value", [0, 2.5, "inf", -np.inf])
def test_n_iter_no_change_must_be_a_positive_integer_or_inf(rng, value):
    X, y = tanh_ridge(rng, 60, square=0.1)
    with pytest.raises(ConfigError, match=r"must be an integer >= 1 or numpy.inf$"):
        DeltapropRegressor(n_iter_no_change=value).fit(X, y)


@pytest.mark.parametrize("m", [2, 10])
def test_a_one_row_validation_split_is_refused_as_scikit_learn_does(rng, m):
    X, y = tanh_ridge(rng, m, square=0.1)  # validation_fraction=0.1: 1 validation row
    sentence = r"^The validation set is too small. Increase 'validation_fraction' or the size"
    with pytest.raises(ValueError, match=sentence):
        MLPRegressor(early_stopping=True).fit(X, y)
    with pytest.raises(DataError, match=sentence + rf".*: {m} rows with validation_fraction=0.1"):
        DeltapropRegressor(early_stopping=True).fit(X, y)
    X, y = tanh_ridge(rng, 11, square=0.1)  # 2 validation rows: both train
    assert (
        DeltapropRegressor((4,), early_stopping=True, max_iter=2, random_state=0).fit(X, y).n_iter_
        >= 1
    )
    assert (
        MLPRegressor(hidden_layer_sizes=(4,), early_stopping=True, max_iter=2, random_state=0)
        .fit(X, y)
        .n_iter_
        >= 1
    )


def test_squared_error_is_scikit_learns_name_of_the_squared_loss(rng, tmp_path):
    X, y = tanh_ridge(rng, 60, square=0.1)
    settings = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    alias = DeltapropRegressor(loss="squared_error", **settings).fit(X, y)
    squared = DeltapropRegressor(loss="squared", **settings).fit(X, y)
    np.testing.assert_array_equal(alias.predict(X), squared.predict(X))
    assert alias.get_params()["loss"] == "squared_error"
    save_model(tmp_path / "m.npz", alias)
    loaded, metadata = load_model(tmp_path / "m.npz")
    assert metadata["architecture"]["loss"] == "squared" and loaded.loss == "squared_error"
    np.testing.assert_array_equal(loaded.predict(X), alias.predict(X))


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


LINE = re.compile(r"^Iteration (\d+), loss = (\d+\.\d{8})$")


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_without_a_terminal_prints_scikit_learns_lines(rng, capsys, early_stopping):
    X, y = tanh_ridge(rng, 60, square=0.1)
    settings = dict(hidden_layer_sizes=(4,), max_iter=4, verbose=True, random_state=0)
    settings["early_stopping"] = early_stopping
    for model in (MLPRegressor(**settings), DeltapropRegressor(**settings)):
        model.fit(X, y)
        out, err = capsys.readouterr()
        lines = out.splitlines()
        iterations = [LINE.match(line) for line in lines if line.startswith("Iteration")]
        assert [int(match[1]) for match in iterations] == list(range(1, model.n_iter_ + 1))
        scores = [line for line in lines if line.startswith("Validation score: ")]
        assert len(scores) == (model.n_iter_ if early_stopping else 0)
    losses = [float(match[2]) for match in iterations]  # deltaprop's, the last fitted
    np.testing.assert_allclose(losses, model.loss_curve_, atol=1e-8)
    assert err == ""


def test_verbose_on_a_terminal_keeps_the_progress_bar(rng, capsys, monkeypatch):
    X, y = tanh_ridge(rng, 60, square=0.1)
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    DeltapropRegressor((4,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
    assert "loss=" in terminal.getvalue()
    DeltapropRegressor((4,), max_iter=3, random_state=0).fit(
        X, y
    )  # verbose=False: nothing anywhere
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("x_dtype", "expected"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_dtype_follows_x_as_scikit_learns(rng, x_dtype, expected):
    X, y = tanh_ridge(rng, 60, square=0.1)
    X = (X * 10).astype(x_dtype)
    settings = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    ours = DeltapropRegressor(**settings).fit(X, y)
    theirs = MLPRegressor(**settings).fit(X, y)
    assert ours.network_.params.dtype == theirs.coefs_[0].dtype == expected
    assert all(c.dtype == expected for c in ours.coefs_ + ours.intercepts_)
    assert ours.predict(X).dtype == theirs.predict(X).dtype == expected
    assert ours.get_params()["dtype"] is None


@pytest.mark.parametrize(("x_dtype", "forced"), [(np.float32, "float64"), (np.float64, "float32")])
def test_an_explicit_dtype_wins_over_x(rng, x_dtype, forced):
    X, y = tanh_ridge(rng, 60, square=0.1)
    model = DeltapropRegressor((4,), max_iter=3, dtype=forced, random_state=0).fit(
        X.astype(x_dtype), y
    )
    assert model.network_.dtype == np.dtype(forced)
    assert model.predict(X.astype(x_dtype)).dtype == np.dtype(forced)


def test_follow_the_input_survives_model_files_and_from_network(rng, tmp_path):
    X, y = tanh_ridge(rng, 60, square=0.1)
    X32 = X.astype(np.float32)
    model = DeltapropRegressor((4,), max_iter=3, random_state=0).fit(X32, y)
    save_model(tmp_path / "m.npz", model)
    loaded, metadata = load_model(tmp_path / "m.npz")
    assert metadata["architecture"]["dtype"] == "float32" and loaded.dtype is None
    np.testing.assert_array_equal(loaded.predict(X32), model.predict(X32))
    assert loaded.predict(X32).dtype == np.float32
    net = Network((3, 2, 1), "tanh", rng=rng, dtype="float32")
    assert DeltapropRegressor.from_network(net).dtype is None  # follows X at the next fit
    assert DeltapropRegressor.from_network(net, dtype="float64").dtype == "float32"
    assert DeltapropRegressor.from_network(net).predict(X32).dtype == np.float32
