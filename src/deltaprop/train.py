"""Training: mini-batch epochs, early stopping, a divergence guard, history; or L-BFGS.

``train(net, X, Y, config, rng=...)`` fits ``net`` in place on X (n_1, m) and Y (n_L, m), samples
as columns (the core's layout), and returns a ``History``. The loop is a few short helpers:

- ``Batches``: the training data and ONE preallocated buffer; each epoch draws one permutation
  from the explicit ``Generator`` and writes the shuffled samples into the buffer (``np.take``
  with ``out=``); mini-batches are column slices of it (views, no copies).
- ``EpochLoop``: one run's optimizer, schedule, gradient buffer and monitor; ``run`` is the
  epoch loop (train, validate, record, stop).
- ``run_epoch``: forward, J, backward into one reused ``Grad``, optimizer step, per batch.
- ``Monitor``: the no-improvement counter of ``tol``/``n_iter_no_change`` and a snapshot of the
  best parameters (restored after early stopping or Ctrl-C).
- ``check_loss``, ``check_params``: the divergence guard; a non-finite loss or parameter (or a
  floating-point overflow raised by ``np.errstate``) stops training at once with
  ``DivergenceError``.

Same seed, same machine ⇒ bit-identical results: all randomness comes from ``rng``.
"""

import math
import sys
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from tqdm.auto import tqdm

from deltaprop.errors import DataError, DivergenceError
from deltaprop.losses import get_loss
from deltaprop.network import Grad, Workspace, forward, loss_and_grad_unchecked
from deltaprop.optim import make_optimizer, make_schedule
from deltaprop.speed import scipy_blas_single_thread

LBFGS_FTOL = 2.2e-9  # SciPy's default ftol of L-BFGS-B


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; names and meanings as scikit-learn's ``MLPRegressor``."""

    solver: str = "adam"  # "gd", "sgd", "adam" or "lbfgs"
    learning_rate_init: float = 1e-3  # η₀
    learning_rate: str = "constant"  # "constant", "invscaling" or "adaptive"
    power_t: float = 0.5
    alpha: float = 0.0  # L2 strength: J += (α/2m) Σ_l ‖Θ^(l)‖²_F
    loss: str = "squared"
    batch_size: int | None = None  # None: min(200, m); "gd" always uses the full batch
    max_iter: int = 200  # epochs (L-BFGS: iterations)
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int = 10
    early_stopping: bool = False
    validation_fraction: float = 0.1
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    max_fun: int = 15000
    verbose: bool = False


@dataclass
class History:
    """What training did: per-epoch losses, the epoch count, the samples seen."""

    loss_curve: list = field(default_factory=list)  # training J per epoch
    validation_loss_curve: list = field(default_factory=list)  # empty without validation
    best_loss: float = math.inf
    best_validation_loss: float = math.inf
    n_iter: int = 0  # epochs (L-BFGS: iterations)
    t: int = 0  # training samples seen by gradient evaluations
    interrupted: bool = False  # stopped by Ctrl-C

    @property
    def loss(self):
        return self.loss_curve[-1] if self.loss_curve else math.nan


class Batches:
    """Training columns X (n_1, m), Y (n_L, m) and the buffer each epoch is shuffled into."""

    def __init__(self, X, Y, batch_size, shuffle):
        self.X, self.Y, self.m = X, Y, X.shape[1]
        self.batch_size = min(batch_size, self.m)
        self.shuffle = shuffle and self.batch_size < self.m  # a full batch needs no shuffle
        if self.shuffle:  # rows-major buffers, so each column slice below is contiguous
            self._x_rows = np.empty((self.m, X.shape[0]), dtype=X.dtype)  # (m, n_1)
            self._y_rows = np.empty((self.m, Y.shape[0]), dtype=Y.dtype)  # (m, n_L)

    def epoch(self, rng):
        """Yield ``(X_b, Y_b)`` column blocks of one epoch, in a fresh random order."""
        X, Y = self.X, self.Y
        if self.shuffle:
            perm = rng.permutation(self.m)  # one shuffle per epoch
            np.take(X.T, perm, axis=0, out=self._x_rows, mode="clip")
            np.take(Y.T, perm, axis=0, out=self._y_rows, mode="clip")
            X, Y = self._x_rows.T, self._y_rows.T  # (n_1, m), (n_L, m) views
        for start in range(0, self.m, self.batch_size):
            stop = start + self.batch_size
            yield X[:, start:stop], Y[:, start:stop]

    def loss_and_grad(self, net, X_b, Y_b, alpha, loss, grad, workspaces):
        """J of a batch from ``epoch``, ∇J into ``grad`` (``distributed.DaskBatches`` sums it)."""
        ws = workspace_for(workspaces, net, X_b.shape[1])
        return loss_and_grad_unchecked(net, X_b, Y_b, alpha, loss, grad, ws)[0]


class Monitor:
    """Counts epochs without a ``tol`` improvement and keeps the best parameters seen."""

    def __init__(self, params, tol):
        self.tol, self.best, self.count = tol, math.inf, 0
        self.best_params = params.copy()

    def update(self, value, params):
        """Record this epoch's monitored loss; return the epochs since the last improvement."""
        self.count = self.count + 1 if value > self.best - self.tol else 0
        if value < self.best:
            self.best = value
            self.best_params[...] = params
        return self.count


def check_loss(J, epoch, config):
    """The divergence guard on J: ``DivergenceError`` at once if it is inf or nan."""
    if not math.isfinite(J):
        raise DivergenceError(divergence_message(epoch, f"loss is {J}", config))


def check_params(params, epoch, config):
    """The divergence guard on Θ: ``DivergenceError`` if a parameter is inf or nan."""
    if not np.isfinite(params).all():
        raise DivergenceError(divergence_message(epoch, "a parameter is not finite", config))


def divergence_message(epoch, what, config):
    if config.solver == "lbfgs":
        return (
            f"training diverged at iteration {epoch} ({what}) with solver='lbfgs'; "
            "standardize the data, increase alpha or use solver='adam'"
        )
    eta0 = config.learning_rate_init
    return (
        f"training diverged at epoch {epoch} ({what}) with learning_rate_init={eta0:g}; "
        f"lower the learning rate (try {eta0 / 10:g}) or use solver='lbfgs'"
    )


def workspace_for(workspaces, net, m):
    """The ``Workspace`` for batches of m columns from ``workspaces`` (made on first use)."""
    if m not in workspaces:
        workspaces[m] = Workspace(net, m)
    return workspaces[m]


def batch_step(batches, net, X_b, Y_b, grad, optimizer, config, loss, workspaces):
    """One update on the columns X_b (n_1, b), Y_b (n_L, b); returns J of the batch before it.

    ``workspaces`` (a dict by batch size) holds the preallocated z, a, δ buffers that the
    step writes into, so it allocates no array of batch size.
    """
    J = batches.loss_and_grad(net, X_b, Y_b, config.alpha, loss, grad, workspaces)  # ∇J → grad
    optimizer.step(net.params, grad.flat)
    return J


def run_epoch(net, batches, grad, optimizer, schedule, config, rng, workspaces, epoch):
    """One pass over the training columns; returns the sample-weighted mean batch J."""
    loss, total = get_loss(config.loss), 0.0
    try:
        for X_b, Y_b in batches.epoch(rng):
            J = batch_step(batches, net, X_b, Y_b, grad, optimizer, config, loss, workspaces)
            check_loss(J, epoch, config)
            schedule.after_step(optimizer)
            total += J * X_b.shape[1]
    except FloatingPointError as err:  # np.errstate(over="raise"): an overflow is a divergence
        raise DivergenceError(divergence_message(epoch, f"{err}", config)) from None
    check_params(net.params, epoch, config)
    return total / batches.m


def validation_loss(net, X_val, Y_val, config):
    """The data term of J on the validation columns (no penalty)."""
    a_L = forward(net, X_val).a[net.L]  # (n_L, m_val)
    return get_loss(config.loss).value(a_L, Y_val) / X_val.shape[1]


def split_validation(X, Y, fraction, rng):
    """Draw ⌈fraction·m⌉ columns for validation with ``rng``; return (X, Y, X_val, Y_val)."""
    m = X.shape[1]
    m_val = math.ceil(fraction * m)
    if m - m_val < 1:
        raise DataError(
            f"too few rows for the validation split: {m} rows with validation_fraction="
            f"{fraction:g} leave {m - m_val} for training; provide more rows or set "
            "early_stopping=False"
        )
    perm = rng.permutation(m)
    val, tr = perm[:m_val], perm[m_val:]
    # rows of X.T, so each part is again (n, m') with contiguous columns, like X
    return X.T[tr].T, Y.T[tr].T, X.T[val].T, Y.T[val].T


def train(net, X, Y, config=TrainConfig(), *, rng, callback=None):
    """Fit ``net`` in place on X (n_1, m) and Y (n_L, m); return the ``History``.

    ``rng`` (a ``numpy.random.Generator``) draws the validation split and the shuffles.
    Floating-point overflow and invalid operations raise inside training whatever the caller's
    ``np.errstate``, so a diverging run stops at once with no ``RuntimeWarning``.
    ``callback(net, history)`` runs after each epoch (L-BFGS: iteration). Ctrl-C
    (``KeyboardInterrupt``) stops training and keeps the best parameters so far
    (``history.interrupted``). A non-finite loss or parameter raises ``DivergenceError``.
    """
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # overflow = divergence
        if config.solver == "lbfgs":
            return train_lbfgs(net, X, Y, config, callback)
        return train_epochs(net, X, Y, config, rng, callback)


def train_epochs(net, X, Y, config, rng, callback, batches=None):
    """The mini-batch (or full-batch "gd") epochs of ``train``.

    ``batches`` replaces ``Batches(X, Y, …)`` (``distributed.DaskBatches``; no validation split).
    """
    validation = (None, None)
    if config.early_stopping:
        X, Y, *validation = split_validation(X, Y, config.validation_fraction, rng)
    loop = EpochLoop(net, X, Y, validation, config, batches)
    bar = tqdm(
        total=config.max_iter,
        disable=None if config.verbose else True,
        file=sys.stderr,
        unit="epoch",
        desc="training",
    )
    try:
        with bar:
            loop.run(rng, bar, callback)
    except KeyboardInterrupt:
        loop.history.interrupted = True
    if config.early_stopping or loop.history.interrupted:
        net.params[...] = loop.monitor.best_params
    return loop.history


class EpochLoop:
    """One run of a step rule: its data, optimizer, schedule, gradient buffer and monitor."""

    def __init__(self, net, X, Y, validation, config, batches=None):
        self.net, self.config, self.history = net, config, History()
        if batches is None:
            batches = Batches(X, Y, batch_size_for(config, X.shape[1]), config.shuffle)
        self.batches = batches
        self.X_val, self.Y_val = validation  # (n_1, m_val), (n_L, m_val) or None
        self.optimizer = make_optimizer(
            config.solver,
            config.learning_rate_init,
            momentum=config.momentum,
            nesterov=config.nesterovs_momentum,
            beta_1=config.beta_1,
            beta_2=config.beta_2,
            epsilon=config.epsilon,
        )
        self.schedule = make_schedule(
            config.learning_rate, config.learning_rate_init, config.power_t
        )
        self.grad = Grad.zeros_like(net)  # ∇J, reused by every step
        self.workspaces = {}  # z, a, δ buffers by batch size, reused by every step
        self.monitor = Monitor(net.params, config.tol)

    def run(self, rng, bar, callback):
        """Epochs until max_iter or a plateau (where "adaptive" lowers η instead of stopping)."""
        net, config, history = self.net, self.config, self.history
        for epoch in range(1, config.max_iter + 1):
            J = run_epoch(
                net,
                self.batches,
                self.grad,
                self.optimizer,
                self.schedule,
                config,
                rng,
                self.workspaces,
                epoch,
            )
            record(history, J, self.batches.m)
            monitored = J if self.X_val is None else self.validate()
            show_progress(bar, history)
            plateau = self.monitor.update(monitored, net.params) > config.n_iter_no_change
            if callback is not None:
                callback(net, history)
            if plateau:
                if self.schedule.on_plateau(self.optimizer):
                    break
                self.monitor.count = 0

    def validate(self):
        J_val = validation_loss(self.net, self.X_val, self.Y_val, self.config)
        self.history.validation_loss_curve.append(J_val)
        self.history.best_validation_loss = min(self.history.best_validation_loss, J_val)
        return J_val


def batch_size_for(config, m):
    """The batch size of ``config`` for m training columns ("gd": the full batch)."""
    return m if config.solver == "gd" else (config.batch_size or min(200, m))


def record(history, J, m):
    history.loss_curve.append(J)
    history.best_loss = min(history.best_loss, J)
    history.n_iter += 1
    history.t += m


def show_progress(bar, history):
    if bar.disable:
        return
    postfix = {"loss": f"{history.loss:.4g}"}
    if history.validation_loss_curve:
        postfix["val_loss"] = f"{history.validation_loss_curve[-1]:.4g}"
    bar.set_postfix(postfix, refresh=False)
    bar.update()


def train_lbfgs(net, X, Y, config, callback=None):
    """Minimize J with SciPy's L-BFGS-B on the flat parameter vector itself."""
    loss, grad, ws = get_loss(config.loss), Grad.zeros_like(net), Workspace(net, X.shape[1])

    def loss_and_grad_flat(theta):  # θ (P,) -> (J, ∇J (P,))
        net.params[...] = theta
        J, _ = loss_and_grad_unchecked(net, X, Y, config.alpha, loss, grad, ws)
        return J, grad.flat

    return minimize_lbfgs(net, loss_and_grad_flat, X.shape[1], config, callback)


def minimize_lbfgs(net, loss_and_grad_flat, m, config, callback=None):
    """SciPy's L-BFGS-B from ``net.params`` on ``loss_and_grad_flat(θ) -> (J, ∇J)`` over m samples.

    The J and ∇J may come from anywhere (in memory, or summed over a Dask cluster by
    ``deltaprop.distributed``); ``net.params`` ends at the minimizer. Returns the ``History``.
    """
    history, best = History(), Monitor(net.params, 0.0)

    def fun(theta):  # θ (P,) float64 -> (J, ∇J)
        try:
            J, g = loss_and_grad_flat(theta)
        except FloatingPointError as err:
            msg = divergence_message(history.n_iter + 1, f"{err}", config)
            raise DivergenceError(msg) from None
        check_loss(J, history.n_iter + 1, config)
        history.t += m
        return J, g.astype(np.float64)

    def on_iteration(intermediate_result):
        record(history, float(intermediate_result.fun), 0)
        best.update(history.loss, intermediate_result.x)
        if callback is not None:
            callback(net, history)

    # tol bounds the projected gradient (as scikit-learn) and, below SciPy's default, the
    # relative decrease of J between iterations
    options = {
        "maxiter": config.max_iter,
        "maxfun": config.max_fun,
        "gtol": config.tol,
        "ftol": min(LBFGS_FTOL, config.tol),
    }
    try:
        with scipy_blas_single_thread():  # its idle threads would steal NumPy's BLAS cores
            result = minimize(
                fun,
                net.params.astype(np.float64),
                jac=True,
                method="L-BFGS-B",
                callback=on_iteration,
                options=options,
            )
        net.params[...] = result.x
    except KeyboardInterrupt:
        history.interrupted = True
        net.params[...] = best.best_params
    check_params(net.params, history.n_iter, config)
    return history
