"""The training loop: convergence to closed forms, determinism, stopping, divergence, Ctrl-C."""

import io

import numpy as np
import pytest

from deltaprop import ConfigError, DataError, DivergenceError, Network
from deltaprop.train import TrainConfig, train
from deltaprop.trainingdata import Batches


def linear_data(rng, n=3, k=1, m=80, noise=0.1):
    """Columns X (n, m), Y (k, m) with Y = W X + c + noise."""
    X = rng.standard_normal((n, m))
    W, c = rng.standard_normal((k, n)), rng.standard_normal((k, 1))
    return X, W @ X + c + noise * rng.standard_normal((k, m))


def ridge(X, Y, alpha):
    """min (1/2m)‖ΘX + b − Y‖² + (α/2m)‖Θ‖²: centre, solve (XcXcᵀ + αI)Θᵀ = Xc Ycᵀ, b = ȳ − Θx̄.

    The bias is not penalized, so centring removes it; with α = 0 this is ``lstsq``.
    """
    x_bar, y_bar = X.mean(axis=1, keepdims=True), Y.mean(axis=1, keepdims=True)
    Xc, Yc = X - x_bar, Y - y_bar
    theta = np.linalg.solve(Xc @ Xc.T + alpha * np.eye(X.shape[0]), Xc @ Yc.T).T  # (k, n)
    return theta, (y_bar - theta @ x_bar).ravel()


@pytest.mark.parametrize("k", [1, 2])
def test_no_hidden_layer_converges_to_lstsq(rng, k):
    X, Y = linear_data(rng, k=k)
    net = Network((3, k), "tanh", rng=rng)  # no hidden layer: a^(2) = Θ^(1) x + b^(2)
    train(net, X, Y, TrainConfig(solver="lbfgs", max_iter=500, tol=1e-12), rng=rng)
    A = np.vstack([X, np.ones((1, X.shape[1]))]).T  # (m, n + 1): [x, 1] rows
    coef, *_ = np.linalg.lstsq(A, Y.T, rcond=None)  # (n + 1, k)
    np.testing.assert_allclose(net.theta[1], coef[:3].T, rtol=0, atol=1e-8)
    np.testing.assert_allclose(net.b[2], coef[3], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ridge(X, Y, 0.0)[0], coef[:3].T, atol=1e-12)  # the reference


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_no_hidden_layer_with_alpha_converges_to_ridge(rng, solver):
    X, Y = linear_data(rng, k=2)
    alpha = 5.0  # J = (1/2m)‖ΘX + b − Y‖² + (α/2m)‖Θ‖²: weights only, not the bias
    config = TrainConfig(solver=solver, alpha=alpha, max_iter=3000, tol=0.0, learning_rate_init=0.5)
    net = Network((3, 2), "tanh", rng=rng)
    train(net, X, Y, config, rng=rng)
    theta, b = ridge(X, Y, alpha)
    np.testing.assert_allclose(net.theta[1], theta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(net.b[2], b, rtol=0, atol=1e-8)


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "lbfgs"])
def test_loss_decreases(rng, solver):
    X = rng.uniform(-2, 2, size=(2, 120))
    Y = np.sin(X[:1]) * X[1:]  # (1, m) a nonlinear target
    net = Network((2, 16, 1), "tanh", rng=rng)
    J_0 = net.loss_and_grad(X, Y)[0]
    eta = 0.2 if solver == "gd" else 0.05  # (0.5 overshoots for some starts)
    config = TrainConfig(solver=solver, learning_rate_init=eta, batch_size=32, max_iter=100)
    history = train(net, X, Y, config, rng=rng)
    J_end = net.loss_and_grad(X, Y)[0]
    assert J_end < 0.3 * J_0
    assert history.loss_curve[-1] < history.loss_curve[0]
    assert history.n_iter == len(history.loss_curve) > 0


def fit_once(seed, **settings):
    rng = np.random.default_rng(seed)
    X, Y = linear_data(rng, k=2)
    net = Network((3, 8, 2), "relu", rng=rng)
    config = TrainConfig(batch_size=16, max_iter=20, early_stopping=True, **settings)
    return net, train(net, X, Y, config, rng=rng)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_same_seed_same_fit_bit_for_bit(solver):
    (net_a, hist_a), (net_b, hist_b) = fit_once(7, solver=solver), fit_once(7, solver=solver)
    np.testing.assert_array_equal(net_a.params, net_b.params)
    assert hist_a.loss_curve == hist_b.loss_curve
    assert hist_a.validation_loss_curve == hist_b.validation_loss_curve
    net_c, _ = fit_once(8, solver=solver)
    assert not np.array_equal(net_a.params, net_c.params)


def test_batches_are_slices_of_one_shuffled_buffer(rng):
    X, Y = np.arange(12.0).reshape(2, 6), np.arange(6.0)[None, :] * 10  # columns i ↦ (i, 6+i)
    batches = Batches(X, Y, batch_size=4, shuffle=True)
    blocks = list(batches.epoch(rng))
    assert [b.shape for b, _ in blocks] == [(2, 4), (2, 2)]
    X_e = np.hstack([b for b, _ in blocks])
    Y_e = np.hstack([y for _, y in blocks])
    order = X_e[0].astype(int)
    assert sorted(order) == list(range(6)) and order.tolist() != list(range(6))
    np.testing.assert_array_equal(X_e[1], order + 6)  # the columns stay whole
    np.testing.assert_array_equal(Y_e[0], order * 10)  # and X, Y stay paired
    for X_b, _ in blocks:
        assert X_b.flags.f_contiguous and np.shares_memory(X_b, batches._x_rows)


@pytest.mark.parametrize("batch_size", [6, 4])
def test_batches_in_order_are_c_ordered_columns_of_the_same_values(rng, batch_size):
    rows = rng.normal(size=(6, 3))  # the estimator passes the columns as a view of its rows
    batches = Batches(rows.T, np.arange(6.0)[None, :], batch_size=batch_size, shuffle=False)
    blocks = [X_b for X_b, _ in batches.epoch(rng)]
    np.testing.assert_array_equal(np.hstack(blocks), rows.T)
    assert batches.X.flags.c_contiguous and not np.shares_memory(batches.X, rows)


def test_mean_of_batch_gradients_equals_full_gradient(rng):
    """Batch splitting changes nothing but the summation order: within 1e-12."""
    X, Y = linear_data(rng, k=2, m=96)
    net = Network((3, 8, 2), "tanh", rng=rng)
    _, full = net.loss_and_grad(X, Y)
    parts = [
        net.loss_and_grad(X[:, i : i + 32], Y[:, i : i + 32])[1].flat.copy()
        for i in range(0, 96, 32)
    ]
    np.testing.assert_allclose(np.mean(parts, axis=0), full.flat, rtol=0, atol=1e-12)


def test_float32_training_stays_float32(rng):
    X, Y = linear_data(rng, k=2)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    net = Network((3, 8, 2), "tanh", rng=rng, dtype=np.float32)
    for solver in ("adam", "sgd", "lbfgs"):
        history = train(net, X, Y, TrainConfig(solver=solver, max_iter=5), rng=rng)
        assert net.params.dtype == np.float32 and np.isfinite(history.loss)
    assert net.predict(X).dtype == np.float32


def test_early_stopping_restores_the_best_weights(rng):
    X, Y = linear_data(rng, m=60, noise=1.0)
    net = Network((3, 32, 1), "relu", rng=rng)
    snapshots = []
    config = TrainConfig(
        solver="adam",
        learning_rate_init=0.05,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=5,
        max_iter=300,
    )
    history = train(
        net, X, Y, config, rng=rng, callback=lambda net, h: snapshots.append(net.params.copy())
    )
    best = int(np.argmin(history.validation_loss_curve))
    assert len(history.validation_loss_curve) == len(history.loss_curve) == history.n_iter
    assert best < history.n_iter - 1  # it stopped after the best epoch …
    np.testing.assert_array_equal(net.params, snapshots[best])  # … and went back to it
    assert history.best_validation_loss == history.validation_loss_curve[best]


def test_tol_stops_after_n_iter_no_change(rng):
    X, Y = linear_data(rng)
    net = Network((3, 4, 1), "tanh", rng=rng)
    history = train(net, X, Y, TrainConfig(tol=1e9, n_iter_no_change=3), rng=rng)
    # epoch 1 sets the best; epochs 2..5 count 1..4 without a 1e9 improvement; 4 > 3 stops
    assert history.n_iter == 5 and history.validation_loss_curve == []


def test_adaptive_learning_rate_divides_by_five_on_each_plateau(rng):
    X, Y = linear_data(rng)
    net = Network((3, 4, 1), "tanh", rng=rng)
    config = TrainConfig(tol=1e9, n_iter_no_change=2, learning_rate="adaptive")
    history = train(net, X, Y, config, rng=rng)
    # plateaus after 4 epochs, then every 3: η = 1e-3 → 2e-4 → 4e-5 → 8e-6 → 1.6e-6 → 3.2e-7,
    # and at the 6th plateau η ≤ 1e-6 stops: 4 + 5·3 = 19 epochs
    assert history.n_iter == 19


def test_validation_split_needs_rows(rng):
    net = Network((3, 2, 1), "tanh", rng=rng)
    config = TrainConfig(early_stopping=True, validation_fraction=0.5)
    with pytest.raises(
        DataError,
        match=r"too few rows for the validation split: 1 rows with "
        r"validation_fraction=0.5 leave 0 for training",
    ):
        train(net, np.ones((3, 1)), np.ones((1, 1)), config, rng=rng)


def diverging_run(rng, eta=1e3):
    """SGD with one sample per step and a huge η: J overflows within the first epoch."""
    X, Y = linear_data(rng, m=40)
    net = Network((3, 8, 1), "identity", rng=rng)
    config = TrainConfig(solver="sgd", learning_rate_init=eta, batch_size=1, max_iter=200)
    return net, X, Y, config


def test_divergence_raises_when_numpy_overflow_raises(rng):
    net, X, Y, config = diverging_run(rng)  # the fixture makes numpy overflow raise
    with pytest.raises(
        DivergenceError,
        match=r"^training diverged at epoch 1 \(overflow .*\) "
        r"with learning_rate_init=1000; lower the learning rate \(try 100\) or use "
        r"solver='lbfgs'$",
    ):
        train(net, X, Y, config, rng=rng)


def test_divergence_raises_without_warnings_under_default_errstate(rng):
    net, X, Y, config = diverging_run(rng)  # pytest turns any RuntimeWarning into an error
    with (
        np.errstate(all="warn"),
        pytest.raises(
            DivergenceError,
            match=r"^training diverged at epoch 1 \(overflow .*\) with "
            r"learning_rate_init=1000; lower",
        ),
    ):
        train(net, X, Y, config, rng=rng)


def test_non_finite_parameter_is_a_divergence_before_the_first_epoch(rng):
    net, X, Y, config = diverging_run(rng)
    net.params[0] = np.inf  # e.g. set by hand before training
    with pytest.raises(
        DivergenceError,
        match=r"^training cannot start \(Solver produced non-finite parameter weights\); "
        r"check the initial parameters",
    ):
        train(net, X, Y, config, rng=rng)


def test_ctrl_c_keeps_the_best_weights_so_far(rng):
    X, Y = linear_data(rng)
    net = Network((3, 8, 1), "tanh", rng=rng)
    snapshots = []

    def interrupt_at_epoch_4(net, history):
        snapshots.append(net.params.copy())
        if history.n_iter == 4:
            net.params[...] = np.nan  # whatever happens mid-epoch is discarded
            raise KeyboardInterrupt

    history = train(
        net, X, Y, TrainConfig(learning_rate_init=0.01), rng=rng, callback=interrupt_at_epoch_4
    )
    assert history.interrupted and history.n_iter == 4
    best = int(np.argmin(history.loss_curve))
    np.testing.assert_array_equal(net.params, snapshots[best])


def test_ctrl_c_during_lbfgs(rng):
    X, Y = linear_data(rng)
    net = Network((3, 8, 1), "tanh", rng=rng)

    def interrupt(net, history):
        if history.n_iter == 3:
            raise KeyboardInterrupt

    history = train(net, X, Y, TrainConfig(solver="lbfgs"), rng=rng, callback=interrupt)
    assert history.interrupted and history.n_iter == 3
    assert net.loss_and_grad(X, Y)[0] == pytest.approx(min(history.loss_curve), rel=1e-12)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(rng, monkeypatch, capsys):
    X, Y = linear_data(rng)
    net = Network((3, 4, 1), "tanh", rng=rng)
    config = TrainConfig(max_iter=3, verbose=True, early_stopping=True)
    train(net, X, Y, config, rng=rng)
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    train(net, X, Y, config, rng=rng)
    assert "loss=" in terminal.getvalue() and "val_loss=" in terminal.getvalue()


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"solver": "sdg"}, r"^solver='sdg' is not known; use one of: gd, sgd, adam, lbfgs$"),
        ({"learning_rate": "cyclic"}, r"^learning_rate='cyclic' is not known; use one of: "),
        ({"loss": "l1"}, r"^loss='l1' is not known; use one of: squared, huber, poisson$"),
        ({"learning_rate_init": "0.1"}, r"^learning_rate_init='0.1' must be a number > 0$"),
        ({"max_iter": 0}, r"^max_iter=0 must be an integer >= 1$"),
        ({"batch_size": 2.0}, r"^batch_size=2.0 must be 'auto' or an integer >= 1$"),
        ({"early_stopping": "no"}, r"^early_stopping='no' must be True or False$"),
        ({"beta_1": 1.0}, r"^beta_1=1.0 must be a number in \[0, 1\)$"),
    ],
)
def test_train_config_validates_itself(settings, match):
    """A typo never falls back silently to a default (it trained with Adam, constant η)."""
    with pytest.raises(ConfigError, match=match):
        TrainConfig(**settings)


def test_train_config_normalizes_its_fields():
    config = TrainConfig(learning_rate_init=1, max_iter=np.int64(5), shuffle=np.bool_(False))
    assert config.learning_rate_init == 1.0 and type(config.learning_rate_init) is float
    assert type(config.max_iter) is int and config.shuffle is False


def test_lbfgs_progress_bar_counts_iterations_with_the_loss(rng, monkeypatch):
    X, Y = linear_data(rng)
    net = Network((3, 4, 1), "tanh", rng=rng)
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    history = train(net, X, Y, TrainConfig(solver="lbfgs", max_iter=5, verbose=True), rng=rng)
    text = terminal.getvalue()
    assert f"{history.n_iter}/5" in text and "iteration" in text and "loss=" in text
