"""Training on a Dask cluster with the same gradient as in memory: the sum over i, split.

The cost of the question, J = (1/m) Σ_i J^(i) + (α/2m) Σ_l ‖Θ^(l)‖²_F, is a sum over samples,
and so is its gradient. Split the m rows into partitions k = 1..K (m = Σ_k m_k):

    Σ_i J^(i)        = Σ_k Σ_{i∈k} J^(i)
    Σ_i ∂J^(i)/∂θ    = Σ_k Σ_{i∈k} ∂J^(i)/∂θ

For the θ it is sent, the worker holding partition k runs the existing forward and backward
equations (``network.loss_and_grad_unchecked`` with α = 0, in a ``Workspace`` kept beside the
partition) and returns the triple (Σ_{i∈k} J^(i), Σ_{i∈k} ∂J^(i)/∂θ, m_k). The driver adds the
triples in partition order and applies 1/m and the α term once:

    J  = (1/m) Σ_k S_k + (α/2m) Σ_l ‖Θ^(l)‖²_F
    ∇J = (1/m) Σ_k G_k + (α/m) Θ        (weights only, not biases)

Only θ (one flat vector) travels to the workers and only the sums come back; the rows never
move. Full-batch "gd" and "lbfgs" thus see the in-memory J and ∇J up to the order of the
additions (float64: ~1e-15 relative), and L-BFGS takes the same path. Mini-batch "sgd" and
"adam" are synchronous and data parallel: the driver draws each epoch's permutation of the m
global row numbers from the estimator's ``Generator`` exactly as ``train.Batches`` does, cuts
it into the same batches, and sends each worker the local row numbers of its share of each
batch; the sums over the shares are the in-memory batch gradient. ``partial_fit`` on a Dask
chunk (``partial_fit_dask``) is one epoch of these steps over the chunk's rows, going on from
the estimator's ``train.TrainState`` as an in-memory call does.

Where the data lives (the choice): persisted partitions, held as Dask futures. Each partition
is computed once on a worker into a ``Part`` (its rows as columns, standardized, of the
network's dtype); every step submits one small task per partition *with the partition's
future as its argument*, so the scheduler runs it where the partition already is (data
locality: a task goes to the worker holding its largest input) and nothing but θ moves.
Futures rather than Dask actors, because a future keeps its lineage: if a worker dies, the
scheduler recomputes its partitions on the remaining workers from the source (the array's
chunks or the files), while an actor's state dies with its worker.

Out of core (the rule). A partition comes from a *source*, ``(load, args)``: a block of a
Dask collection (``load_part``, whose graph reads the files of ``dask.dataframe.read_parquet``
or ``read_csv``) or one file (``load_file``, the CLI). The first pass reads every source once,
checks it and returns its moments (``moments``); nothing is kept. Then the partitions are
persisted when they fit: their footprint (X, Y and the full-batch workspace, ``footprint``) at
most ``KEEP`` (one half) of the workers' ``memory_limit`` summed, less what each worker process
already uses (below Dask's own 60 % spill threshold, with room for the partition being read).
Otherwise every later pass reads each partition again from its source inside the task that
uses it (``on_part``), standardizes it and drops it when the task ends: a worker holds a few
partitions at a time (the one in use, the next ones read), whatever the size of the data.
``dask.config`` key ``deltaprop.persist`` (environment ``DASK_DELTAPROP__PERSIST``) forces the
choice: True or False ("auto", the default, is the rule above).

Without an active ``distributed.Client``, ``fit`` starts an in-process ``LocalCluster``
(threads, one worker) for the duration of the fit and closes it afterwards.
"""

import contextlib
import functools
import sys
import urllib.parse
from dataclasses import dataclass, field

import numpy as np

from deltaprop.errors import ConfigError, DataError, DeltapropError, require
from deltaprop.losses import get_loss
from deltaprop.network import (
    Grad,
    Network,
    Workspace,
    loss_and_grad_unchecked,
)
from deltaprop.train import (
    Batches,
    EpochLoop,
    History,
    TrainState,
    batch_size_for,
    check_params,
    check_validation_sizes,
    data_loss,
    outputs,
    overflow_is_divergence,
    train_epochs,
    train_lbfgs_on,
    trivial_loss,
)


class ClusterLostError(DeltapropError):
    """The Dask cluster went away in the middle of training: no worker left for
    ``deltaprop.lost-after`` seconds, the scheduler unreachable, or a task whose workers kept
    dying. ``history`` is the training record up to the last complete epoch (iteration); the
    network holds the best parameters so far, as after Ctrl-C."""

    history = None


LOST_AFTER = 30.0  # seconds without any worker before a pass gives up (``deltaprop.lost-after``)


def is_dask_collection(obj):
    """True for a Dask array, DataFrame or Series (False, without importing Dask, otherwise)."""
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)


def require_dask():
    """Import ``dask`` and ``distributed``; ``ConfigError`` naming the extra when missing."""
    for module in ("dask", "distributed"):
        require(module, "dask", name="Dask")


@contextlib.contextmanager
def client_session():
    """The active ``distributed.Client``, else an in-process ``LocalCluster`` for the block."""
    require_dask()
    from distributed import Client, LocalCluster, get_client

    try:
        client = get_client()
    except ValueError:  # no client active
        client = None
    if client is not None:
        yield client
        return
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield client


# ---------------------------------------------------------------- on the workers


@dataclass
class Part:
    """Partition k on its worker: X (n_1, m_k) and Y (n_L, m_k), samples as columns."""

    k: int
    X: np.ndarray  # (n_1, m_k)
    Y: np.ndarray  # (n_L, m_k)
    error: str = ""  # why the block could not be read as numbers
    names: tuple | None = None  # (feature names, target names) when read from a file
    workspaces: dict = field(default_factory=dict, repr=False)  # by batch size, reused

    @property
    def m(self):
        return self.X.shape[1]

    def columns(self, cols):
        """The partition's columns ``cols`` (a mask or indices) as a ``Part``."""
        return Part(self.k, self.X[:, cols], self.Y[:, cols], names=self.names)


def load_part(k, x_block, y_block):
    """Partition k from a block of rows of X (m_k, n) and y (m_k,) or (m_k, n_L), as float64.

    A block that does not convert to numbers becomes an empty ``Part`` with its ``error``.
    """
    try:
        X = np.asarray(x_block, dtype=np.float64)
        Y = np.asarray(y_block, dtype=np.float64)
    except (TypeError, ValueError) as err:
        empty = np.empty((0, 0))
        return Part(
            k, empty, empty, error=f"a value is not a number ({first_line(err)}); convert it"
        )
    return Part(k, as_rows(X).T, as_rows(Y).T)


def as_rows(A):
    """A block of rows (m_k,) or (m_k, n) as (m_k, n), also when it has no rows."""
    return A[:, None] if A.ndim == 1 else A


def first_line(err):
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def part_moments(part, split=None):
    """One pass over partition k: (m_k, means, M2 = Σ (x − mean)², max |x|) of X and Y, or the
    first non-finite entry as ("X" or "Y", row in the partition, column); and the number of
    its rows in the validation split ``split`` (see ``validation_rows``)."""
    if part.error:
        return {"bad": part.error}
    moments = {"names": part.names}
    moments["n_val"] = int(validation_rows(part.k, part.m, split).sum()) if split else 0
    for name, A in (("X", part.X), ("Y", part.Y)):  # (n, m_k)
        bad = ~np.isfinite(A.T)  # (m_k, n): the first bad row, then column
        if bad.any():
            row, column = np.argwhere(bad)[0]
            value = "NaN" if np.isnan(A[column, row]) else "inf"
            return {
                "bad": f"{name} contains {value} at row {row}, column {column} (counting from "
                "0 within the partition); remove or impute the bad values"
            }
    for name, A in (("X", part.X), ("Y", part.Y)):
        if not part.m:  # an empty partition (after a filter): no moments, skipped by ``moments``
            moments[name] = (0, None, None, None)
            continue
        big = np.abs(A).max(axis=1).astype(np.float64)  # (n,) largest magnitudes
        unit = np.where(big > 0, big, 1.0)  # (n,)
        D = A / unit[:, None]  # (n, m_k) in [−1, 1], as in memory; the one copy
        mean_u = D.mean(axis=1, dtype=np.float64)  # (n,)
        D -= mean_u[:, None]
        M2_u = np.einsum("ij,ij->i", D, D)  # (n,) Σ ((x − mean) / unit)²
        moments[name] = (part.m, mean_u * unit, M2_u, big)
    return moments


def scale_part(part, scalers, dtype):
    """Partition k standardized with the global scalers, in the network's dtype."""
    (x_mean, x_scale), (y_mean, y_scale) = scalers
    X = part.X - x_mean[:, None]  # (n_1, m_k), a new array: divided in place
    X /= x_scale[:, None]
    Y = part.Y - y_mean[:, None]  # (n_L, m_k)
    Y /= y_scale[:, None]
    return Part(part.k, X.astype(dtype, copy=False), Y.astype(dtype, copy=False))


def validation_rows(k, m_k, split):
    """The rows (m_k,) of partition k in the validation split ``split`` = (seed, fraction):
    those whose draw from ``default_rng([seed, k])`` falls below the fraction. Each worker
    draws its own, so the split needs no row numbers from the driver."""
    seed, fraction = split
    return np.random.default_rng([seed, k]).random(m_k) < fraction  # (m_k,)


def read_part(source, prep=None):
    """Partition k read from its ``source`` (load, args) in this task: ``load(*args)``, then
    with ``prep`` = (scalers, dtype, split) its training rows (split (seed, fraction, False))
    or validation rows (True), standardized; as read when ``prep`` is None or the block is bad.
    """
    load, args = source
    part = load(*args)
    if prep is None or part.error:
        return part
    scalers, dtype, split = prep
    if split is not None:
        *rule, validation = split
        val = validation_rows(part.k, part.m, rule)  # (m_k,)
        part = part.columns(val if validation else ~val)
    return scale_part(part, scalers, dtype)


def on_part(func, source, prep, *args):
    """``func(part, *args)`` on partition k read afresh from ``source`` (out of core: the
    partition lives only as long as this task)."""
    return func(read_part(source, prep), *args)


def part_sums(part, theta, spec, cols=None):
    """(Σ_{i∈k} J^(i), Σ_{i∈k} ∂J^(i)/∂θ, m_k) at θ over partition k, or its columns ``cols``.

    ``spec`` is (sizes, activation, dtype, loss). The existing forward and backward give the
    means over the m_k columns with α = 0; times m_k they are the sums.
    """
    sizes, activation, dtype, loss = spec
    net = Network(sizes, activation, dtype=dtype, params=theta)
    X, Y = (part.X, part.Y) if cols is None else (part.X[:, cols], part.Y[:, cols])
    m_k = X.shape[1]
    if m_k == 0:  # a partition whose rows all went to validation
        return 0.0, np.zeros_like(net.params), 0
    if m_k not in part.workspaces:
        part.workspaces[m_k] = Workspace(net, m_k)
    grad = Grad.zeros_like(net)
    J, _ = loss_and_grad_unchecked(net, X, Y, 0.0, get_loss(loss), grad, part.workspaces[m_k])
    return J * m_k, grad.flat * m_k, m_k


def part_validation(part, theta, spec):
    """On the validation rows of partition k: (Σ_{i∈k} J^(i), m_k, and per output the mean
    and M2 = Σ (y − mean)² of y and Σ (y − a^(L))²)."""
    if part.m == 0:
        return 0.0, 0, None, None, np.zeros(part.Y.shape[0])
    sizes, activation, dtype, loss = spec
    net = Network(sizes, activation, dtype=dtype, params=theta)
    A = outputs(net, part.X)  # (n_L, m_k)
    mean = part.Y.mean(axis=1)  # (n_L,)
    M2 = ((part.Y - mean[:, None]) ** 2).sum(axis=1)  # (n_L,)
    return get_loss(loss).value(A, part.Y), part.m, mean, M2, ((part.Y - A) ** 2).sum(axis=1)


def part_data_sum(part, theta, spec):
    """Σ_{i∈k} J^(i) at θ over partition k (the data term, forward only)."""
    sizes, activation, dtype, loss = spec
    net = Network(sizes, activation, dtype=dtype, params=theta)
    return data_loss(net, part.X, part.Y, get_loss(loss)) * part.m if part.m else 0.0


def part_trivial_sum(part, y_bar, loss):
    """Σ_{i∈k} J^(i) of the model that predicts ȳ (n_L, 1) for every row of partition k."""
    return trivial_loss(part.Y, y_bar, get_loss(loss)) * part.m if part.m else 0.0


# ---------------------------------------------------------------- on the driver


class DaskData:
    """The training rows on a Dask cluster: persisted ``Part`` futures, or their sources.

    Parameters
    ----------
    client : distributed.Client
    parts : list of Future or of (load, args)
        One ``Part`` per partition, in row order: persisted (futures), or out of core (the
        sources, read again in each task with ``prep``).
    sizes : list of int
        m_k of each partition.
    y_bar : ndarray (n_L, 1)
        The mean of the standardized targets (of the trivial model that predicts it).
    prep : tuple or None
        None: ``parts`` are persisted futures. Else the (scalers, dtype, split) of
        ``read_part``.
    """

    def __init__(self, client, parts, sizes, y_bar, prep=None):
        self.client, self.parts, self.sizes, self.y_bar = client, parts, list(sizes), y_bar
        self.prep = prep
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])  # first global row of k

    @property
    def m(self):
        return int(self.offsets[-1])

    @property
    def persisted(self):
        return self.prep is None

    def submit(self, k, func, *args):
        """``func(part_k, *args)`` on a worker: where partition k is kept, or reading it."""
        if self.persisted:
            return self.client.submit(func, self.parts[k], *args, pure=False)
        from dask import delayed

        task = delayed(on_part, pure=False)(func, self.parts[k], self.prep, *args)
        return self.client.compute(task)

    def map(self, func, *args):
        """``func(part, *args)`` on each partition's worker; the list of futures."""
        return [self.submit(k, func, *args) for k in range(len(self.parts))]

    def gather(self, futures):
        """The futures' results; ``ClusterLostError`` if the cluster goes away meanwhile."""
        return gather(self.client, futures)

    def sums(self, net, loss, shares=None):
        """Σ_k of the triples of ``part_sums`` at ``net.params``: (Σ J^(i), Σ ∂J^(i)/∂θ, b).

        ``shares`` maps partition k to its local columns of a batch (None: every row).
        """
        spec = (net.sizes, net.activation.name, net.dtype, loss.name)
        if shares is None:
            futures = self.map(part_sums, net.params, spec)
        else:
            futures = [
                self.submit(k, part_sums, net.params, spec, cols) for k, cols in shares.items()
            ]
        triples = self.gather(futures)
        J_sum = sum(t[0] for t in triples)
        g_sum = np.sum([t[1] for t in triples], axis=0)  # (P,), in partition order
        return J_sum, g_sum, sum(t[2] for t in triples)

    def data_loss(self, net, loss):
        """The data term (1/m) Σ_i J^(i) of ``net`` over every row: one pass, forward only."""
        spec = (net.sizes, net.activation.name, net.dtype, loss.name)
        return sum(self.gather(self.map(part_data_sum, net.params, spec))) / self.m

    def trivial_loss(self, loss):
        """The data term of the model that predicts ``y_bar`` for every row: one pass."""
        return sum(self.gather(self.map(part_trivial_sum, self.y_bar, loss.name))) / self.m


def gather(client, futures):
    """``client.gather(futures)``, watching the cluster: ``ClusterLostError`` when no worker
    has been there for ``deltaprop.lost-after`` seconds (Dask would wait for one forever), the
    scheduler cannot be reached, or a task's workers kept dying (``KilledWorker``)."""
    import time
    from concurrent.futures import CancelledError

    import dask
    from distributed import KilledWorker, wait

    lost_after = float(dask.config.get("deltaprop.lost-after", LOST_AFTER))
    alone_since = None
    try:
        while True:
            try:
                with client.as_current():  # ``wait`` takes the current client
                    wait(futures, timeout=min(1.0, lost_after))
                return client.gather(futures)
            except TimeoutError:
                if client.nthreads():
                    alone_since = None
                    continue
                alone_since = alone_since or time.monotonic()
                if time.monotonic() - alone_since > lost_after:
                    raise ClusterLostError(f"no Dask worker left for {lost_after:g} s") from None
    except CancelledError:
        raise ClusterLostError("its tasks were cancelled: the scheduler closed") from None
    except KilledWorker as err:
        raise ClusterLostError(f"the workers of a task kept dying: {first_line(err)}") from None
    except OSError as err:
        raise ClusterLostError(f"cannot reach the scheduler: {first_line(err)}") from None


def reduce_to_cost(net, J_sum, g_sum, m, alpha, grad):
    """J = (1/m) Σ J^(i) + (α/2m) Σ_l ‖Θ^(l)‖²;  ∇J = (1/m) Σ ∂J^(i)/∂θ + (α/m) Θ, into ``grad``."""
    np.divide(g_sum, m, out=grad.flat)
    penalty = 0.0
    for l, theta in net.theta.items():
        penalty += float(np.vdot(theta, theta))  # ‖Θ^(l)‖²_F
        grad.theta[l] += (alpha / m) * theta  # (n_{l+1}, n_l)
    return (J_sum + 0.5 * alpha * penalty) / m


@dataclass(frozen=True)
class Shares:
    """One batch of b rows of ``data``: partition k → its local column numbers (``cols`` None:
    all rows). ``train.batch_step`` takes it in place of X_b and calls ``loss_and_grad``."""

    data: DaskData
    cols: dict | None
    b: int

    @property
    def shape(self):  # as a column block X_b (n_1, b): ``train.run_epoch`` reads b from it
        return (None, self.b)

    def loss_and_grad(self, net, alpha, loss, grad):
        """J of the batch at ``net.params``, ∇J into ``grad``: the partitions' sums added."""
        J_sum, g_sum, b = self.data.sums(net, loss, self.cols)
        return reduce_to_cost(net, J_sum, g_sum, b, alpha, grad)


class DaskBatches(Batches):
    """``train.Batches`` for a ``DaskData``: the same permutation and batches, summed on workers.

    ``epoch(rng)`` yields ``(Shares, None)`` in place of ``(X_b, Y_b)``; ``train.batch_step``
    has the ``Shares`` sum the partitions' triples. ``trivial`` is the trivial model's loss
    (``DaskData.trivial_loss``), for the divergence guard.
    """

    def __init__(self, data, batch_size, shuffle, trivial, validation=None):
        self.data, self.m, self.trivial = data, data.m, trivial
        self.validation = validation  # a DaskValidation, or None
        self.batch_size = min(batch_size, self.m)
        self.shuffle = shuffle and self.batch_size < self.m

    def epoch(self, rng):
        if not self.shuffle and self.batch_size == self.m:
            yield Shares(self.data, None, self.m), None  # the full batch: every row
            return
        order = rng.permutation(self.m) if self.shuffle else np.arange(self.m)
        for start in range(0, self.m, self.batch_size):
            rows = order[start : start + self.batch_size]  # global row numbers of the batch
            yield Shares(self.data, self.shares(rows), len(rows)), None

    def shares(self, rows):
        """Partition k → the local column numbers of ``rows`` (global row numbers) in it."""
        k = np.searchsorted(self.data.offsets, rows, side="right") - 1  # partition of each row
        return {int(p): rows[k == p] - self.data.offsets[p] for p in np.unique(k)}

    def start_losses(self, net, config):
        """J of ``net`` on the first batch (one round trip), as ``train.Batches``, and the
        trivial model's loss."""
        first = Shares(self.data, self.shares(np.arange(self.batch_size)), self.batch_size)
        J_0 = first.loss_and_grad(net, config.alpha, get_loss(config.loss), Grad.zeros_like(net))
        return J_0, self.trivial


def train_dask(net, data, config, *, rng, callback=None, validation=None, state=None, final=True):
    """``train.train`` on a ``DaskData``: fits ``net`` in place, returns the ``History``.

    ``validation`` (a ``DaskData`` of the validation rows, for early stopping with a step
    rule) is monitored each epoch. ``final_loss`` and ``trivial_loss`` are over all the rows,
    the validation rows included, as in memory (each one more pass over the partitions);
    ``final=False`` skips them (``partial_fit``). ``state``, a ``train.TrainState``, makes
    the run go on from a previous one, in memory or on Dask, as ``train.train``'s.
    """
    check_params(net.params, 0, config)
    loss, best = get_loss(config.loss), BestSoFar(net, callback)
    every = [d for d in (data, validation) if d is not None]  # all the rows
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        trivial = row_mean(every, lambda d: d.trivial_loss(loss))
        try:
            history = train_passes(net, data, config, rng, best, trivial, (validation, state))
        except ClusterLostError as err:
            raise lost_in_training(err, best.restore(net), config) from None
        if final:
            with overflow_is_divergence(history.n_iter, config):
                history.final_loss = row_mean(every, lambda d: d.data_loss(net, loss))
            history.trivial_loss = trivial
    return history


def row_mean(datas, mean):
    """The mean over the rows of several ``DaskData`` of their means ``mean(data)``."""
    return sum(mean(d) * d.m for d in datas) / sum(d.m for d in datas)


def lost_in_training(err, history, config):
    """The ``ClusterLostError`` of a lost cluster during training, with its ``history``."""
    unit = "iteration" if config.solver == "lbfgs" else "epoch"
    n = f"{history.n_iter} {unit}{'s' * (history.n_iter != 1)}"
    kept = "the best weights so far" if history.n_iter else "the initial weights"
    lost = ClusterLostError(
        f"the Dask cluster was lost during training ({err}) after {n}; the model keeps {kept}: "
        "restart the workers (or check the scheduler) and train again"
    )
    lost.history = history
    return lost


def train_passes(net, data, config, rng, callback, trivial, going_on):
    """L-BFGS, or the epochs of a step rule, on ``data``; the ``History``. ``going_on`` is
    (the validation ``DaskData`` or None, the ``TrainState`` or None)."""
    validation, state = going_on
    if config.solver == "lbfgs":
        fun = full_batch(net, data, config)
        with overflow_is_divergence(0, config):
            start = fun(net.params)[0], trivial  # J at the start: one more round trip
        history = None if state is None else state.history
        return train_lbfgs_on(net, fun, data.m, start, config, callback, history=history)
    b = batch_size_for(config, data.m)
    monitor = None if validation is None else DaskValidation(validation)
    batches = DaskBatches(data, b, config.shuffle, trivial, monitor)
    return train_epochs(
        net, None, None, config, rng, callback, batches, state=state, loop_class=DaskEpochLoop
    )


class DaskEpochLoop(EpochLoop):
    """``train.EpochLoop`` with its validation split on the workers (``batches.validation``,
    a ``DaskValidation``, or None): the validation guard's reference and each epoch's
    validation J and R² come from one pass over the validation partitions."""

    def __init__(self, net, Y, validation, config, batches, *, state):
        super().__init__(net, Y, (batches.validation, None, None), config, batches, state=state)

    def start_guards(self, Y):
        with overflow_is_divergence(0, self.config):
            self.guard.start(*self.batches.start_losses(self.net, self.config))
            if self.X_val is not None:
                loss = get_loss(self.config.loss)
                self.val_guard.start(*self.X_val.start_losses(self.net, loss))

    def validation_loss_and_score(self):
        return self.X_val.loss_and_score(self.net, get_loss(self.config.loss))


class DaskValidation:
    """The validation rows (a ``DaskData``) of early stopping: J and R² in one pass."""

    def __init__(self, data):
        self.data = data

    def loss_and_score(self, net, loss):
        """The data term J of ``net`` on the validation rows and its R² (averaged over the
        outputs, as ``train.validation_score``), from each partition's sums."""
        spec = (net.sizes, net.activation.name, net.dtype, loss.name)
        sums = self.data.gather(self.data.map(part_validation, net.params, spec))
        J = sum(r[0] for r in sums) / self.data.m
        _, _, M2, _ = combine([(m_k, mean, M2_k, 0.0) for _, m_k, mean, M2_k, _ in sums if m_k])
        sse = np.sum([r[4] for r in sums], axis=0)  # (n_L,)
        with np.errstate(divide="ignore", invalid="ignore"):  # a constant output: as sklearn
            r2 = np.where(M2 > 0, 1.0 - sse / M2, np.where(sse == 0, 1.0, 0.0))  # (n_L,)
        return J, float(np.mean(r2))

    def start_losses(self, net, loss):
        """The validation guard's references: J of ``net`` and of the trivial model."""
        return self.data.data_loss(net, loss), self.data.trivial_loss(loss)


class BestSoFar:
    """The training callback that keeps what Ctrl-C keeps (``train.Monitor``): the parameters
    of the epoch (iteration) with the lowest monitored loss, the validation loss with early
    stopping. ``restore`` puts them back after a lost cluster; then calls ``callback``."""

    def __init__(self, net, callback=None):
        self.callback, self.best, self.params = callback, np.inf, net.params.copy()
        self.history = History()

    def __call__(self, net, history):
        self.history = history
        monitored = (history.validation_loss_curve or history.loss_curve)[-1]
        if monitored < self.best:
            self.best, self.params[...] = monitored, net.params
        if self.callback is not None:
            self.callback(net, history)

    def restore(self, net):
        """The best parameters into ``net``; the history, marked as interrupted."""
        net.params[...] = self.params
        self.history.interrupted, self.history.stop_reason = True, "interrupted"
        return self.history


def full_batch(net, data, config):
    """``θ ↦ (J, ∇J)`` over every row of ``data``, for ``train.train_lbfgs_on``."""
    loss, grad = get_loss(config.loss), Grad.zeros_like(net)

    def loss_and_grad_flat(theta):  # θ (P,) -> (J, ∇J (P,))
        net.params[...] = theta
        J_sum, g_sum, m = data.sums(net, loss)
        return reduce_to_cost(net, J_sum, g_sum, m, config.alpha, grad), grad.flat

    return loss_and_grad_flat


# ---------------------------------------------------------------- from Dask collections


def row_sources(X, y):
    """The source of each partition (aligned rows of X and y), and X's column names.

    X is a Dask array (m, n) of any chunking or a Dask DataFrame; y a Dask array, Series or
    DataFrame with the same rows. Non-numeric DataFrame columns raise ``DataError``.
    """
    import dask.array as da

    names = None
    if is_frame(X):
        names = check_numeric_columns(X, "X")
    if is_frame(y):
        check_numeric_columns(y, "y")
    if is_frame(X) and is_frame(y):
        return frame_sources(X, y), names
    X, y = (A.to_dask_array(lengths=True) if is_frame(A) else A for A in (X, y))
    X, y = da.asarray(X), da.asarray(y)
    for what, A in (("X", X), ("y", y)):
        if A.dtype.kind == "c":
            raise DataError(f"{what} is complex; deltaprop fits real numbers, as in memory")
    if X.ndim != 2 or y.ndim not in (1, 2) or X.shape[0] != y.shape[0]:
        raise DataError(
            f"X has shape {X.shape} and y {y.shape}; pass X (m, n) and y (m,) or (m, k)"
        )
    X = X.rechunk({1: -1})  # whole rows: one block per row chunk
    y = y.rechunk({0: X.chunks[0]} | ({1: -1} if y.ndim == 2 else {}))
    xs, ys = X.to_delayed()[:, 0], y.to_delayed().reshape(-1)
    return [(load_part, (k, x, y_k)) for k, (x, y_k) in enumerate(zip(xs, ys, strict=True))], None


def frame_sources(X, y):
    """Sources of DataFrame partitions: X and y's columns side by side in one frame, so that
    one task reads both (one read of the file per pass, its columns projected)."""
    if X.npartitions != y.npartitions:
        raise DataError(
            f"X has {X.npartitions} partitions and y {y.npartitions}; take both from the "
            "same DataFrame, e.g. df[features] and df[target]"
        )
    targets = y.to_frame() if y.ndim == 1 else y
    both = X.assign(**{f"__target_{j}": targets[c] for j, c in enumerate(targets.columns)})
    blocks = both.to_delayed()
    if len(blocks) != X.npartitions:  # y's rows are not X's: aligning them moved rows
        raise DataError(
            "X and y are not partitioned alike; take both from the same DataFrame, e.g. "
            "df[features] and df[target]"
        )
    return [(load_frame_part, (k, block, len(X.columns))) for k, block in enumerate(blocks)]


def load_frame_part(k, block, n):
    """Partition k from a block (m_k, n + n_L) of X's columns then y's."""
    return load_part(k, block.iloc[:, :n], block.iloc[:, n:])


def is_frame(A):
    """A Dask DataFrame or Series (which, unlike a Dask array, has no ``chunks``)."""
    return is_dask_collection(A) and hasattr(A, "npartitions") and not hasattr(A, "chunks")


def check_numeric_columns(frame, what):
    """The column names of a Dask DataFrame or Series; ``DataError`` naming non-numeric ones."""
    from pandas.api.types import is_complex_dtype, is_numeric_dtype

    dtypes = frame.dtypes.items() if frame.ndim == 2 else [(frame.name, frame.dtype)]
    dtypes = [(str(name), t) for name, t in dtypes]
    text = [name for name, t in dtypes if not is_numeric_dtype(t) or is_complex_dtype(t)]
    if text:
        raise DataError(
            f"{what} has non-numeric or complex columns: {', '.join(text)}; drop them or "
            "convert them to real numbers before fitting"
        )
    return [name for name, _ in dtypes]


def moments(client, sources, files=None, split=None):
    """The first distributed pass: each partition read, checked and summarized, not kept.

    Returns the sizes m_k, the global ``(m, mean, M2, largest magnitude)`` of X and of Y
    (Chan et al.'s pairwise combination, in partition order), the column names and the
    partitions' numbers of rows in the validation ``split``. ``DataError`` names the first
    bad partition (and its file).
    """
    from dask import delayed

    tasks = [delayed(on_part, pure=False)(part_moments, s, None, split) for s in sources]
    try:
        results = gather(client, client.compute(tasks))
    except ClusterLostError as err:
        raise ClusterLostError(
            f"the Dask cluster cannot read the data ({err}); start workers (`dask worker "
            "SCHEDULER`) or check the scheduler"
        ) from None
    for k, r in enumerate(results):
        if "bad" in r:
            source = f" ({files[k]})" if files else ""
            raise DataError(f"partition {k}{source}: {r['bad']}")
    for k, r in enumerate(results):
        if r["names"] != results[0]["names"]:
            raise DataError(
                f"{files[k]} has the columns {', '.join(r['names'][0] + r['names'][1])} "
                f"but {files[0]} has {', '.join(sum(results[0]['names'], ()))}; give every "
                "file the same columns"
            )
    sizes = [r["X"][0] for r in results]
    if not sum(sizes):
        raise DataError("the data have no rows (every partition is empty); give rows to fit on")
    filled = [r for r in results if r["X"][0]]  # an empty partition has no moments
    stats = {name: combine([r[name] for r in filled]) for name in ("X", "Y")}
    return sizes, stats, results[0]["names"], [r["n_val"] for r in results]


def combine(stats):
    """(m, mean, M2, largest magnitude) of the union from the partitions' own, in order.

    Each M2 = Σ ((x − mean) / u)² is in units u of its rows' largest magnitude (1 for a
    column of zeros), so that neither 1e300² overflows nor 1e-300² underflows; the union's
    is in units of the union's largest magnitude (Chan et al.'s pairwise combination)."""
    big = np.max([s[3] for s in stats], axis=0)  # (n,)
    unit = np.where(big > 0, big, 1.0)  # (n,)
    m, mean, M2 = 0, np.zeros_like(big), np.zeros_like(big)
    for m_k, mean_k, M2_k, big_k in stats:
        if not m_k:
            continue
        total = m + m_k
        delta = mean_k / unit - mean / unit  # (n,) in the union's units: no overflow
        mean = mean * (m / total) + mean_k * (m_k / total)
        M2_k = M2_k * (np.where(big_k > 0, big_k, 1.0) / unit) ** 2  # in the union's units
        M2 = M2 + M2_k + delta**2 * (m * m_k / total)
        m = total
    return m, mean, M2, big


def scaler_from_moments(stats, standardize, dtype):
    """(mean, scale) in ``dtype`` as ``estimator.scaler`` computes them, from (m, mean, M2,
    largest magnitude): the same constant-column test, through ``estimator.column_scale``."""
    from deltaprop.estimator import column_scale  # estimator imports this module

    m, mean, M2, big = stats
    if not standardize:
        return np.zeros_like(mean, dtype=dtype), np.ones_like(mean, dtype=dtype)
    unit = np.where(big > 0, big, 1.0)  # (n,)
    scale = column_scale(m, mean / unit, M2 / m, unit)  # (n,): M2 is in units of ``unit``
    return mean.astype(dtype), scale.astype(dtype)


KEEP = 0.5  # persist when the partitions take at most this share of the workers' memory


def footprint(m, sizes, dtype):
    """Bytes that m persisted rows take for a network of ``sizes``: X (n_1, m), Y (n_L, m) and
    the full-batch ``Workspace`` (z, a, δ, φ' of each hidden layer; z = a and δ at the output)."""
    n_1, *hidden, n_L = sizes
    return m * np.dtype(dtype).itemsize * (n_1 + 3 * n_L + 4 * sum(hidden))


def keep_in_memory(client, nbytes):
    """Whether to persist ``nbytes`` of partitions: ``deltaprop.persist`` in ``dask.config``
    (True, False or "auto"); "auto": at most ``KEEP`` of the workers' ``memory_limit`` summed,
    less what each worker process already uses (no limit: always)."""
    import dask

    choice = dask.config.get("deltaprop.persist", "auto")
    if choice != "auto":
        return bool(choice)
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    if any(not w.get("memory_limit") for w in workers):
        return True
    free = sum(max(0.0, KEEP * w["memory_limit"] - w["metrics"]["memory"]) for w in workers)
    return nbytes <= free


def prepare(client, X, y, standardize, dtype, hidden=(), split=None):
    """Checked, standardized partitions of X, y: (DaskData, validation, scalers, names)."""
    sources, names = row_sources(X, y)
    data, validation, scalers, _ = scale_parts(client, sources, (standardize, dtype, hidden, split))
    return data, validation, scalers, names


def scale_parts(client, sources, settings, files=None, fix=None):
    """The partitions of ``sources`` standardized; (data, validation, scalers, names).

    ``settings`` is (standardize, dtype, hidden layer sizes, split): with ``split`` =
    (seed, fraction), ``data`` holds the training rows and ``validation`` (else None) the
    validation rows (``validation_rows``). One pass checks the partitions and computes the
    scalers (over all the rows, as in memory), or ``fix(scalers)`` when given (the scalers to
    use instead: ``partial_fit``'s); then the partitions are persisted (one task per
    partition, its lineage kept) when ``keep_in_memory`` says they fit the workers' memory,
    else read again at each pass (the module docstring).
    """
    standardize, dtype, hidden, split = settings
    sizes, stats, names, n_val = moments(client, sources, files, split)
    if sum(sizes) == 0:
        raise DataError("the Dask input has no rows; pass at least one sample")
    scalers = tuple(scaler_from_moments(stats[A], standardize, dtype) for A in ("X", "Y"))
    scalers = scalers if fix is None else fix(scalers)
    y_mean, y_scale = scalers[1]
    y_bar = ((stats["Y"][1] - y_mean) / y_scale).astype(dtype)[:, None]  # (n_L, 1)
    shape = (len(scalers[0][0]), *hidden, len(y_bar))  # (n_1, …, n_L)
    persist = keep_in_memory(client, footprint(sum(sizes), shape, dtype))
    if split is None:
        data = stored(client, sources, sizes, y_bar, (scalers, dtype, None), persist)
        return data, None, scalers, names
    check_validation_sizes(sum(sizes), sum(n_val), split[1])
    train_sizes = np.subtract(sizes, n_val)
    data = stored(client, sources, train_sizes, y_bar, (scalers, dtype, (*split, False)), persist)
    validation = stored(client, sources, n_val, y_bar, (scalers, dtype, (*split, True)), persist)
    return data, validation, scalers, names


def stored(client, sources, sizes, y_bar, prep, persist):
    """``DaskData`` of the partitions of ``sources`` prepared by ``read_part`` with ``prep``:
    persisted (one task each, kept on the workers) or out of core (read at each pass)."""
    from dask import delayed

    if not persist:
        return DaskData(client, sources, sizes, y_bar, prep)
    parts = client.compute([delayed(read_part)(source, prep) for source in sources])
    return DaskData(client, parts, sizes, y_bar)


def fit_dask(estimator, X, y):
    """``DeltapropRegressor.fit`` on Dask collections: the same estimator, trained on workers.

    X: Dask array (m, n) or DataFrame; y: Dask array (m,) / (m, k), Series or DataFrame. Runs
    on the active ``distributed.Client``, else on an in-process ``LocalCluster`` started for
    the fit. Returns the estimator, fitted with the attributes of an in-memory fit.
    """
    from deltaprop.estimator import _target_names

    estimator.train_config()  # hyperparameters checked before any work
    with client_session() as client:
        sources, names = row_sources(X, y)
        fit_parts(estimator, client, sources, y_1d=y.ndim == 1, x_dtype=input_dtype(X))
    estimator.__dict__.pop("feature_names_in_", None)
    if names is not None:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    if is_frame(y):  # a Series' name, a DataFrame's columns (a Dask array's name is its key)
        estimator.target_names_ = _target_names(y)
    return estimator


def input_dtype(X):
    """The network's dtype for ``X`` with ``dtype=None``, as in memory: float32 or float64 as
    X's (a DataFrame's columns together), anything else float64."""
    dtypes = list(X.dtypes) if is_frame(X) and X.ndim == 2 else [X.dtype]
    dtype = np.result_type(*(getattr(t, "numpy_dtype", t) for t in dtypes))
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def fit_parts(estimator, client, sources, *, y_1d, files=None, x_dtype=np.float64):
    """Fit ``estimator`` on the partitions of ``sources`` (the rows of ``files`` when files);
    ``x_dtype`` is the network's dtype when the estimator's ``dtype`` is None.

    Sets the fitted attributes of an in-memory fit and warns as ``fit`` does; returns the
    (feature, target) names read from the files (or None), the number of rows m it was given
    (the training rows, with the validation split of early stopping) and
    whether the partitions were kept in the workers' memory (False: out of core).
    """
    from deltaprop.estimator import make_rng, starting_network, warn_about_fit

    config = estimator.train_config()
    hidden = estimator._hidden_sizes()
    dtype = estimator._network_dtype(x_dtype)
    rng = make_rng(estimator.random_state)
    split = None
    if config.early_stopping and config.solver != "lbfgs":  # as in memory: not for L-BFGS
        split = (int(rng.integers(2**63)), config.validation_fraction)
    settings = (estimator.standardize, dtype, hidden, split)
    data, validation, scalers, names = scale_parts(client, sources, settings, files)
    sizes = (len(scalers[0][0]), *hidden, len(scalers[1][0]))
    net = starting_network(sizes, estimator.activation, config.solver, rng, dtype)
    state = TrainState()  # what a later partial_fit goes on from, as after fit in memory
    try:
        history = train_dask(net, data, config, rng=rng, validation=validation, state=state)
    except ClusterLostError as err:  # usable, with the best parameters so far
        set_fitted(estimator, net, scalers, y_1d, err.history)
        err.names, err.m = names, data.m + (validation.m if validation else 0)
        raise
    set_fitted(estimator, net, scalers, y_1d, history)
    estimator._state = state
    warn_about_fit(history, config)
    return names, data.m + (validation.m if validation else 0), data.persisted


def partial_fit_dask(estimator, X, y, config, first, scalers=None):
    """``DeltapropRegressor.partial_fit`` on Dask collections: one pass over their rows.

    The rows are checked and standardized on the workers as for ``fit`` (one distributed
    pass); the first call (``first``: no ``network_`` yet) takes its scalers from it, or from
    ``scalers`` (a dict, as in memory), later calls keep the fitted ones. Then one epoch of
    ``config``'s step rule in ``DaskBatches``, going on from the estimator's ``TrainState``
    (shared with in-memory calls): the same permutation, batches and updates as in memory.
    """
    from deltaprop.estimator import _target_names

    with client_session() as client:
        sources, _ = row_sources(X, y)
        check_columns(estimator, X, y, first)
        dtype = estimator._network_dtype(input_dtype(X)) if first else estimator.x_mean_.dtype
        settings = (estimator.standardize, dtype, estimator._hidden_sizes(), None)
        fix = functools.partial(kept_scalers, estimator, first, scalers)
        data, *_ = scale_parts(client, sources, settings, fix=fix)
        state, rng = estimator._start(len(estimator.x_mean_), dtype, config, first)
        history = train_dask(estimator.network_, data, config, rng=rng, state=state, final=False)
    estimator._state = state
    estimator._y_ndim = y.ndim
    estimator.target_names_ = _target_names(y) if is_frame(y) else None
    estimator._set_history(history)
    return estimator


def check_columns(estimator, X, y, first):
    """What ``partial_fit`` checks in memory of X's columns (their number and names, by
    scikit-learn's ``validate_data`` on X's empty meta; set when ``first``) and of y's
    number of outputs (``n_outputs_``, set when ``first``), before any row is read."""
    from sklearn.utils.validation import validate_data

    from deltaprop.estimator import check_column_names

    meta = X._meta if is_frame(X) else np.empty((0, X.shape[1]), X.dtype)  # (0, n)
    check_column_names(meta)
    validate_data(
        estimator, meta, reset=first, ensure_min_samples=0, ensure_all_finite=False, dtype=None
    )
    k = 1 if y.ndim == 1 else len(y.columns) if is_frame(y) else y.shape[1]
    if first:
        estimator.n_outputs_ = k
    else:
        estimator._check_outputs(k)


def kept_scalers(estimator, first, scalers, computed):
    """The scalers of a ``partial_fit`` call: when ``first``, ``computed`` (from its rows)
    with those in ``scalers`` (a dict) replacing them, set on the estimator; else the
    estimator's."""
    if first:
        (estimator.x_mean_, estimator.x_scale_), (estimator.y_mean_, estimator.y_scale_) = computed
        if scalers is not None:
            estimator._set_scalers(scalers)
    return (estimator.x_mean_, estimator.x_scale_), (estimator.y_mean_, estimator.y_scale_)


def set_fitted(estimator, net, scalers, y_1d, history):
    """The fitted attributes of an in-memory fit, from the trained ``net`` and the scalers."""
    (x_mean, x_scale), (y_mean, y_scale) = scalers
    estimator.network_ = net
    estimator.x_mean_, estimator.x_scale_ = x_mean, x_scale
    estimator.y_mean_, estimator.y_scale_ = y_mean, y_scale
    estimator.n_features_in_, estimator.n_outputs_ = net.sizes[0], net.sizes[-1]
    estimator._y_ndim = 1 if y_1d and net.sizes[-1] == 1 else 2
    estimator.target_names_ = None
    estimator._set_history(history)


# ---------------------------------------------------------------- from files, for the CLI


def load_file(k, path, columns, split):
    """Partition k read on its worker from a CSV or Parquet file by ``data.read_dataset``.

    ``columns`` is (target, features, exclude, sep) as ``read_dataset`` takes them; ``split``
    is (test_size, seed, held_out): the rows whose draw from ``default_rng([seed, k])`` falls
    below test_size are the held-out rows, the others the training rows. A file that cannot be
    used becomes an empty ``Part`` with the one-line message of its ``DataError``.
    """
    from deltaprop.data import read_dataset
    from deltaprop.errors import DeltapropError

    try:
        data = read_dataset(path, *columns)
    except DeltapropError as err:
        empty = np.empty((0, 0))
        return Part(k, empty, empty, error=str(err))
    test_size, seed, held_out = split
    test = np.random.default_rng([seed, k]).random(data.n_samples) < test_size  # (m_k,)
    rows = test if held_out else ~test
    names = (data.feature_names, data.target_names)
    return Part(k, data.X[rows].T, data.y[rows].T, names=names)


def predict_part(part, model):
    """(Y, Ŷ) of partition k, each (m_k, n_L): its targets and the model's predictions."""
    Y = part.Y.T  # (m_k, n_L)
    if part.m == 0:
        return Y, Y
    return Y, np.asarray(model.predict(part.X.T)).reshape(part.m, -1)


MAX_LOCAL_WORKERS = 256  # worker processes of --dask local:N


def local_workers(spec):
    """N of "local:N", 0 for a scheduler address tcp://HOST[:PORT]; ``ConfigError`` for
    anything else, before a cluster starts."""
    n = spec.removeprefix("local:")
    if spec.startswith("local:"):
        if n.isascii() and n.isdigit() and 1 <= int(n) <= MAX_LOCAL_WORKERS:
            return int(n)
        raise ConfigError(
            f"--dask {spec!r}: N of local:N must be a whole number from 1 to "
            f"{MAX_LOCAL_WORKERS}, e.g. local:2"
        )
    if not _is_address(spec):
        raise ConfigError(
            f"--dask {spec!r} is not known; use local:N (N worker processes on this machine) "
            "or the scheduler's tcp:// address, e.g. tcp://scheduler:8786"
        )
    return 0


def _is_address(spec):
    """Whether ``spec`` is tcp://HOST or tcp://HOST:PORT (the protocol that needs no extra
    package or security settings), or the inproc:// address of a scheduler in this process."""
    try:
        url = urllib.parse.urlsplit(spec)
        port = url.port  # ValueError when it is not a number from 0 to 65535
    except ValueError:  # "tcp://[::1"
        return False
    if url.scheme == "inproc":
        return bool(url.netloc)
    plain = not (url.path.strip("/") or url.query or url.fragment or url.username)
    return url.scheme == "tcp" and bool(url.hostname) and port != 0 and plain


@contextlib.contextmanager
def connect(spec):
    """A ``Client`` for ``--dask``: "local:N" (a ``LocalCluster`` of N worker processes, closed
    at the end) or a scheduler address such as "tcp://host:8786"."""
    require_dask()
    import logging

    from distributed import Client, LocalCluster

    if local_workers(spec):
        with (
            LocalCluster(
                n_workers=local_workers(spec),
                threads_per_worker=1,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(spec, timeout="10s")
    except (OSError, ValueError) as err:  # unreachable, or an inproc:// address of no one
        raise ConfigError(
            f"cannot reach the Dask scheduler at {spec} ({first_line(err)}); start it with "
            "`dask scheduler`, or use --dask local:2"
        ) from None
    with client:
        yield client
