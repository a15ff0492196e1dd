"""partial_fit: one pass over a chunk in mini-batches, the optimizer's state kept between calls,
the scalers fixed by the first call; over the batches of a fit it ends where that fit does."""

import pickle

import numpy as np
import pytest

from deltaprop import ConfigError, DataError, DeltapropRegressor
from problems import smooth

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def settings(solver, **extra):
    base = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        random_state=0,
        batch_size=20,
        n_iter_no_change=np.inf,
        learning_rate_init=0.01,
    )
    return base | extra


def scalers_of(model):
    return {name: getattr(model, name + "_") for name in ("x_mean", "x_scale", "y_mean", "y_scale")}


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("chunk", [20, 40])  # one batch per call, or two
def test_chunks_of_the_batches_end_where_fit_does(rng, solver, chunk):
    X, y = smooth(rng, 90)  # 90 rows: batches of 20, 20, 20, 20, 10
    params = settings(solver, shuffle=False, learning_rate="invscaling", power_t=0.25)
    fitted = DeltapropRegressor(max_iter=3, **params).fit(X, y)
    stream = DeltapropRegressor(**params)
    given = scalers_of(fitted)  # the whole data's, as fit has them
    for _ in range(3):  # epochs
        for start in range(0, len(X), chunk):
            rows = slice(start, start + chunk)
            stream.partial_fit(X[rows], y[rows], scalers=given)
            given = None
    np.testing.assert_array_equal(stream.network_.params, fitted.network_.params)
    assert stream.n_iter_ == 1 and stream.t_ == fitted.t_ == 3 * len(X)
    assert len(stream.loss_curve_) == 3 * len(range(0, len(X), chunk))
    assert stream._state.optimizer.t == fitted._state.optimizer.t == 3 * 5


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_one_call_per_epoch_shuffles_as_fit(rng, solver):
    X, y = smooth(rng, 90)
    fitted = DeltapropRegressor(max_iter=4, **settings(solver)).fit(X, y)
    stream = DeltapropRegressor(**settings(solver))
    for _ in range(4):
        stream.partial_fit(X, y)  # the shuffles' generator goes on between calls
    np.testing.assert_array_equal(stream.network_.params, fitted.network_.params)
    assert stream.loss_curve_ == fitted.loss_curve_


def test_partial_fit_after_fit_goes_on_with_its_optimizer(rng):
    X, y = smooth(rng, 90)
    model = DeltapropRegressor(max_iter=3, **settings("adam")).fit(X, y)
    model = pickle.loads(pickle.dumps(model))  # as after joblib.load
    for _ in range(3):
        model.partial_fit(X, y)
    once = DeltapropRegressor(max_iter=6, **settings("adam")).fit(X, y)
    np.testing.assert_array_equal(model.network_.params, once.network_.params)


def test_the_first_chunk_fixes_the_scalers(rng):
    X, y = smooth(rng, 90)
    model = DeltapropRegressor(**settings("adam")).partial_fit(X[:30], y[:30])
    first = {name: value.copy() for name, value in scalers_of(model).items()}
    model.partial_fit(X[30:] + 5.0, 3 * y[30:])  # a chunk with other means and scales
    for name, value in scalers_of(model).items():
        np.testing.assert_array_equal(value, first[name])
    np.testing.assert_allclose(first["x_mean"], X[:30].mean(axis=0))


def test_given_scalers_and_their_errors(rng):
    X, y = smooth(rng, 90)
    model = DeltapropRegressor(**settings("sgd"))
    model.partial_fit(X[:30], y[:30], scalers={"y_mean": [2.0], "y_scale": [4.0]})
    assert model.y_mean_.tolist() == [2.0] and model.y_scale_.tolist() == [4.0]
    np.testing.assert_allclose(model.x_mean_, X[:30].mean(axis=0))  # from the chunk
    with pytest.raises(ConfigError, match="scalers are fixed by the first partial_fit"):
        model.partial_fit(X, y, scalers={"y_mean": [0.0]})
    fresh = DeltapropRegressor(**settings("sgd"))
    with pytest.raises(ConfigError, match="x_scale must be finite \\(and a scale > 0\\)"):
        fresh.partial_fit(X, y, scalers={"x_scale": [1.0, 0.0, 1.0]})
    with pytest.raises(ConfigError, match="x_mean has shape \\(2,\\); the network needs \\(3,\\)"):
        fresh.partial_fit(X, y, scalers={"x_mean": [1.0, 0.0]})
    with pytest.raises(ConfigError, match="scalers must be a dict with keys among x_mean"):
        fresh.partial_fit(X, y, scalers={"mean": [1.0]})


def test_partial_fit_errors_as_scikit_learn(rng):
    X, y = smooth(rng, 90)
    lbfgs = DeltapropRegressor(solver="lbfgs")
    assert not hasattr(lbfgs, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        lbfgs.partial_fit(X, y)
    assert "only available for stochastic optimizers. lbfgs is" in str(info.value.__cause__)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        DeltapropRegressor(early_stopping=True).partial_fit(X, y)
    model = DeltapropRegressor(**settings("adam")).partial_fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but DeltapropRegressor is expecting 3"):
        model.partial_fit(X[:, :2], y)
    with pytest.raises(DataError, match="y has 2 outputs; this model was fitted with 1"):
        model.partial_fit(X, np.c_[y, y])


def test_partial_fit_learns_a_stream(rng):
    X, y = smooth(rng, 600)
    model = DeltapropRegressor(**settings("adam", hidden_layer_sizes=(16,)))
    for _ in range(30):
        for start in range(0, 600, 100):
            model.partial_fit(X[start : start + 100], y[start : start + 100])
    trivial = np.var(y)
    assert np.mean((model.predict(X) - y) ** 2) < 0.2 * trivial


def test_dask_refusals(rng):
    da = pytest.importorskip("dask.array")
    X, y = smooth(rng, 90)
    with pytest.raises(ConfigError, match="sample_weight is not available for Dask input; pass"):
        DeltapropRegressor().partial_fit(da.from_array(X), da.from_array(y), np.ones(len(y)))
    model = DeltapropRegressor(max_iter=2, warm_start=True).fit(X, y)
    with pytest.raises(ConfigError, match="warm_start and sample_weight are not available for Da"):
        model.fit(da.from_array(X), da.from_array(y))
