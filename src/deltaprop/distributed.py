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
batch; the sums over the shares are the in-memory batch gradient.

Where the data lives (the choice): persisted partitions, held as Dask futures. Each partition
is computed once on a worker into a ``Part`` (its rows as columns, standardized, of the
network's dtype); every step submits one small task per partition *with the partition's
future as its argument*, so the scheduler runs it where the partition already is (data
locality: a task goes to the worker holding its largest input) and nothing but θ moves.
Futures rather than Dask actors, because a future keeps its lineage: if a worker dies, the
scheduler recomputes its partitions on the remaining workers from the source (the array's
chunks or the files), while an actor's state dies with its worker.

Without an active ``distributed.Client``, ``fit`` starts an in-process ``LocalCluster``
(threads, one worker) for the duration of the fit and closes it afterwards.
"""

import contextlib
import sys
from dataclasses import dataclass, field

import numpy as np

from deltaprop.errors import ConfigError, DataError, require
from deltaprop.losses import get_loss
from deltaprop.network import (
    Grad,
    Network,
    Workspace,
    check_dtype,
    check_sizes,
    loss_and_grad_unchecked,
)
from deltaprop.train import (
    Batches,
    batch_size_for,
    check_params,
    data_loss,
    overflow_is_divergence,
    train_epochs,
    train_lbfgs_on,
    trivial_loss,
)


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
    return Part(k, X.reshape(len(X), -1).T, Y.reshape(len(Y), -1).T)


def first_line(err):
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def part_moments(part):
    """One pass over partition k: (m_k, means, M2 = Σ (x − mean)², max |x|) of X and Y, or the
    first non-finite entry as ("X" or "Y", row in the partition, column)."""
    if part.error:
        return {"bad": part.error}
    moments = {"names": part.names}
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
        mean = A.mean(axis=1, dtype=np.float64)  # (n,)
        M2 = ((A - mean[:, None]) ** 2).sum(axis=1)  # (n,)
        moments[name] = (part.m, mean, M2, np.abs(A).max(axis=1, initial=0.0))
    return moments


def scale_part(part, scalers, dtype):
    """Partition k standardized with the global scalers, in the network's dtype."""
    (x_mean, x_scale), (y_mean, y_scale) = scalers
    X = ((part.X - x_mean[:, None]) / x_scale[:, None]).astype(dtype)  # (n_1, m_k)
    Y = ((part.Y - y_mean[:, None]) / y_scale[:, None]).astype(dtype)  # (n_L, m_k)
    return Part(part.k, X, Y)


def part_sums(part, theta, spec, cols=None):
    """(Σ_{i∈k} J^(i), Σ_{i∈k} ∂J^(i)/∂θ, m_k) at θ over partition k, or its columns ``cols``.

    ``spec`` is (sizes, activation, dtype, loss). The existing forward and backward give the
    means over the m_k columns with α = 0; times m_k they are the sums.
    """
    sizes, activation, dtype, loss = spec
    net = Network(sizes, activation, dtype=dtype, params=theta)
    X, Y = (part.X, part.Y) if cols is None else (part.X[:, cols], part.Y[:, cols])
    m_k = X.shape[1]
    if m_k not in part.workspaces:
        part.workspaces[m_k] = Workspace(net, m_k)
    grad = Grad.zeros_like(net)
    J, _ = loss_and_grad_unchecked(net, X, Y, 0.0, get_loss(loss), grad, part.workspaces[m_k])
    return J * m_k, grad.flat * m_k, m_k


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
    """The training rows as persisted ``Part`` futures on a Dask cluster.

    Parameters
    ----------
    client : distributed.Client
    parts : list of Future
        One ``Part`` per partition, in row order.
    sizes : list of int
        m_k of each partition.
    y_bar : ndarray (n_L, 1)
        The mean of the standardized targets (of the trivial model that predicts it).
    """

    def __init__(self, client, parts, sizes, y_bar):
        self.client, self.parts, self.sizes, self.y_bar = client, parts, list(sizes), y_bar
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])  # first global row of k

    @property
    def m(self):
        return int(self.offsets[-1])

    def map(self, func, *args, **kwargs):
        """``func(part, *args)`` on each partition's worker; the list of futures."""
        return [self.client.submit(func, part, *args, pure=False, **kwargs) for part in self.parts]

    def sums(self, net, loss, shares=None):
        """Σ_k of the triples of ``part_sums`` at ``net.params``: (Σ J^(i), Σ ∂J^(i)/∂θ, b).

        ``shares`` maps partition k to its local columns of a batch (None: every row).
        """
        spec = (net.sizes, net.activation.name, net.dtype, loss.name)
        if shares is None:
            futures = self.map(part_sums, net.params, spec)
        else:
            futures = [
                self.client.submit(part_sums, self.parts[k], net.params, spec, cols, pure=False)
                for k, cols in shares.items()
            ]
        triples = self.client.gather(futures)
        J_sum = sum(t[0] for t in triples)
        g_sum = np.sum([t[1] for t in triples], axis=0)  # (P,), in partition order
        return J_sum, g_sum, sum(t[2] for t in triples)

    def data_loss(self, net, loss):
        """The data term (1/m) Σ_i J^(i) of ``net`` over every row: one pass, forward only."""
        spec = (net.sizes, net.activation.name, net.dtype, loss.name)
        return sum(self.client.gather(self.map(part_data_sum, net.params, spec))) / self.m

    def trivial_loss(self, loss):
        """The data term of the model that predicts ``y_bar`` for every row: one pass."""
        return sum(self.client.gather(self.map(part_trivial_sum, self.y_bar, loss.name))) / self.m


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

    def __init__(self, data, batch_size, shuffle, trivial):
        self.data, self.m, self.trivial = data, data.m, trivial
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


def train_dask(net, data, config, *, rng, callback=None):
    """``train.train`` on a ``DaskData``: fits ``net`` in place, returns the ``History``
    (with its ``final_loss`` and ``trivial_loss``, each one more pass over the partitions)."""
    if config.early_stopping:
        raise ConfigError(
            "early_stopping is not available for Dask input yet; set early_stopping=False"
        )
    check_params(net.params, 0, config)
    loss = get_loss(config.loss)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        trivial = data.trivial_loss(loss)
        if config.solver == "lbfgs":
            fun = full_batch(net, data, config)
            with overflow_is_divergence(0, config):
                start = fun(net.params)[0], trivial  # J at the start: one more round trip
            history = train_lbfgs_on(net, fun, data.m, start, config, callback)
        else:
            batches = DaskBatches(data, batch_size_for(config, data.m), config.shuffle, trivial)
            history = train_epochs(net, None, None, config, rng, callback, batches)
        with overflow_is_divergence(history.n_iter, config):
            history.final_loss = data.data_loss(net, loss)
    history.trivial_loss = trivial
    return history


def full_batch(net, data, config):
    """``θ ↦ (J, ∇J)`` over every row of ``data``, for ``train.train_lbfgs_on``."""
    loss, grad = get_loss(config.loss), Grad.zeros_like(net)

    def loss_and_grad_flat(theta):  # θ (P,) -> (J, ∇J (P,))
        net.params[...] = theta
        J_sum, g_sum, m = data.sums(net, loss)
        return reduce_to_cost(net, J_sum, g_sum, m, config.alpha, grad), grad.flat

    return loss_and_grad_flat


# ---------------------------------------------------------------- from Dask collections


def row_blocks(X, y):
    """Aligned blocks of rows of X and y as ``dask.delayed`` lists, and X's column names.

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
        if X.npartitions != y.npartitions:
            raise DataError(
                f"X has {X.npartitions} partitions and y {y.npartitions}; take both from the "
                "same DataFrame, e.g. df[features] and df[target]"
            )
        return list(X.to_delayed()), list(y.to_delayed()), names
    X, y = (A.to_dask_array(lengths=True) if is_frame(A) else A for A in (X, y))
    X, y = da.asarray(X), da.asarray(y)
    if X.ndim != 2 or y.ndim not in (1, 2) or X.shape[0] != y.shape[0]:
        raise DataError(
            f"X has shape {X.shape} and y {y.shape}; pass X (m, n) and y (m,) or (m, k)"
        )
    X = X.rechunk({1: -1})  # whole rows: one block per row chunk
    y = y.rechunk({0: X.chunks[0]} | ({1: -1} if y.ndim == 2 else {}))
    return list(X.to_delayed()[:, 0]), list(y.to_delayed().reshape(-1)), names


def is_frame(A):
    """A Dask DataFrame or Series (which, unlike a Dask array, has no ``chunks``)."""
    return is_dask_collection(A) and hasattr(A, "npartitions") and not hasattr(A, "chunks")


def check_numeric_columns(frame, what):
    """The column names of a Dask DataFrame or Series; ``DataError`` naming non-numeric ones."""
    from pandas.api.types import is_numeric_dtype

    dtypes = frame.dtypes.items() if frame.ndim == 2 else [(frame.name, frame.dtype)]
    dtypes = [(str(name), t) for name, t in dtypes]
    text = [name for name, t in dtypes if not is_numeric_dtype(t)]
    if text:
        raise DataError(
            f"{what} has non-numeric columns: {', '.join(text)}; drop them or convert them "
            "to numbers before fitting"
        )
    return [name for name, _ in dtypes]


def persist_parts(client, xs, ys):
    """One ``Part`` future per pair of blocks, computed and kept on the workers."""
    from dask import delayed

    return client.compute(
        [delayed(load_part)(k, x, y) for k, (x, y) in enumerate(zip(xs, ys, strict=True))]
    )


def moments(client, parts, sources=None):
    """The one distributed pass: per-partition checks and the moments of X and Y.

    Returns the sizes m_k and the global ``(m, mean, M2, largest magnitude)`` of X and of Y
    (Chan et al.'s pairwise combination, in partition order). ``DataError`` names the first bad
    partition.
    """
    results = client.gather([client.submit(part_moments, p, pure=False) for p in parts])
    for k, r in enumerate(results):
        if "bad" in r:
            source = f" ({sources[k]})" if sources else ""
            raise DataError(f"partition {k}{source}: {r['bad']}")
    for k, r in enumerate(results):
        if r["names"] != results[0]["names"]:
            raise DataError(
                f"{sources[k]} has the columns {', '.join(r['names'][0] + r['names'][1])} "
                f"but {sources[0]} has {', '.join(sum(results[0]['names'], ()))}; give every "
                "file the same columns"
            )
    sizes = [r["X"][0] for r in results]
    stats = {name: combine([r[name] for r in results]) for name in ("X", "Y")}
    return sizes, stats, results[0]["names"]


def combine(stats):
    """(m, mean, M2, largest magnitude) of the union from the partitions' own, in order."""
    m, mean, M2, big = stats[0]
    for m_k, mean_k, M2_k, big_k in stats[1:]:
        delta = mean_k - mean
        total = m + m_k
        mean = mean + delta * (m_k / total)
        M2 = M2 + M2_k + delta**2 * (m * m_k / total)
        m, big = total, np.maximum(big, big_k)
    return m, mean, M2, big


def scaler_from_moments(stats, standardize, dtype):
    """(mean, scale) in ``dtype`` as ``estimator.scaler`` computes them, from (m, mean, M2,
    largest magnitude): the same constant-column test, through ``estimator.column_scale``."""
    from deltaprop.estimator import column_scale  # estimator imports this module

    m, mean, M2, big = stats
    if not standardize:
        return np.zeros_like(mean, dtype=dtype), np.ones_like(mean, dtype=dtype)
    unit = np.where(big > 0, big, 1.0)  # (n,)
    scale = column_scale(m, mean / unit, M2 / m / unit / unit, unit)  # (n,)
    return mean.astype(dtype), scale.astype(dtype)


def prepare(client, X, y, standardize, dtype):
    """Persisted, checked, standardized partitions of X, y: (DaskData, scalers, names)."""
    xs, ys, names = row_blocks(X, y)
    data, scalers, _ = scale_parts(client, persist_parts(client, xs, ys), standardize, dtype)
    return data, scalers, names


def scale_parts(client, raw, standardize, dtype, sources=None):
    """``DaskData`` of the ``raw`` ``Part`` futures standardized; (data, scalers, file names).

    One pass checks the partitions and computes the scalers; a second task per partition
    standardizes it on its worker (its lineage kept, the raw block released).
    """
    sizes, stats, names = moments(client, raw, sources)
    if sum(sizes) == 0:
        raise DataError("the Dask input has no rows; pass at least one sample")
    scalers = tuple(scaler_from_moments(stats[A], standardize, dtype) for A in ("X", "Y"))
    parts = [client.submit(scale_part, p, scalers, dtype, pure=False) for p in raw]
    y_mean, y_scale = scalers[1]
    y_bar = ((stats["Y"][1] - y_mean) / y_scale).astype(dtype)[:, None]  # (n_L, 1)
    return DaskData(client, parts, sizes, y_bar), scalers, names


def fit_dask(estimator, X, y):
    """``DeltapropRegressor.fit`` on Dask collections: the same estimator, trained on workers.

    X: Dask array (m, n) or DataFrame; y: Dask array (m,) / (m, k), Series or DataFrame. Runs
    on the active ``distributed.Client``, else on an in-process ``LocalCluster`` started for
    the fit. Returns the estimator, fitted with the attributes of an in-memory fit.
    """
    from deltaprop.estimator import _target_names

    estimator.train_config()  # hyperparameters checked before any work
    with client_session() as client:
        xs, ys, names = row_blocks(X, y)
        raw = persist_parts(client, xs, ys)
        fit_parts(estimator, client, raw, y_1d=y.ndim == 1)
    estimator.__dict__.pop("feature_names_in_", None)
    if names is not None:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    if is_frame(y):  # a Series' name, a DataFrame's columns (a Dask array's name is its key)
        estimator.target_names_ = _target_names(y)
    return estimator


def fit_parts(estimator, client, raw, *, y_1d, sources=None):
    """Fit ``estimator`` on the ``Part`` futures ``raw`` (rows of ``sources`` when files).

    Sets the fitted attributes of an in-memory fit and warns as ``fit`` does; returns the
    (feature, target) names read from the files (or None) and the number of training rows m.
    """
    from deltaprop.estimator import make_rng, starting_network, warn_about_fit

    config = estimator.train_config()
    hidden = check_sizes(estimator.hidden_layer_sizes, name="hidden_layer_sizes", min_layers=0)
    dtype = check_dtype(estimator.dtype)
    rng = make_rng(estimator.random_state)
    data, scalers, names = scale_parts(client, raw, estimator.standardize, dtype, sources)
    (x_mean, x_scale), (y_mean, y_scale) = scalers
    sizes = (len(x_mean), *hidden, len(y_mean))
    net = starting_network(sizes, estimator.activation, config.solver, rng, dtype)
    history = train_dask(net, data, config, rng=rng)
    estimator.network_ = net
    estimator.x_mean_, estimator.x_scale_ = x_mean, x_scale
    estimator.y_mean_, estimator.y_scale_ = y_mean, y_scale
    estimator.n_features_in_, estimator.n_outputs_ = sizes[0], sizes[-1]
    estimator._y_ndim = 1 if y_1d and sizes[-1] == 1 else 2
    estimator.target_names_ = None
    estimator._set_history(history)
    warn_about_fit(history, config)
    return names, data.m


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


def local_workers(spec):
    """N of "local:N", 0 for a scheduler address; ``ConfigError`` for anything else."""
    n = spec.removeprefix("local:")
    if spec.startswith("local:") and n.isdigit() and int(n) >= 1:
        return int(n)
    if "://" not in spec:
        raise ConfigError(
            f"--dask {spec!r} is not known; use local:N (N worker processes on this machine) "
            "or the scheduler's address, e.g. tcp://scheduler:8786"
        )
    return 0


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
    except OSError as err:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {spec} ({first_line(err)}); start it with "
            "`dask scheduler`, or use --dask local:2"
        ) from None
    with client:
        yield client
