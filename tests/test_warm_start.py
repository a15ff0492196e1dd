"""warm_start=True: fit goes on from the fitted network and the optimizer's state, so that
fit(max_iter=k) twice equals fit(max_iter=2k); scikit-learn's bookkeeping of n_iter_, the
curves and t_; L-BFGS goes on from the weights with a new memory."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from deltaprop import ConfigError, DataError, DeltapropRegressor
from deltaprop.estimator import standardized
from deltaprop.io import load_model, save_model
from deltaprop.train import train
from problems import smooth

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def settings(solver, learning_rate="constant", **extra):
    base = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        learning_rate=learning_rate,
        random_state=0,
        batch_size=16,
        n_iter_no_change=np.inf,
    )
    return base | extra


@pytest.mark.parametrize(
    ("solver", "learning_rate", "extra"),
    [
        ("gd", "constant", {"learning_rate_init": 0.05}),
        ("sgd", "invscaling", {"learning_rate_init": 0.05}),
        ("sgd", "adaptive", {"n_iter_no_change": 1, "tol": 0.04}),  # η lowered on plateaus
        ("adam", "constant", {}),
    ],
)
def test_two_warm_fits_equal_one_fit_of_twice_the_epochs(rng, solver, learning_rate, extra):
    X, y = smooth(rng, 80)
    params = settings(solver, learning_rate, **extra)
    warm = DeltapropRegressor(max_iter=6, warm_start=True, **params).fit(X, y)
    first_curve = list(warm.loss_curve_)
    warm.fit(X, y)
    once = DeltapropRegressor(max_iter=12, **params).fit(X, y)
    np.testing.assert_array_equal(warm.network_.params, once.network_.params)
    assert warm.loss_curve_ == once.loss_curve_ and warm.loss_curve_[:6] == first_curve
    assert warm.t_ == once.t_ == 12 * len(X)  # samples seen, over both fits
    assert warm.n_iter_ == 6  # scikit-learn's n_iter_ counts the last fit
    if learning_rate == "adaptive":  # the plateaus did lower η, in both fits alike
        assert warm._state.optimizer.eta == once._state.optimizer.eta < 1e-3


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_warm_start_with_early_stopping_keeps_the_split_and_the_monitor(rng, solver):
    X, y = smooth(rng, 100)
    params = settings(solver, early_stopping=True, learning_rate_init=1e-3)
    warm = DeltapropRegressor(max_iter=5, warm_start=True, **params).fit(X, y)
    # the best weights are restored at the end: here the last epoch is the best one, so the
    # next fit starts where the one long fit is after 5 epochs
    assert warm.validation_loss_curve_[-1] == min(warm.validation_loss_curve_)
    warm.fit(X, y)
    once = DeltapropRegressor(max_iter=10, **params).fit(X, y)
    np.testing.assert_array_equal(warm.network_.params, once.network_.params)
    assert warm.validation_loss_curve_ == once.validation_loss_curve_  # the same split
    assert warm.validation_scores_ == once.validation_scores_
    assert warm.best_validation_score_ == max(once.validation_scores_)


def test_warm_start_after_pickling_goes_on_the_same(rng):
    X, y = smooth(rng, 80)
    params = settings("adam")
    model = DeltapropRegressor(max_iter=4, warm_start=True, **params).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    restored.fit(X, y)
    once = DeltapropRegressor(max_iter=8, **params).fit(X, y)
    np.testing.assert_array_equal(restored.network_.params, once.network_.params)


def test_lbfgs_warm_start_goes_on_from_the_weights_with_a_new_memory(rng):
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(max_iter=5, warm_start=True, **settings("lbfgs")).fit(X, y)
    net = copy.deepcopy(model.network_)  # where the second fit starts
    model.fit(X, y)
    # a fresh L-BFGS run from those weights on the same (standardized) data
    X_s = standardized(X, model.x_mean_, model.x_scale_, np.float64)
    Y_s = standardized(y[:, None], model.y_mean_, model.y_scale_, np.float64)
    fresh = train(net, X_s.T, Y_s.T, model.train_config(), rng=np.random.default_rng(0))
    np.testing.assert_array_equal(model.network_.params, net.params)
    assert model.loss_curve_[5:] == fresh.loss_curve  # the second fit's curve follows the first
    assert model.loss_curve_[5] < model.loss_curve_[0]  # it did not start over
    assert model.n_iter_ == fresh.n_iter


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_warm_start_runs_max_iter_each_fit_as_scikit_learn(rng, solver):
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(
        solver=solver, warm_start=True, max_iter=10, n_iter_no_change=np.inf, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 10
    model.set_params(max_iter=20)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 20
    assert len(model.loss_curve_) == 30


def test_without_warm_start_fit_starts_over(rng):
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(max_iter=4, **settings("adam")).fit(X, y)
    params = model.network_.params.copy()
    model.fit(X, y)
    np.testing.assert_array_equal(model.network_.params, params)
    assert len(model.loss_curve_) == 4


def test_warm_start_checks_the_columns_and_the_outputs(rng):
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(max_iter=2, warm_start=True, **settings("adam")).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but DeltapropRegressor is expecting 3"):
        model.fit(X[:, :2], y)
    with pytest.raises(DataError, match="y has 2 outputs; this model was fitted with 1"):
        model.fit(X, np.c_[y, y])
    with pytest.raises(ConfigError, match="warm_start='yes' must be True or False"):
        model.set_params(warm_start="yes").fit(X, y)


def test_a_changed_learning_rate_makes_a_new_optimizer(rng):
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(max_iter=3, warm_start=True, **settings("adam")).fit(X, y)
    kept = model._state.optimizer
    model.fit(X, y)
    assert model._state.optimizer is kept and kept.t == 6 * 5  # 5 batches of 16 per epoch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.set_params(learning_rate_init=1e-2).fit(X, y)
    assert model._state.optimizer is not kept and model._state.optimizer.eta == 1e-2
    assert model._state.optimizer.t == 3 * 5


def test_a_loaded_model_goes_on_from_its_weights_and_record(rng, tmp_path):
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(max_iter=3, warm_start=True, **settings("adam")).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    loaded, _ = load_model(tmp_path / "m.npz")
    reference = DeltapropRegressor.from_network(  # the same weights and scalers, no state
        copy.deepcopy(model.network_),
        x_mean=model.x_mean_,
        x_scale=model.x_scale_,
        y_mean=model.y_mean_,
        y_scale=model.y_scale_,
        **(settings("adam") | {"max_iter": 3, "warm_start": True}),
    )
    loaded.fit(X, y)  # a new optimizer: the file holds no optimizer state
    reference.fit(X, y)
    np.testing.assert_array_equal(loaded.network_.params, reference.network_.params)
    assert loaded.loss_curve_[:3] == model.loss_curve_ and len(loaded.loss_curve_) == 6
    assert loaded.t_ == 6 * len(X)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"activation": "relu"}, r"activation 'relu', but the fitted network was made with 'tanh'"),
        ({"hidden_layer_sizes": (6, 6)}, r"hidden_layer_sizes \(6, 6\), but .* \(6,\)"),
        ({"dtype": "float32"}, r"dtype 'float32', but .* 'float64'"),
        ({"standardize": False}, r"standardize False, but .* True"),
        ({"loss": "poisson"}, r"output layer \(loss\) 'exp', but .* 'identity'"),
    ],
)
def test_a_changed_architecture_setting_is_refused_and_changes_nothing(rng, change, match):
    """warm_start goes on from the fitted network: a changed setting it was made with would be
    ignored (and the file would then contradict itself), so it is refused, the model as it was;
    with warm_start=False the same setting starts afresh."""
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(**settings("adam"), activation="tanh", max_iter=3, warm_start=True)
    model.fit(X, y)
    before = model.predict(X)
    model.set_params(**change)
    for go_on in (lambda: model.fit(X, np.abs(y)), lambda: model.partial_fit(X, np.abs(y))):
        with pytest.raises(ConfigError, match=match + r" and would go on as it is; set it back"):
            go_on()
    np.testing.assert_array_equal(model.predict(X), before)
    model.set_params(warm_start=False).fit(X, np.abs(y))  # afresh: the new setting is taken
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3


def test_a_saved_file_states_the_networks_activation_whatever_was_set_since(rng, tmp_path):
    X, y = smooth(rng, 80)
    model = DeltapropRegressor(**settings("adam"), activation="tanh", max_iter=2).fit(X, y)
    model.set_params(activation="relu", dtype="float32")
    save_model(tmp_path / "m.npz", model)
    loaded, meta = load_model(tmp_path / "m.npz")
    assert meta["settings"]["activation"] == meta["architecture"]["activation"] == "tanh"
    assert meta["settings"]["dtype"] == "float64"
    assert loaded.activation == "tanh"
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-12)
