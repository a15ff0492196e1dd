"""Sparse X (scipy.sparse CSR/CSC, matrices and arrays): the first layer multiplies the sparse
block itself, the scaler only scales, and the model is the dense one's."""

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.preprocessing import StandardScaler

from deltaprop import DataError, DeltapropRegressor, Network
from deltaprop import estimator as estimator_module
from deltaprop.errors import PoorFitWarning
from deltaprop.network import loss_and_grad
from deltaprop.relerror import rel_error

FORMATS = [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array, sparse.csc_array]


def sparse_data(rng, m=120, n=15, density=0.2):
    """A CSR X (m, n) with about ``density`` nonzeros and y (m,) from three of its columns."""
    X = sparse.random(m, n, density=density, format="csr", random_state=rng, dtype=np.float64)
    X.data *= 3.0  # columns of different scales
    X = X @ sparse.diags(np.linspace(0.5, 4.0, n))
    y = np.asarray(X[:, :3].sum(axis=1)).ravel() + 0.1 * rng.normal(size=m)
    return sparse.csr_matrix(X), y


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", PoorFitWarning)
        return model.fit(X, y)


def test_the_first_layer_multiplies_the_sparse_block_as_the_dense_one(rng):
    net = Network((6, 4, 2), "tanh", rng=rng)
    X = sparse.random(6, 9, density=0.3, format="csc", random_state=rng)  # (n_1, m)
    Y = rng.normal(size=(2, 9))
    J, grad = loss_and_grad(net, X, Y, alpha=0.1)
    J_dense, grad_dense = loss_and_grad(net, X.toarray(), Y, alpha=0.1)
    assert rel_error(J, J_dense) < 1e-14 and rel_error(grad.flat, grad_dense.flat) < 1e-14


@pytest.mark.parametrize("make", FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "lbfgs"])
def test_sparse_and_dense_x_with_the_same_scaling_give_the_same_model(rng, make, solver):
    X, y = sparse_data(rng)
    params = {"hidden_layer_sizes": (4,), "solver": solver, "max_iter": 15, "random_state": 0}
    model = fit_quietly(DeltapropRegressor(batch_size=32, **params), make(X), y)
    assert model.x_mean_.tolist() == [0.0] * 15  # scaled only: the zeros stay zeros
    # the same model from the dense X scaled the same way (and y standardized by hand)
    y_s = (y - model.y_mean_[0]) / model.y_scale_[0]
    dense = DeltapropRegressor(batch_size=32, standardize=False, **params)
    fit_quietly(dense, X.toarray() / model.x_scale_, y_s)
    assert rel_error(model.network_.params, dense.network_.params) < 1e-12
    expected = dense.predict(X.toarray() / model.x_scale_) * model.y_scale_[0] + model.y_mean_[0]
    assert rel_error(model.predict(make(X)), expected) < 1e-12
    assert model.score(make(X), y) == pytest.approx(dense.score(X.toarray() / model.x_scale_, y_s))


def test_the_scaler_is_standard_scaler_without_centering(rng):
    X, y = sparse_data(rng)
    X = sparse.lil_matrix(X)
    X[:, 4] = 0.0  # a column of zeros keeps scale 1
    X = sparse.csr_matrix(X)
    model = fit_quietly(DeltapropRegressor(hidden_layer_sizes=(), max_iter=2), X, y)
    reference = StandardScaler(with_mean=False).fit(X)
    np.testing.assert_allclose(model.x_scale_, reference.scale_, rtol=1e-12)
    assert model.x_scale_[4] == 1.0


def test_early_stopping_splits_sparse_rows_as_dense_ones(rng):
    X, y = sparse_data(rng, m=150)
    params = {"hidden_layer_sizes": (4,), "early_stopping": True, "max_iter": 8}
    params |= {"random_state": 3, "standardize": False, "batch_size": 20}
    model = fit_quietly(DeltapropRegressor(**params), X, y)
    dense = fit_quietly(DeltapropRegressor(**params), X.toarray(), y)
    assert rel_error(model.network_.params, dense.network_.params) < 1e-12
    assert model.validation_scores_ == pytest.approx(dense.validation_scores_, rel=1e-12)


def test_float32_sparse_x_gives_float32_weights_and_predictions(rng):
    X, y = sparse_data(rng)
    model = fit_quietly(
        DeltapropRegressor(hidden_layer_sizes=(3,), max_iter=3), X.astype(np.float32), y
    )
    assert model.network_.dtype == np.float32 and model.predict(X).dtype == np.float32


def test_a_model_fitted_on_dense_x_predicts_sparse_x_in_row_blocks(rng, monkeypatch):
    X, y = sparse_data(rng, m=50)
    model = fit_quietly(DeltapropRegressor(hidden_layer_sizes=(4,), max_iter=5), X.toarray(), y)
    assert model.x_mean_.any()  # centered: the sparse rows are densified a block at a time
    monkeypatch.setattr(estimator_module, "SPARSE_ROWS", 16)
    assert rel_error(model.predict(sparse.csc_array(X)), model.predict(X.toarray())) < 1e-12


@pytest.mark.parametrize(("bad", "kind"), [(np.nan, "NaN"), (np.inf, "inf")])
@pytest.mark.parametrize("make", FORMATS, ids=lambda f: f.__name__)
def test_nan_or_inf_in_sparse_data_is_a_data_error_naming_its_place(rng, make, bad, kind):
    X, y = sparse_data(rng, m=30)
    X = sparse.lil_matrix(X)
    X[7, 2], X[19, 0] = bad, bad
    match = rf"^X contains {kind} at row 7, column 2 \(counting from 0\); remove or impute"
    with pytest.raises(DataError, match=match):
        DeltapropRegressor().fit(make(X), y)
    model = fit_quietly(
        DeltapropRegressor(hidden_layer_sizes=(), max_iter=2), X[:5].toarray(), y[:5]
    )
    with pytest.raises(DataError, match=match):
        model.predict(make(X))


def test_a_large_sparse_x_is_never_densified(rng):
    """50,000 × 1,000 with 100,000 nonzeros (1.9 MiB as CSR): dense it would be 381 MiB;
    training and predicting peak near 5 MiB (tracemalloc sees NumPy's and SciPy's arrays)."""
    m, n = 50_000, 1_000
    rows, cols = np.arange(m).repeat(2), rng.integers(0, n, size=2 * m)
    X = sparse.csr_array((rng.normal(size=2 * m), (rows, cols)), shape=(m, n))
    y = np.asarray(X[:, :50].sum(axis=1)).ravel()
    model = DeltapropRegressor(hidden_layer_sizes=(2,), solver="sgd", batch_size=5000, max_iter=1)
    tracemalloc.start()
    try:
        fit_quietly(model, X, y)
        model.predict(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    dense_bytes = m * n * 8
    assert peak < dense_bytes / 20, f"peak {peak / 2**20:.0f} MiB"


def test_sparse_counts_fit_scikit_learns_poisson_regressor(rng):
    X, _ = sparse_data(rng, m=300, n=10)
    y = rng.poisson(np.exp(np.asarray(X[:, :2].sum(axis=1)).ravel() / 4)).astype(np.float64)
    params = {
        "hidden_layer_sizes": (),
        "solver": "lbfgs",
        "max_iter": 1000,
        "tol": 1e-12,
        "random_state": 0,
    }
    model = DeltapropRegressor(loss="poisson", alpha=3.0, standardize=False, **params).fit(X, y)
    reference = PoissonRegressor(alpha=3.0 / 300, tol=1e-12, max_iter=1000).fit(X, y)
    # few nonzeros per column: a flat optimum, where both stop about 1e-6 apart
    assert rel_error(model.coefs_[0][:, 0], reference.coef_) < 1e-4
    assert rel_error(model.predict(X), reference.predict(X)) < 1e-5


@pytest.mark.parametrize("make", [sparse.csr_matrix, sparse.csc_array], ids=lambda f: f.__name__)
def test_weighted_partial_fit_on_sparse_chunks_matches_dense_chunks(rng, make):
    """partial_fit and sample_weight take sparse chunks: the same steps as on the dense
    chunks scaled the same way (the scalers given, so both start from the same ones)."""
    X, y = sparse_data(rng)
    w = rng.integers(0, 3, size=len(y)).astype(float)  # zeros drop rows, twos count twice
    scale = 1.0 + np.asarray(abs(X).max(axis=0).todense()).ravel()  # (15,) any positive scale
    scalers = {"x_mean": np.zeros(15), "x_scale": scale, "y_mean": [y.mean()], "y_scale": [1.0]}
    params = {"hidden_layer_sizes": (4,), "solver": "adam", "batch_size": 16, "random_state": 0}
    ours, dense = DeltapropRegressor(**params), DeltapropRegressor(**params)
    for rows in (slice(0, 60), slice(60, 120)):
        ours.partial_fit(make(X[rows]), y[rows], sample_weight=w[rows], scalers=scalers)
        dense.partial_fit(X[rows].toarray(), y[rows], sample_weight=w[rows], scalers=scalers)
        scalers = None  # only the first call takes them
    assert rel_error(ours.network_.params, dense.network_.params) < 1e-12
