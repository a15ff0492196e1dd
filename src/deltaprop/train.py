"""Training: mini-batch epochs, early stopping, a divergence guard, history; or L-BFGS.

``train(net, X, Y, config, rng=...)`` fits ``net`` in place on X (n_1, m) and Y (n_L, m), samples
as columns (the core's layout), and returns a ``History``; ``train_on(net, data, config, ...)``
does the same on a training-data object, in memory (``trainingdata.InMemoryData``) or on a Dask
cluster (``distributed.DaskData``): docs/design.md "The training-data seam".

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

Same seed, same machine ⇒ bit-identical results: all randomness comes from ``rng``. But the
BLAS thread count of a big step follows the machine's load (``deltaprop.speed``) and can
change the last bits (in float32 often, in float64 for some shapes); ``OPENBLAS_NUM_THREADS=1``
pins it.
"""

import contextlib
import copy
import math
import sys
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from deltaprop.config import TrainConfig
from deltaprop.errors import ClusterLostError, DivergenceError
from deltaprop.losses import get_loss
from deltaprop.network import Grad
from deltaprop.optim import make_optimizer, make_schedule
from deltaprop.speed import blas_threads_held, scipy_blas_single_thread
from deltaprop.trainingdata import InMemoryData
from deltaprop.weights import check_sample_weight

LBFGS_FTOL = 2.2e-9  # SciPy's default ftol of L-BFGS-B
DEFAULT_CONFIG = TrainConfig()  # frozen


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
    # "converged", "early_stopping", "max_iter", "max_fun", "no_progress" or "interrupted"
    stop_reason: str | None = None  # None before training
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
    """Where a warm-started ``train`` (``warm_start``, ``partial_fit``) goes on from; ``train``
    fills it in place. Other step settings make a new step rule, as scikit-learn makes a new
    optimizer at every ``fit``. L-BFGS keeps no state: SciPy starts a new memory each run.
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
        check_loss(J, epoch, self.config, self.what)
        if J > GROWTH * self.reference:
            what = (
                f"{self.what} {J:.3g} grew beyond {GROWTH:g}× its starting value "
                f"{self.reference:.3g}"
            )
            raise DivergenceError(divergence_message(epoch, what, self.config))


def check_loss(J, epoch, config, what="loss"):
    """The divergence guard on one loss J: ``DivergenceError`` at once if it is inf or nan."""
    if not math.isfinite(J):
        raise DivergenceError(divergence_message(epoch, f"{what} is {J}", config))


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


def batch_step(net, batches, batch, grad, optimizer, config, loss):
    """One update on ``batch`` of ``batches``: J and ∇J at ``net.params`` (into ``grad``),
    then the optimizer's step; returns J of the batch before it."""
    J = batches.loss_and_grad(net, batch, config.alpha, loss, grad)
    optimizer.step(net.params, grad.flat)
    return J


def run_epoch(net, batches, grad, optimizer, schedule, config, rng, epoch):
    """One pass over the training samples; returns the mean batch J, each batch weighted by
    its number of samples (by its Σ_i w_i with sample weights)."""
    loss, total, weight = get_loss(config.loss), 0.0, 0.0
    with overflow_is_divergence(epoch, config):  # np.errstate(over="raise") in ``train_on``
        for batch in batches.epoch(rng):
            J = batch_step(net, batches, batch, grad, optimizer, config, loss)
            check_loss(J, epoch, config)
            schedule.after_step(optimizer)
            b = batches.weight(batch)  # the batch's m, or Σ_i w_i
            total, weight = total + J * b, weight + b
    check_params(net.params, epoch, config)
    return total / weight


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
    in the validation loss and R², and in the final and trivial losses. The rest as
    ``train_on``.
    """
    w = check_sample_weight(sample_weight, X.shape[1], net.dtype)
    data = InMemoryData(X, Y, w)
    return train_on(net, data, config, rng=rng, callback=callback, state=state, final=final)


def train_on(net, data, config=DEFAULT_CONFIG, *, rng, callback=None, state=None, final=True):
    """Fit ``net`` in place on ``data`` (in memory or on Dask: the module docstring); return
    the ``History``.

    ``rng`` (a ``numpy.random.Generator``) draws the validation split and the shuffles.
    ``state``, a ``TrainState``, makes the run go on from a previous one (and is updated for
    the next); the returned ``History`` is then ``state.history``. ``final=False`` skips the
    pass that measures ``history.final_loss`` and ``trivial_loss`` (``partial_fit``).
    ``callback(net, history)`` runs after each epoch (L-BFGS: iteration). Ctrl-C, or a lost
    Dask cluster, stops training at the best parameters so far (``keeping_the_best``). A run
    that diverges (module docstring) raises ``DivergenceError`` at once: overflow raises
    inside training whatever the caller's ``np.errstate``, with no ``RuntimeWarning``.
    """
    check_params(net.params, 0, config)
    state = TrainState() if state is None else state
    overflow_raises = np.errstate(over="raise", invalid="raise", divide="raise")  # = divergence
    with overflow_raises, blas_threads_held():  # BLAS threads per step size (deltaprop.speed)
        if config.solver == "lbfgs":
            history = train_lbfgs(net, data, config, callback, state.history)
        else:
            history = train_epochs(net, data, config, rng, callback, state)
        if final:
            loss = get_loss(config.loss)
            with overflow_is_divergence(history.n_iter, config):
                history.final_loss = data.data_loss(net, loss)
            history.trivial_loss = data.trivial_loss(loss)
    return history


def train_epochs(net, data, config, rng, callback, state):
    """The mini-batch (or full-batch "gd") epochs of ``train_on``."""
    validation = None
    if config.early_stopping:
        data, validation = data.split(config.validation_fraction, state.split_generator(rng))
    loop = EpochLoop(net, data, validation, config, state=state)
    with (
        progress_bar(config, "epoch") as bar,
        keeping_the_best(net, loop.history, loop.monitor, config),
    ):
        loop.history.stop_reason = loop.run(rng, bar, callback)
    if config.early_stopping:
        net.params[...] = loop.monitor.best_params
    state.rng = rng
    return loop.history


@contextlib.contextmanager
def keeping_the_best(net, history, monitor, config):
    """Ctrl-C, or a lost Dask cluster, stops training at the best parameters so far (the
    ``monitor``'s); a lost cluster is then raised again with the ``history``."""
    try:
        yield
    except (KeyboardInterrupt, ClusterLostError) as err:
        history.interrupted, history.stop_reason = True, "interrupted"
        net.params[...] = monitor.best_params
        if isinstance(err, KeyboardInterrupt):
            return
        unit = "iteration" if config.solver == "lbfgs" else "epoch"
        n = f"{history.n_iter} {unit}{'s' * (history.n_iter != 1)}"
        kept = "the best weights so far" if history.n_iter else "the initial weights"
        lost = ClusterLostError(
            f"the Dask cluster was lost during training ({err}) after {n}; the model keeps "
            f"{kept}: restart the workers (or check the scheduler) and train again"
        )
        lost.history = history
        raise lost from None


class EpochLoop:
    """One run of a step rule: its batches, validation part, optimizer, schedule, gradient
    buffer and monitor."""

    def __init__(self, net, data, validation, config, *, state):
        self.net, self.config, self.history = net, config, state.history
        self.history.begin()
        self.data, self.validation = data, validation  # training and validation parts
        b = data.m if config.solver == "gd" else (config.batch_size or min(200, data.m))
        self.batches = data.batches(b, config.shuffle)
        steps = config.max_iter * math.ceil(data.m / self.batches.batch_size)  # at most
        self.optimizer, self.schedule = state.step_rule(config, steps)
        self.grad = Grad.zeros_like(net)  # ∇J, reused by every step
        self.monitor = state.monitor_for(net.params, config, validation is not None)
        self.guard, self.val_guard = Guard(config), Guard(config, "validation loss")
        self.start_guards()

    def start_guards(self):
        """The divergence guards' references, from the initial network."""
        net, config, b = self.net, self.config, self.batches.batch_size
        with overflow_is_divergence(0, config):
            self.guard.start(*self.data.start_losses(net, config, b))
            if self.validation is not None:
                loss = get_loss(config.loss)
                J_val = self.validation.data_loss(net, loss)
                self.val_guard.start(J_val, self.validation.trivial_loss(loss, self.data.y_bar))

    def run(self, rng, bar, callback):
        """Epochs until max_iter or a plateau (where "adaptive" lowers η instead of stopping).

        Returns the stop reason: "converged", "early_stopping" or "max_iter".
        """
        net, config, history = self.net, self.config, self.history
        for epoch in range(1, config.max_iter + 1):
            J = run_epoch(
                net, self.batches, self.grad, self.optimizer, self.schedule, config, rng, epoch
            )
            self.guard.check(J, epoch)
            record(history, J, self.data.m)
            monitored = J if self.validation is None else self.validate(epoch)
            show_progress(bar, history, config.verbose)
            plateau = self.monitor.update(monitored, net.params) > config.n_iter_no_change
            if callback is not None:
                callback(net, history)
            if plateau:
                if self.schedule.on_plateau(self.optimizer):
                    return "converged" if self.validation is None else "early_stopping"
                self.monitor.count = 0
        return "max_iter"

    def validate(self, epoch):
        with overflow_is_divergence(epoch, self.config):
            J_val, score = self.validation.loss_and_score(self.net, get_loss(self.config.loss))
        self.val_guard.check(J_val, epoch)
        self.history.validation_loss_curve.append(J_val)
        self.history.validation_scores.append(score)
        self.history.best_validation_loss = min(self.history.best_validation_loss, J_val)
        return J_val


def record(history, J, m):
    history.loss_curve.append(J)
    history.best_loss = min(history.best_loss, J)
    history.n_iter += 1
    history.t += m


class NoBar(contextlib.nullcontext):
    """The progress bar without ``verbose``: none (and tqdm not even imported)."""

    disable = True

    def __init__(self):
        super().__init__(self)  # ``with NoBar() as bar``: bar is the NoBar


def progress_bar(config, unit):
    """A tqdm bar on stderr of ``config.max_iter`` epochs or iterations (a terminal only,
    disabled otherwise: ``show_progress`` then prints lines); ``NoBar()`` without verbose."""
    if not config.verbose:
        return NoBar()
    from tqdm.auto import tqdm  # 5–20 ms to import: only for a run that shows progress

    # disable=None: no bar where stderr is not a terminal
    return tqdm(total=config.max_iter, disable=None, file=sys.stderr, unit=unit, desc="training")


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


def train_lbfgs(net, data, config, callback, history):
    """Minimize J over every sample of ``data`` with SciPy's L-BFGS-B on the flat parameter
    vector itself, from ``net.params``, which ends at the minimizer. ``history`` goes on (its
    curves grow, ``n_iter`` counts this run) and is returned. SciPy's L-BFGS-B starts with an
    empty memory of curvature pairs every time.
    """
    loss_and_grad_flat = data.full_batch(net, config)
    history.begin()
    best, guard = Monitor(net.params, 0.0), Guard(config)
    with overflow_is_divergence(0, config):
        guard.start(*data.start_losses(net, config, data.m))

    def fun(theta):  # θ (P,) float64 -> (J, ∇J)
        with overflow_is_divergence(history.n_iter + 1, config):
            J, g = loss_and_grad_flat(theta)
        check_loss(J, history.n_iter + 1, config)
        history.t += data.m
        return J, g.astype(np.float64)

    def on_iteration(intermediate_result):
        record(history, float(intermediate_result.fun), 0)
        guard.check(history.loss, history.n_iter)  # accepted iterates only, not line searches
        best.update(history.loss, intermediate_result.x)
        show_progress(bar, history, config.verbose)
        if callback is not None:
            callback(net, history)

    with progress_bar(config, "iteration") as bar, keeping_the_best(net, history, best, config):
        with scipy_blas_single_thread():  # its idle threads would steal NumPy's BLAS cores
            result = minimize_lbfgs(fun, net.params, on_iteration, config)
        net.params[...] = result.x
        history.stop_reason = lbfgs_stop_reason(result, config)
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
