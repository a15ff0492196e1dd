"""Training: mini-batch epochs, early stopping, a divergence guard, history; or L-BFGS.

``train(net, X, Y, config, rng=...)`` fits ``net`` in place on X (n_1, m) and Y (n_L, m), samples
as columns (the core's layout), and returns a ``History``. The loop is a few short helpers:

- ``Batches``: the training data and ONE preallocated buffer; each epoch draws one permutation
  from the explicit ``Generator`` and writes the shuffled samples into the buffer (``np.take``
  with ``out=``); mini-batches are column slices of it (views, no copies). A sparse X (the
  transpose of a CSR matrix) is shuffled as CSR rows, a copy of its nonzeros, never densified.
- ``EpochLoop``: one run's optimizer, schedule, gradient buffer and monitor; ``run`` is the
  epoch loop (train, validate, record, stop).
- ``run_epoch``: forward, J, backward into one reused ``Grad``, optimizer step, per batch.
- ``Monitor``: the no-improvement counter of ``tol``/``n_iter_no_change`` and a snapshot of the
  best parameters (restored after early stopping or Ctrl-C).
- ``Guard``: the divergence guard (rule below).

The divergence rule. Training stops at once with ``DivergenceError`` when, in any solver, in
the training or the validation pass,

- a loss or a parameter is not finite, or a floating-point overflow or invalid operation
  occurs (``np.errstate`` raises inside training), or
- a monitored loss (the epoch's mean training J, the validation J, or J at an accepted L-BFGS
  iterate) exceeds ``GROWTH`` = 1000 times its reference: the larger of its starting value (J
  of the initial network on the first batch, or on the validation columns) and the loss of the
  trivial model that predicts the mean of the training targets. A healthy run starts at most
  a few times above the trivial model and goes down; a run that ends 1000 times above where it
  started has left the region where the loss means anything (with tanh nothing overflows, the
  output weights just grow without bound), so no healthy run is stopped by it
  (``tests/test_train.py`` checks the benchmark workloads and the bundled data with every
  solver's default learning rate).

After training, ``History`` records why it stopped (``stop_reason``), the data term of J at
the final parameters on the training columns (``final_loss``) and that of the trivial model
(``trivial_loss``); ``DeltapropRegressor`` warns when the first exceeds the second.

Same seed, same machine ⇒ bit-identical results: all randomness comes from ``rng``.
"""

import contextlib
import copy
import math
import sys
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from sklearn.metrics import r2_score
from tqdm.auto import tqdm

from deltaprop import equations as eq
from deltaprop.config import TrainConfig
from deltaprop.errors import DataError, DivergenceError
from deltaprop.losses import get_loss, weight_total, weighted_sum
from deltaprop.network import Grad, Workspace, forward, loss_and_grad_unchecked
from deltaprop.optim import make_optimizer, make_schedule
from deltaprop.speed import blas_threads_held, scipy_blas_single_thread
from deltaprop.weights import check_sample_weight

LBFGS_FTOL = 2.2e-9  # SciPy's default ftol of L-BFGS-B
DEFAULT_CONFIG = TrainConfig()  # frozen


STOP_REASONS = ("converged", "early_stopping", "max_iter", "max_fun", "no_progress", "interrupted")


@dataclass
class History:
    """What training did: per-epoch losses, the epoch count, the samples seen, why it stopped."""

    loss_curve: list = field(default_factory=list)  # training J per epoch
    validation_loss_curve: list = field(default_factory=list)  # empty without validation
    validation_scores: list = field(default_factory=list)  # R² per epoch, with validation
    best_loss: float = math.inf
    best_validation_loss: float = math.inf
    n_iter: int = 0  # epochs (L-BFGS: iterations)
    t: int = 0  # training samples seen by gradient evaluations
    interrupted: bool = False  # stopped by Ctrl-C
    stop_reason: str | None = None  # one of STOP_REASONS; None before training
    final_loss: float = math.nan  # data term of J at the final parameters (training columns)
    trivial_loss: float = math.nan  # the same for the model that predicts the mean of Y

    @property
    def loss(self):
        return self.loss_curve[-1] if self.loss_curve else math.nan

    def begin(self):
        """Start one more run on this record: its own epoch count and stop reason; the curves,
        the best losses and ``t`` go on (scikit-learn's ``n_iter_`` counts one ``fit``)."""
        self.n_iter, self.interrupted, self.stop_reason = 0, False, None


STEP_SETTINGS = (  # what the step rule and the schedule are made from
    "solver",
    "learning_rate_init",
    "learning_rate",
    "power_t",
    "momentum",
    "nesterovs_momentum",
    "beta_1",
    "beta_2",
    "epsilon",
)


@dataclass
class TrainState:
    """Where a warm-started ``train`` (``warm_start``, ``partial_fit``) goes on from.

    ``train`` fills it in place. A later run with the same step settings (``STEP_SETTINGS``)
    keeps the step rule as it is (Adam's moments m and v, SGD's velocity, the step count t,
    η as the schedule left it); other settings make a new one, as scikit-learn makes a new
    optimizer at every ``fit``. The monitor (the best monitored loss, the epochs without
    improvement, the best parameters) goes on while it watches the same loss (training or
    validation). L-BFGS keeps no state: SciPy starts a new memory from the current weights.
    """

    history: History = field(default_factory=History)  # cumulative curves and t
    optimizer: object = None  # the step rule (``optim``), with its moments and step count
    schedule: object = None  # the learning-rate schedule
    settings: tuple | None = None  # the STEP_SETTINGS values they were made with
    monitor: "Monitor | None" = None
    watch: bool | None = None  # what the monitor watches: True the validation loss
    rng: np.random.Generator | None = None  # the shuffles' generator, as the last run left it
    split_rng: np.random.Generator | None = None  # as it was before the validation split

    def step_rule(self, config, steps):
        """The optimizer and schedule for ``config``: the kept ones when its step settings are
        those they were made with, else new ones (``steps``: planned updates, for Adam)."""
        settings = tuple(getattr(config, name) for name in STEP_SETTINGS)
        if self.optimizer is None or settings != self.settings:
            self.optimizer = make_optimizer(
                config.solver,
                config.learning_rate_init,
                momentum=config.momentum,
                nesterov=config.nesterovs_momentum,
                beta_1=config.beta_1,
                beta_2=config.beta_2,
                epsilon=config.epsilon,
                steps=steps,
            )
            self.schedule = make_schedule(
                config.learning_rate, config.learning_rate_init, config.power_t
            )
            self.settings = settings
        return self.optimizer, self.schedule

    def monitor_for(self, params, config, validating):
        """The monitor, kept while it watches the same loss; ``tol`` from ``config``."""
        if self.monitor is None or self.watch != validating:
            self.monitor, self.watch = Monitor(params, config.tol), validating
        self.monitor.tol = config.tol
        return self.monitor

    def split_generator(self, rng):
        """The generator of the validation split: a copy of the one the first split came from,
        so that every run on the same rows validates on the same rows; ``rng`` the first time."""
        if self.split_rng is None:
            self.split_rng = copy.deepcopy(rng)
            return rng
        return copy.deepcopy(self.split_rng)


class Batches:
    """Training columns X (n_1, m), Y (n_L, m), their sample weights w (m,) or None, and the
    buffers each epoch is shuffled into."""

    def __init__(self, X, Y, batch_size, shuffle, w=None):
        self.X, self.Y, self.w, self.m = X, Y, w, X.shape[1]
        self.batch_size = min(batch_size, self.m)
        self.shuffle = shuffle and self.batch_size < self.m  # a full batch needs no shuffle
        if self.shuffle:  # rows-major buffers, so each column slice below is contiguous
            if not sparse.issparse(X):
                self._x_rows = np.empty((self.m, X.shape[0]), dtype=X.dtype)  # (m, n_1)
            self._y_rows = np.empty((self.m, Y.shape[0]), dtype=Y.dtype)  # (m, n_L)
            self._w = None if w is None else np.empty_like(w)  # (m,)

    def epoch(self, rng):
        """Yield ``(X_b, Y_b)`` column blocks of one epoch, in a fresh random order; with
        sample weights ``(X_b, Y_b, w_b)``."""
        X, Y, w = self.X, self.Y, self.w
        if self.shuffle:
            perm = rng.permutation(self.m)  # one shuffle per epoch
            if sparse.issparse(X):
                X = X.T[perm].T  # (n_1, m): the rows of a CSR X.T, permuted (nonzeros copied)
            else:
                X = np.take(X.T, perm, axis=0, out=self._x_rows, mode="clip").T  # (n_1, m)
            Y = np.take(Y.T, perm, axis=0, out=self._y_rows, mode="clip").T  # (n_L, m)
            w = None if w is None else np.take(w, perm, out=self._w, mode="clip")  # (m,)
        for start in range(0, self.m, self.batch_size):
            stop = start + self.batch_size
            if w is None:
                yield X[:, start:stop], Y[:, start:stop]
            else:
                yield X[:, start:stop], Y[:, start:stop], w[start:stop]

    def start_losses(self, net, config):
        """The divergence guard's starting values: J of ``net`` on the first batch and the
        trivial model's loss (``distributed.DaskBatches`` computes them on the workers)."""
        J_0 = initial_cost(net, self.X, self.Y, config, self.batch_size)
        y_bar = self.Y.mean(axis=1, keepdims=True)  # (n_L, 1)
        return J_0, trivial_loss(self.Y, y_bar, get_loss(config.loss))


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


GROWTH = 1e3  # divergence: a loss above GROWTH × its reference (module docstring)


class Guard:
    """The divergence guard of one monitored loss (the rule is in the module docstring)."""

    def __init__(self, config, what="loss"):
        self.config, self.what, self.reference = config, what, math.inf

    def start(self, J_start, J_trivial):
        """Set the reference: the larger of the starting loss and the trivial model's."""
        self.reference = max(J_start, J_trivial)
        self.check(J_start, 0)

    def check(self, J, epoch):
        """``DivergenceError`` if J is not finite or above ``GROWTH`` × the reference."""
        if not math.isfinite(J):
            raise DivergenceError(divergence_message(epoch, f"{self.what} is {J}", self.config))
        if J > GROWTH * self.reference:
            what = (
                f"{self.what} {J:.3g} grew beyond {GROWTH:g}× its starting value "
                f"{self.reference:.3g}"
            )
            raise DivergenceError(divergence_message(epoch, what, self.config))


def check_loss(J, epoch, config):
    """The divergence guard on one batch's J: ``DivergenceError`` at once if it is inf or nan."""
    if not math.isfinite(J):
        raise DivergenceError(divergence_message(epoch, f"loss is {J}", config))


def check_params(params, epoch, config):
    """The divergence guard on Θ: ``DivergenceError`` if a parameter is inf or nan."""
    if not np.isfinite(params).all():
        what = "Solver produced non-finite parameter weights"  # scikit-learn's words
        raise DivergenceError(divergence_message(epoch, what, config))


@contextlib.contextmanager
def overflow_is_divergence(epoch, config):
    """Turn a ``FloatingPointError`` (``np.errstate`` raising) into ``DivergenceError``."""
    try:
        yield
    except FloatingPointError as err:
        raise DivergenceError(divergence_message(epoch, f"{err}", config)) from None


def divergence_message(epoch, what, config):
    if epoch == 0:  # the initial network on the data, before any step
        return (
            f"training cannot start ({what}); check the initial parameters and the data for "
            "huge values, or standardize the data"
        )
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


def outputs(net, X, chunk=4096):
    """a^(L) for the columns of X (n_1, m), forward in column chunks (the hidden a^(l) of one
    chunk at a time): (n_L, m)."""
    starts = range(0, X.shape[1], chunk)
    return np.concatenate([forward(net, X[:, s : s + chunk]).a[net.L] for s in starts], axis=1)


def data_loss(net, X, Y, loss, w=None):
    """The data term (1/m) Σ_i J^(i) of ``net`` on X (n_1, m), Y (n_L, m); with sample
    weights w (m,), (Σ_i w_i J^(i)) / Σ_i w_i."""
    return weighted_sum(loss, outputs(net, X), Y, w) / weight_total(w, X.shape[1])


def trivial_loss(Y, y_bar, loss, w=None):
    """The data term of the model that predicts ``y_bar`` (n_L, 1) for every column of Y."""
    return weighted_sum(loss, np.broadcast_to(y_bar, Y.shape), Y, w) / weight_total(w, Y.shape[1])


def mean_target(Y, w=None):
    """ȳ (n_L, 1): the (weighted) mean of the columns of Y (n_L, m)."""
    return np.average(Y, axis=1, weights=w, keepdims=True)


def initial_cost(net, X, Y, config, b):
    """J (penalty included) of the network as it is on the first b columns."""
    X_b, Y_b = X[:, :b], Y[:, :b]
    a_L = forward(net, X_b).a[net.L]  # (n_L, b)
    return eq.cost(get_loss(config.loss), a_L, Y_b, net.theta.values(), config.alpha, b)


def workspace_for(workspaces, net, m):
    """The ``Workspace`` for batches of m columns from ``workspaces`` (made on first use)."""
    if m not in workspaces:
        workspaces[m] = Workspace(net, m)
    return workspaces[m]


def batch_step(net, X_b, Y_b, grad, optimizer, config, loss, workspaces, w_b=None):
    """One update on the columns X_b (n_1, b), Y_b (n_L, b) with weights w_b (b,) or None;
    returns J of the batch before it.

    ``workspaces`` (a dict by batch size) holds the preallocated z, a, δ buffers that the
    step writes into, so it allocates no array of batch size. A batch held on a Dask cluster
    (X_b a ``distributed.Shares``) sums its J and ∇J on the workers itself.
    """
    if isinstance(X_b, np.ndarray) or sparse.issparse(X_b):
        ws = workspace_for(workspaces, net, X_b.shape[1])
        J, _ = loss_and_grad_unchecked(net, X_b, Y_b, config.alpha, loss, grad, ws, w=w_b)
    else:
        J = X_b.loss_and_grad(net, config.alpha, loss, grad)
    optimizer.step(net.params, grad.flat)
    return J


def run_epoch(net, batches, grad, optimizer, schedule, config, rng, workspaces, epoch):
    """One pass over the training columns; returns the mean batch J, each batch weighted by
    its number of samples (by its Σ_i w_i with sample weights)."""
    loss, total, weight = get_loss(config.loss), 0.0, 0.0
    with overflow_is_divergence(epoch, config):  # np.errstate(over="raise") in ``train``
        for X_b, Y_b, *w_b in batches.epoch(rng):  # w_b: [weights (b,)] or [] (no weights)
            J = batch_step(net, X_b, Y_b, grad, optimizer, config, loss, workspaces, *w_b)
            check_loss(J, epoch, config)
            schedule.after_step(optimizer)
            b = weight_total(w_b[0] if w_b else None, X_b.shape[1])  # the batch's m, or Σ_i w_i
            total, weight = total + J * b, weight + b
    check_params(net.params, epoch, config)
    return total / weight


def split_validation(X, Y, fraction, rng, w=None):
    """Draw ⌈fraction·m⌉ columns for validation with ``rng``; return (X, Y, w, X_val, Y_val,
    w_val), the sample weights w (m,) split alike (None without).

    The split draws columns, not weight: a column of weight 2 goes whole to one side (where
    the two copies of a duplicated row could be parted), and ``fraction`` counts columns.
    ``DataError`` unless both parts have a column and validation has 2 (scikit-learn's rule)."""
    m = X.shape[1]
    m_val = math.ceil(fraction * m)
    check_validation_sizes(m, m_val, fraction)
    perm = rng.permutation(m)
    val, tr = perm[:m_val], perm[m_val:]
    w_tr, w_val = (None, None) if w is None else (w[tr], w[val])
    # rows of X.T, so each part is again (n, m') with contiguous columns, like X
    return X.T[tr].T, Y.T[tr].T, w_tr, X.T[val].T, Y.T[val].T, w_val


def check_validation_sizes(m, m_val, fraction):
    """``DataError`` unless m_val of the m rows leave one to train and give R² its 2 rows."""
    if m - m_val < 1:
        raise DataError(
            f"too few rows for the validation split: {m} rows with validation_fraction="
            f"{fraction:g} leave {m - m_val} for training; provide more rows or set "
            "early_stopping=False"
        )
    if m_val < 2:
        raise DataError(
            "The validation set is too small. Increase 'validation_fraction' or the size of "
            f"your dataset: {m} rows with validation_fraction={fraction:g} give {m_val} "
            "validation row, and R² needs 2 (or set early_stopping=False)"
        )


def train(
    net,
    X,
    Y,
    config=DEFAULT_CONFIG,
    *,
    rng,
    callback=None,
    state=None,
    final=True,
    sample_weight=None,
):
    """Fit ``net`` in place on X (n_1, m) and Y (n_L, m); return the ``History``.

    ``sample_weight`` (m,) weights each sample's J^(i) (``deltaprop.weights``), in training,
    in the validation loss and R², and in the final and trivial losses.
    ``rng`` (a ``numpy.random.Generator``) draws the validation split and the shuffles.
    ``state``, a ``TrainState``, makes the run go on from a previous one (and is updated for
    the next); the returned ``History`` is then ``state.history``. ``final=False`` skips the
    pass over X that measures ``history.final_loss`` and ``trivial_loss`` (``partial_fit``).
    Floating-point overflow and invalid operations raise inside training whatever the caller's
    ``np.errstate``, so a diverging run stops at once with no ``RuntimeWarning``.
    ``callback(net, history)`` runs after each epoch (L-BFGS: iteration). Ctrl-C
    (``KeyboardInterrupt``) stops training and keeps the best parameters so far, the initial
    ones if no epoch finished (``history.interrupted``). A run that diverges (module docstring)
    raises ``DivergenceError``.
    """
    check_params(net.params, 0, config)
    w = check_sample_weight(sample_weight, X.shape[1], net.dtype)
    overflow_raises = np.errstate(over="raise", invalid="raise", divide="raise")  # = divergence
    with overflow_raises, blas_threads_held():  # BLAS threads per step size (deltaprop.speed)
        if config.solver == "lbfgs":
            history = train_lbfgs(net, X, Y, config, callback, state=state, w=w)
        else:
            history = train_epochs(net, X, Y, config, rng, callback, state=state, w=w)
        if final:
            loss = get_loss(config.loss)
            with overflow_is_divergence(history.n_iter, config):
                history.final_loss = data_loss(net, X, Y, loss, w)
            history.trivial_loss = trivial_loss(Y, mean_target(Y, w), loss, w)
    return history


def train_epochs(
    net, X, Y, config, rng, callback, batches=None, *, state=None, w=None, loop_class=None
):
    """The mini-batch (or full-batch "gd") epochs of ``train``; w: sample weights (m,) or None.

    ``batches`` replaces ``Batches(X, Y, …)`` and ``loop_class`` ``EpochLoop`` (on Dask:
    ``distributed.DaskBatches`` and ``DaskEpochLoop``, which bring their validation split).
    """
    state = TrainState() if state is None else state
    validation = (None, None, None)
    if config.early_stopping and batches is None:
        split_rng = state.split_generator(rng)
        X, Y, w, *validation = split_validation(X, Y, config.validation_fraction, split_rng, w)
    if batches is None:
        batches = Batches(X, Y, batch_size_for(config, X.shape[1]), config.shuffle, w)
    loop = (loop_class or EpochLoop)(net, Y, validation, config, batches, state=state)
    bar = progress_bar(config, "epoch")
    try:
        with bar:
            loop.history.stop_reason = loop.run(rng, bar, callback)
    except KeyboardInterrupt:
        loop.history.interrupted, loop.history.stop_reason = True, "interrupted"
    if config.early_stopping or loop.history.interrupted:
        net.params[...] = loop.monitor.best_params
    state.rng = rng
    return loop.history


class EpochLoop:
    """One run of a step rule: its data, optimizer, schedule, gradient buffer and monitor."""

    def __init__(self, net, Y, validation, config, batches, *, state):
        self.net, self.config, self.history = net, config, state.history
        self.history.begin()
        self.batches, m = batches, batches.m
        self.X_val, self.Y_val, self.w_val = validation  # (n_1, m_val), (n_L, m_val), (m_val,)
        steps = config.max_iter * math.ceil(m / self.batches.batch_size)  # at most
        self.optimizer, self.schedule = state.step_rule(config, steps)
        self.grad = Grad.zeros_like(net)  # ∇J, reused by every step
        self.workspaces = {}  # z, a, δ buffers by batch size, reused by every step
        self.monitor = state.monitor_for(net.params, config, self.X_val is not None)
        self.guard, self.val_guard = Guard(config), Guard(config, "validation loss")
        self.start_guards(Y)

    def start_guards(self, Y):
        """The divergence guards' references, from the initial network."""
        with overflow_is_divergence(0, self.config):
            self.guard.start(*self.batches.start_losses(self.net, self.config))
            if self.X_val is not None:
                loss, y_bar = get_loss(self.config.loss), mean_target(Y, self.batches.w)
                J_val = data_loss(self.net, self.X_val, self.Y_val, loss, self.w_val)
                self.val_guard.start(J_val, trivial_loss(self.Y_val, y_bar, loss, self.w_val))

    def run(self, rng, bar, callback):
        """Epochs until max_iter or a plateau (where "adaptive" lowers η instead of stopping).

        Returns the stop reason: "converged", "early_stopping" or "max_iter".
        """
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
            self.guard.check(J, epoch)
            record(history, J, self.batches.m)
            monitored = J if self.X_val is None else self.validate(epoch)
            show_progress(bar, history, config.verbose)
            plateau = self.monitor.update(monitored, net.params) > config.n_iter_no_change
            if callback is not None:
                callback(net, history)
            if plateau:
                if self.schedule.on_plateau(self.optimizer):
                    return "converged" if self.X_val is None else "early_stopping"
                self.monitor.count = 0
        return "max_iter"

    def validate(self, epoch):
        with overflow_is_divergence(epoch, self.config):
            J_val, score = self.validation_loss_and_score()
        self.val_guard.check(J_val, epoch)
        self.history.validation_loss_curve.append(J_val)
        self.history.validation_scores.append(score)
        self.history.best_validation_loss = min(self.history.best_validation_loss, J_val)
        return J_val

    def validation_loss_and_score(self):
        """J and R² on the validation columns, weighted by w_val (m_val,) or None (one forward
        pass for both)."""
        A_val = outputs(self.net, self.X_val)  # (n_L, m_val)
        loss, w_val = get_loss(self.config.loss), self.w_val
        J_val = weighted_sum(loss, A_val, self.Y_val, w_val) / weight_total(w_val, A_val.shape[1])
        return J_val, validation_score(A_val, self.Y_val, w_val)


def batch_size_for(config, m):
    """The batch size of ``config`` for m training columns ("gd": the full batch)."""
    return m if config.solver == "gd" else (config.batch_size or min(200, m))


def validation_score(A_val, Y_val, w_val=None):
    """R² of the predictions A_val against Y_val (n_L, m_val), averaged over the outputs
    (scikit-learn's ``score``; weighted by w_val (m_val,) when given). The same in
    standardized and original units: R² of each output is unchanged by that output's affine
    scaling."""
    return float(r2_score(Y_val.T, A_val.T, sample_weight=w_val))


def record(history, J, m):
    history.loss_curve.append(J)
    history.best_loss = min(history.best_loss, J)
    history.n_iter += 1
    history.t += m


def progress_bar(config, unit):
    """A tqdm bar on stderr of ``config.max_iter`` epochs or iterations (a terminal only,
    disabled otherwise: ``show_progress`` then prints lines)."""
    return tqdm(
        total=config.max_iter,
        disable=None if config.verbose else True,
        file=sys.stderr,
        unit=unit,
        desc="training",
    )


def show_progress(bar, history, verbose):
    """The bar's loss after an epoch (iteration); with ``verbose`` and no terminal for the bar,
    scikit-learn's lines on stdout instead: "Iteration N, loss = …" (and the validation R²)."""
    if bar.disable:
        if verbose:
            print(f"Iteration {history.n_iter}, loss = {history.loss:.8f}")
            if history.validation_scores:
                print(f"Validation score: {history.validation_scores[-1]:.6f}")
        return
    postfix = {"loss": f"{history.loss:.4g}"}
    if history.validation_loss_curve:
        postfix["val_loss"] = f"{history.validation_loss_curve[-1]:.4g}"
    bar.set_postfix(postfix, refresh=False)
    bar.update()


def train_lbfgs(net, X, Y, config, callback=None, *, state=None, w=None):
    """Minimize J (with sample weights w (m,) or None) with SciPy's L-BFGS-B on the flat
    parameter vector itself."""
    loss, grad, ws = get_loss(config.loss), Grad.zeros_like(net), Workspace(net, X.shape[1])

    def loss_and_grad_flat(theta):  # θ (P,) -> (J, ∇J (P,))
        net.params[...] = theta
        J, _ = loss_and_grad_unchecked(net, X, Y, config.alpha, loss, grad, ws, w=w)
        return J, grad.flat

    with overflow_is_divergence(0, config):
        J_0 = initial_cost(net, X, Y, config, X.shape[1])
        start = J_0, trivial_loss(Y, Y.mean(axis=1, keepdims=True), loss)
    history = None if state is None else state.history
    return train_lbfgs_on(
        net, loss_and_grad_flat, X.shape[1], start, config, callback, history=history
    )


def train_lbfgs_on(net, loss_and_grad_flat, m, start, config, callback=None, *, history=None):
    """L-BFGS from ``net.params`` on ``loss_and_grad_flat(θ) -> (J, ∇J)`` over m samples.

    The J and ∇J may come from anywhere (in memory, or summed over a Dask cluster by
    ``deltaprop.distributed``); ``start`` is the guard's (J at the start, trivial model's
    loss). ``net.params`` ends at the minimizer. Returns the ``History``: ``history``, when
    given, goes on (a warm start: its curves grow, ``n_iter`` counts this run), else a new one.
    SciPy's L-BFGS-B starts with an empty memory of curvature pairs every time.
    """
    history = History() if history is None else history
    history.begin()
    best, guard = Monitor(net.params, 0.0), Guard(config)
    with overflow_is_divergence(0, config):
        guard.start(*start)

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
        guard.check(history.loss, history.n_iter)  # accepted iterates only, not line searches
        best.update(history.loss, intermediate_result.x)
        show_progress(bar, history, config.verbose)
        if callback is not None:
            callback(net, history)

    bar = progress_bar(config, "iteration")
    try:
        with bar, scipy_blas_single_thread():  # its idle threads would steal NumPy's BLAS cores
            result = minimize_lbfgs(fun, net.params, on_iteration, config)
        net.params[...] = result.x
        history.stop_reason = lbfgs_stop_reason(result, config)
    except KeyboardInterrupt:
        history.interrupted, history.stop_reason = True, "interrupted"
        net.params[...] = best.best_params
    check_params(net.params, history.n_iter, config)
    return history


def minimize_lbfgs(fun, params, on_iteration, config):
    """SciPy's L-BFGS-B from ``params`` (P,); returns its ``OptimizeResult``."""
    # tol bounds the projected gradient (as scikit-learn) and, below SciPy's default, the
    # relative decrease of J between iterations
    options = {
        "maxiter": config.max_iter,
        "maxfun": config.max_fun,
        "gtol": config.tol,
        "ftol": min(LBFGS_FTOL, config.tol),
    }
    return minimize(
        fun,
        params.astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        callback=on_iteration,
        options=options,
    )


def lbfgs_stop_reason(result, config):
    """ "converged", "max_iter", "max_fun" or "no_progress" (the line search found no lower J)."""
    if result.status == 0:
        return "converged"
    if result.status == 1:
        return "max_iter" if result.nit >= config.max_iter else "max_fun"
    return "no_progress"
