"""sample_weight: J = (Σ_i w_i J^(i) + (α/2) Σ_l ‖Θ^(l)‖²_F) / Σ_i w_i, so a weight of 2 is a
duplicated row and a weight of 0 a dropped row, for every solver, through the scalers, the
validation split and score; the weighted gradient checked by central differences."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

from deltaprop import ConfigError, DataError, DeltapropRegressor, Network
from deltaprop.config import TrainConfig
from deltaprop.gradcheck import gradcheck
from deltaprop.losses import LOSSES, Loss, weighted_sum
from deltaprop.network import loss_and_grad
from deltaprop.scaling import scaler
from deltaprop.train import train
from problems import smooth

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = ["gd", "sgd", "adam", "lbfgs"]


def make_data(rng, m=40):
    """``problems.smooth`` and weights: two rows count twice, one not at all."""
    X, y = smooth(rng, m)
    w = np.ones(m)
    w[[3, 11]] = 2.0  # these rows count twice
    w[7] = 0.0  # this one not at all
    return X, y, w


def duplicated(w):
    """The rows of the data set that the weights w (integers) stand for: row i w_i times."""
    return np.repeat(np.arange(len(w)), w.astype(int))


def settings(solver, **extra):
    base = dict(
        hidden_layer_sizes=(5,),
        solver=solver,
        random_state=0,
        batch_size=100,  # one batch holds every row: the batches agree
        max_iter=20,
        alpha=0.01,
        learning_rate_init=0.01,
        n_iter_no_change=np.inf,
    )
    return base | extra


@pytest.mark.parametrize("loss", ["squared", "huber"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_gradcheck_verifies_the_weighted_gradient(rng, loss, activation):
    net = Network((3, 4, 2), activation, rng=rng)
    X, Y = rng.normal(size=(3, 9)), 2 * rng.normal(size=(2, 9))  # (n_1, m), (n_L, m)
    w = rng.uniform(0.0, 3.0, size=9)
    report = gradcheck(net, X, Y, alpha=0.3, loss=loss, sample_weight=w)
    assert report.passed(), str(report)
    # and the weights matter: the unweighted gradient differs
    _, g_w = loss_and_grad(net, X, Y, alpha=0.3, loss=loss, sample_weight=w)
    _, g = loss_and_grad(net, X, Y, alpha=0.3, loss=loss)
    assert not np.allclose(g_w.flat, g.flat)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_weighted_cost_and_gradient_equal_duplicated_columns(rng, loss):
    net = Network((3, 4, 2), "tanh", rng=rng, output=LOSSES[loss].output)
    X, Y = rng.normal(size=(3, 6)), np.abs(rng.normal(size=(2, 6)))  # counts-like for poisson
    w = np.array([1.0, 2.0, 0.0, 1.0, 3.0, 1.0])
    J_w, g_w = loss_and_grad(net, X, Y, alpha=0.5, loss=loss, sample_weight=w)
    cols = duplicated(w)
    J_d, g_d = loss_and_grad(net, X[:, cols], Y[:, cols], alpha=0.5, loss=loss)
    np.testing.assert_allclose(J_w, J_d, rtol=1e-12)
    np.testing.assert_allclose(g_w.flat, g_d.flat, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("solver", SOLVERS)
def test_weight_two_is_a_duplicated_row_and_zero_a_dropped_row(rng, solver):
    X, y, w = make_data(rng)
    weighted = DeltapropRegressor(**settings(solver)).fit(X, y, sample_weight=w)
    rows = duplicated(w)
    copied = DeltapropRegressor(**settings(solver)).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.network_.params, copied.network_.params, atol=1e-10)
    np.testing.assert_allclose(weighted.loss_curve_, copied.loss_curve_, rtol=1e-10)
    for name in ("x_mean_", "x_scale_", "y_mean_", "y_scale_"):
        np.testing.assert_allclose(getattr(weighted, name), getattr(copied, name), rtol=1e-12)
    zero = DeltapropRegressor(**settings(solver)).fit(X, y, sample_weight=w)
    dropped = DeltapropRegressor(**settings(solver)).fit(X[w > 0], y[w > 0], w[w > 0])
    np.testing.assert_array_equal(zero.network_.params, dropped.network_.params)


@pytest.mark.parametrize("solver", SOLVERS)
def test_poisson_weight_two_is_a_duplicated_row_from_the_start(rng, solver):
    X, _, w = make_data(rng)
    y = rng.poisson(np.exp(0.5 * X[:, 0] + 0.3), size=len(X)).astype(np.float64)  # counts
    y[[3, 11]] = [9.0, 7.0]  # the doubled rows move the mean count
    weighted = DeltapropRegressor(**settings(solver, loss="poisson", max_iter=1))
    weighted.fit(X, y, sample_weight=w)
    rows = duplicated(w)
    copied = DeltapropRegressor(**settings(solver, loss="poisson", max_iter=1)).fit(
        X[rows], y[rows]
    )
    # the exp output starts at the weighted mean count, b^(L) = log(Σ w_i y_i / Σ w_i)
    np.testing.assert_allclose(weighted.network_.params, copied.network_.params, atol=1e-10)
    np.testing.assert_allclose(weighted.loss_curve_, copied.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_weight_zero_is_a_dropped_row_with_early_stopping_and_shuffles(rng, solver):
    X, y, w = make_data(rng, m=60)
    params = settings(solver, early_stopping=True, batch_size=8, validation_fraction=0.2)
    # zero-weight rows leave before the split, the batches and the scalers
    zero = DeltapropRegressor(**params).fit(X, y, sample_weight=w)
    dropped = DeltapropRegressor(**params).fit(X[w > 0], y[w > 0], sample_weight=w[w > 0])
    np.testing.assert_array_equal(zero.network_.params, dropped.network_.params)
    assert zero.validation_scores_ == dropped.validation_scores_
    assert zero.t_ == dropped.t_


class FixedSplit:
    """A stand-in for the generator whose permutation (the validation split) is given."""

    def __init__(self, perm):
        self.perm = np.asarray(perm)

    def permutation(self, m):
        assert m == len(self.perm)
        return self.perm


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_weight_two_with_early_stopping_when_both_copies_validate(rng, solver):
    """The split draws rows: a row of weight 2 goes whole to one side. With a split that puts
    both copies of the duplicated row on that side, the two runs agree."""
    m = 40
    X, Y = rng.normal(size=(3, m)), rng.normal(size=(1, m))  # (n_1, m), (n_L, m)
    w = np.ones(m)
    w[[3, 20]] = 2.0  # row 3 validates, row 20 trains
    val, tr = list(range(0, 10)), list(range(10, m))
    X_d, Y_d = np.c_[X, X[:, [3, 20]]], np.c_[Y, Y[:, [3, 20]]]  # copies at columns 40, 41
    config = TrainConfig(
        solver=solver, early_stopping=True, validation_fraction=0.25, max_iter=8, alpha=0.1
    )
    runs = []
    for X_, Y_, w_, perm in (
        (X, Y, w, val + tr),
        (X_d, Y_d, None, val + [40] + tr + [41]),  # 11 of 42 validate: ⌈0.25 · 42⌉
    ):
        net = Network((3, 4, 1), "tanh", rng=np.random.default_rng(1))
        history = train(net, X_, Y_, config, rng=FixedSplit(perm), sample_weight=w_)
        runs.append((net.params, history))
    (p_w, h_w), (p_d, h_d) = runs
    np.testing.assert_allclose(p_w, p_d, atol=1e-12)
    np.testing.assert_allclose(h_w.validation_loss_curve, h_d.validation_loss_curve, rtol=1e-10)
    np.testing.assert_allclose(h_w.validation_scores, h_d.validation_scores, rtol=1e-10)


def test_lbfgs_ignores_early_stopping_and_weights_as_duplicates(rng):
    X, y, w = make_data(rng)
    params = settings("lbfgs", early_stopping=True)
    weighted = DeltapropRegressor(**params).fit(X, y, sample_weight=w)
    copied = DeltapropRegressor(**params).fit(X[duplicated(w)], y[duplicated(w)])
    np.testing.assert_allclose(weighted.predict(X), copied.predict(X), atol=1e-8)


def test_weighted_scaler_is_the_duplicated_rows_scaler(rng):
    A = rng.normal(size=(30, 4)) * [1.0, 1e-8, 1e5, 3.0]  # (m, n)
    w = rng.integers(1, 4, size=30).astype(float)
    mean_w, scale_w = scaler(A, True, np.float64, w=w)
    mean_d, scale_d = scaler(A[duplicated(w)], True, np.float64)
    np.testing.assert_allclose(mean_w, mean_d, rtol=1e-12, atol=1e-20)
    np.testing.assert_allclose(scale_w, scale_d, rtol=1e-12)
    np.testing.assert_allclose(mean_w, np.average(A, axis=0, weights=w), rtol=1e-12)


def test_score_with_sample_weight_is_weighted_r2(rng):
    X, y, w = make_data(rng)
    model = DeltapropRegressor(**settings("lbfgs")).fit(X, y)
    expected = r2_score(y, model.predict(X), sample_weight=w)
    assert model.score(X, y, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    rows = duplicated(w)
    assert model.score(X, y, sample_weight=w) == pytest.approx(model.score(X[rows], y[rows]))


def test_unit_weights_give_the_unweighted_fit(rng):
    X, y, _ = make_data(rng, m=100)
    params = settings("adam", early_stopping=True, batch_size=10, tol=1e-2)
    weighted = DeltapropRegressor(**params).fit(X, y, sample_weight=np.ones(len(y)))
    plain = DeltapropRegressor(**params).fit(X, y)
    np.testing.assert_array_equal(weighted.predict(X), plain.predict(X))  # the same path


def test_partial_fit_weights_as_duplicated_rows(rng):
    X, y, w = make_data(rng)
    params = settings("sgd")
    weighted, copied = DeltapropRegressor(**params), DeltapropRegressor(**params)
    for _ in range(5):
        weighted.partial_fit(X, y, sample_weight=w)
        copied.partial_fit(X[duplicated(w)], y[duplicated(w)])
    np.testing.assert_allclose(weighted.network_.params, copied.network_.params, atol=1e-10)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (lambda m: -np.ones(m), "Negative values in data passed to `sample_weight` \\(row 0"),
        (lambda m: np.r_[np.ones(m - 1), np.nan], f"Input sample_weight contains NaN \\(row {39}"),
        (lambda m: np.r_[np.ones(m - 1), np.inf], "contains inf"),
        (lambda m: np.ones(m - 1), "sample_weight.shape == \\(39,\\), expected \\(40,\\)"),
        (lambda m: np.zeros(m), "Sample weights must contain at least one non-zero number"),
        (lambda m: ["a"] * m, "sample_weight has dtype <U1; pass numbers"),
    ],
)
def test_bad_weights_are_data_errors(rng, weights, message):
    X, y, _ = make_data(rng)
    with pytest.raises(DataError, match=message):
        DeltapropRegressor(**settings("adam")).fit(X, y, sample_weight=weights(len(y)))


def test_a_number_is_every_rows_weight(rng):
    X, y, _ = make_data(rng)
    twice = DeltapropRegressor(**settings("gd")).fit(X, y, sample_weight=2.0)
    # every row twice: the data term is the same, the L2 term (α/2Σw) half as strong
    doubled = DeltapropRegressor(**settings("gd")).fit(np.r_[X, X], np.r_[y, y])
    np.testing.assert_allclose(twice.network_.params, doubled.network_.params, atol=1e-12)


def test_dask_input_takes_no_weights(rng):
    da = pytest.importorskip("dask.array")
    X, y, w = make_data(rng)
    with pytest.raises(ConfigError, match="sample_weight are not available for Dask input"):
        DeltapropRegressor().fit(da.from_array(X), da.from_array(y), sample_weight=w)


def test_a_loss_without_per_sample_costs_takes_no_weights():
    bare = Loss("bare", LOSSES["squared"].value, LOSSES["squared"].delta, "r**2/2", "a − y")
    a, y = np.zeros((1, 3)), np.ones((1, 3))
    assert weighted_sum(bare, a, y) == 1.5
    with pytest.raises(ConfigError, match="loss='bare' takes no sample_weight"):
        weighted_sum(bare, a, y, np.ones(3))
