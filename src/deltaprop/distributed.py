"""Training on a Dask cluster with the same gradient as in memory: the sum over i, split.

The cost of the question, J = (1/m) Σ_i J^(i) + (α/2m) Σ_l ‖Θ^(l)‖²_F, is a sum over samples,
and so is its gradient. Split the m rows into partitions k = 1..K (m = Σ_k m_k): for the θ it
is sent, the worker holding partition k runs the in-memory forward and backward with α = 0 and
returns (S_k, G_k, m_k) = (Σ_{i∈k} J^(i), Σ_{i∈k} ∂J^(i)/∂θ, m_k). The driver adds them in
partition order and applies 1/m and the α term once:

    J  = (1/m) Σ_k S_k + (α/2m) Σ_l ‖Θ^(l)‖²_F
    ∇J = (1/m) Σ_k G_k + (α/m) Θ        (weights only, not biases)

Only θ travels to the workers and only the sums come back. A mini-batch is the same
permutation and batches as ``trainingdata.Batches``, each worker summing its share.
``DaskData`` offers this to ``train.train_on`` as ``trainingdata.InMemoryData`` does in
memory (docs/design.md "The training-data seam"). Where the partitions live (persisted
futures, or read again from their *source* at each pass: out of core, ``keep_in_memory``),
the validation split drawn on the workers, and the measurements: docs/scaling.md. Without an
active ``distributed.Client``, ``fit`` starts an in-process ``LocalCluster`` for the fit.
"""

import contextlib
import functools
import urllib.parse
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import ClusterLostError, ConfigError, DataError, DeltapropError, require
from deltaprop.lazy import is_dask_collection
from deltaprop.losses import get_loss
from deltaprop.network import Grad
from deltaprop.scaling import combine, dense_moments, scaler_from_moments
from deltaprop.trainingdata import (
    Batches,
    TrainingData,
    check_validation_sizes,
    data_loss,
    outputs,
    r2_score,
    trivial_loss,
)

__all__ = ["ClusterLostError", "DaskData", "DaskRows", "dask_rows"]

LOST_AFTER = 30.0  # seconds without any worker before a pass gives up (``deltaprop.lost-after``)


def require_dask():
    """Import ``dask`` and ``distributed``; ``ConfigError`` naming the extra when missing."""
    for module in ("dask", "distributed"):
        require(module, "dask", name="Dask")


# ---------------------------------------------------------------- on the workers


@dataclass
class Part:
    """Partition k on its worker: X (n_1, m_k) and Y (n_L, m_k), samples as columns."""

    k: int
    X: np.ndarray  # (n_1, m_k)
    Y: np.ndarray  # (n_L, m_k)
    error: str = ""  # why the block could not be read as numbers
    names: tuple | None = None  # (feature names, target names) when read from a file

    @classmethod
    def bad(cls, k, error):
        """Partition k that could not be read, and why."""
        return cls(k, np.empty((0, 0)), np.empty((0, 0)), error=error)

    @property
    def m(self):
        return self.X.shape[1]

    @functools.cached_property
    def steps(self):
        """The in-memory ``Batches`` of the partition: its workspaces by batch size, reused."""
        return Batches(self.X, self.Y, max(self.m, 1), shuffle=False)


def load_part(k, x_block, y_block):
    """Partition k from a block of rows of X (m_k, n) and y (m_k,) or (m_k, n_L), as float64.

    A block that does not convert to numbers becomes an empty ``Part`` with its ``error``.
    X is kept as C-ordered columns (n_1, m_k): the layout ``trainingdata.Batches`` multiplies
    fastest, and would otherwise copy.
    """
    try:
        X = np.asarray(x_block, dtype=np.float64)
        Y = np.asarray(y_block, dtype=np.float64)
    except (TypeError, ValueError) as err:
        return Part.bad(k, f"a value is not a number ({first_line(err)}); convert it")
    return Part(k, np.ascontiguousarray(as_rows(X).T), as_rows(Y).T)


def as_rows(A):
    """A block of rows (m_k,) or (m_k, n) as (m_k, n), also when it has no rows."""
    return A[:, None] if A.ndim == 1 else A


def first_line(err):
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def part_moments(part):
    """One pass over partition k: ``scaling.moments`` of X and Y, or the first non-finite
    entry as ("X" or "Y", row in the partition, column)."""
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
        # an empty partition (after a filter) has no moments: ``moments`` skips it
        moments[name] = dense_moments(A.T) if part.m else (0, None, None, None)
    return moments


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
    ((x_mean, x_scale), (y_mean, y_scale)), dtype, split = prep
    cols = slice(None)  # every row, or those of one side of the split
    if split is not None:
        *rule, validation = split
        val = validation_rows(part.k, part.m, rule)  # (m_k,)
        cols = val if validation else ~val
    X = part.X[:, cols] - x_mean[:, None]  # (n_1, m_k), a new array: divided in place
    X /= x_scale[:, None]
    Y = part.Y[:, cols] - y_mean[:, None]  # (n_L, m_k)
    Y /= y_scale[:, None]
    return Part(part.k, X.astype(dtype, copy=False), Y.astype(dtype, copy=False))


def on_part(func, source, prep, *args):
    """``func(part, *args)`` on partition k read afresh from ``source`` (out of core: the
    partition lives only as long as this task)."""
    return func(read_part(source, prep), *args)


def part_sums(part, net, loss, cols=None):
    """(Σ_{i∈k} J^(i), Σ_{i∈k} ∂J^(i)/∂θ, m_k) at ``net.params`` over partition k, or its
    columns ``cols``: the in-memory batch's means with α = 0, times m_k."""
    batch = (part.X, part.Y) if cols is None else (part.X[:, cols], part.Y[:, cols])
    m_k = batch[0].shape[1]
    if m_k == 0:  # a partition whose rows all went to validation
        return 0.0, np.zeros_like(net.params), 0
    grad = Grad.zeros_like(net)
    J = part.steps.loss_and_grad(net, batch, 0.0, get_loss(loss), grad)
    return J * m_k, grad.flat * m_k, m_k


def part_validation(part, net, loss):
    """On the validation rows of partition k: (Σ_{i∈k} J^(i), m_k, and per output the mean
    and M2 = Σ (y − mean)² of y and Σ (y − a^(L))²)."""
    if part.m == 0:
        return 0.0, 0, None, None, np.zeros(part.Y.shape[0])
    A = outputs(net, part.X)  # (n_L, m_k)
    mean = part.Y.mean(axis=1)  # (n_L,)
    M2 = ((part.Y - mean[:, None]) ** 2).sum(axis=1)  # (n_L,)
    return get_loss(loss).value(A, part.Y), part.m, mean, M2, ((part.Y - A) ** 2).sum(axis=1)


def part_data_sum(part, net, loss):
    """Σ_{i∈k} J^(i) at ``net.params`` over partition k (the data term, forward only)."""
    return data_loss(net, part.X, part.Y, get_loss(loss)) * part.m if part.m else 0.0


def part_trivial_sum(part, y_bar, loss):
    """Σ_{i∈k} J^(i) of the model that predicts ȳ (n_L, 1) for every row of partition k."""
    return trivial_loss(part.Y, y_bar, get_loss(loss)) * part.m if part.m else 0.0


# ---------------------------------------------------------------- on the driver


class DaskRows:
    """The rows of a fit on a Dask cluster before standardizing, as ``trainingdata.Rows`` in
    memory (and ``meta``: rows (0, n) with X's columns, for the column checks): the partitions'
    sources, checked and summarized by one distributed pass (``moments``) when first needed.
    ``hidden`` (the hidden layer sizes) sizes the full-batch workspace in the choice to
    persist (``keep_in_memory``); ``persisted`` is that choice, once made.
    """

    def __init__(self, client, sources, *, files=None, hidden=(), meta=None):
        self.client, self.sources, self.files, self.hidden = client, sources, files, hidden
        self._meta, self.persisted = meta, None
        self.target_names, self.y_ndim, self.dtype = None, 2, np.dtype(np.float64)

    @classmethod
    def from_collections(cls, client, X, y, hidden=()):
        """The rows of Dask collections X (m, n) and y (m,) or (m, k) (``row_sources``)."""
        sources = row_sources(X, y)
        meta = X._meta if is_frame(X) else np.empty((0, X.shape[1]), X.dtype)  # (0, n)
        rows = cls(client, sources, hidden=hidden, meta=meta)
        rows.target_names = check_numeric_columns(y, "y") if is_frame(y) else None
        rows.y_ndim, rows.dtype = y.ndim, input_dtype(X)
        return rows

    @classmethod
    def from_files(cls, client, sources, files, hidden=()):
        """The rows of ``files``, one partition each (``load_file``); one pass reads them."""
        rows = cls(client, sources, files=files, hidden=hidden)
        rows.y_ndim = 1 if rows.n_outputs == 1 else 2  # one target: predictions (m,)
        return rows

    @functools.cached_property
    def summary(self):
        """(sizes m_k, {"X": moments, "Y": moments}, (feature, target) names from files)."""
        return moments(self.client, self.sources, self.files)

    n_features = property(lambda self: len(self.summary[1]["X"][1]))
    n_outputs = property(lambda self: len(self.summary[1]["Y"][1]))
    m = property(lambda self: sum(self.summary[0]))
    names = property(lambda self: self.summary[2])  # (features, targets) from files, or None

    @property
    def meta(self):
        return np.empty((0, self.n_features)) if self._meta is None else self._meta

    def scalers(self, standardize, dtype, columns):
        """((x_mean, x_scale), (y_mean, y_scale)) in ``dtype`` from the moments of all the
        rows (``scaling.scaler_from_moments``); ``standardize`` = (of X, of Y)."""
        stats = self.summary[1]
        return tuple(
            scaler_from_moments(stats[A], on, dtype, column)
            for A, on, column in zip(("X", "Y"), standardize, columns, strict=True)
        )

    def standardized(self, scalers, dtype, columns=None):
        """The ``DaskData`` of the partitions standardized with ``scalers`` on the workers,
        persisted when ``keep_in_memory`` says they fit the workers' memory."""
        sizes, stats, _ = self.summary  # ``moments`` refuses data without rows
        y_mean, y_scale = scalers[1]
        y_bar = ((stats["Y"][1] - y_mean) / y_scale).astype(dtype)[:, None]  # (n_L, 1)
        shape = (self.n_features, *self.hidden, self.n_outputs)  # (n_1, …, n_L)
        self.persisted = keep_in_memory(self.client, footprint(sum(sizes), shape, dtype))
        prep = (scalers, dtype, None)
        return DaskData(self.client, self.sources, sizes, y_bar, prep, self.persisted)


@contextlib.contextmanager
def dask_rows(X, y, hidden=()):
    """The ``DaskRows`` of Dask collections X and y on the active ``distributed.Client``, else
    on an in-process ``LocalCluster`` (threads, one worker) for the block."""
    require_dask()
    from distributed import Client, LocalCluster, get_client

    try:
        client = get_client()
    except ValueError:  # no client active
        client = None
    if client is not None:
        yield DaskRows.from_collections(client, X, y, hidden)
        return
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield DaskRows.from_collections(client, X, y, hidden)


class DaskData(TrainingData):
    """Standardized training rows on a Dask cluster: what ``train.train_on`` trains on, as
    ``trainingdata.InMemoryData`` in memory. The partitions come from their ``sources`` (load,
    args) in row order, m_k = ``sizes[k]`` rows each (in this part of a validation split),
    prepared by ``read_part`` with ``prep`` = (scalers, dtype, split); ``y_bar`` (n_L, 1) is the
    mean standardized target; ``persist``: keep them on the workers (futures, their lineage
    kept), else read them again from their sources in each task (out of core).
    """

    def __init__(self, client, sources, sizes, y_bar, prep, persist):
        self.client, self.sources, self.sizes, self.y_bar = client, sources, list(sizes), y_bar
        self.prep, self.persisted = prep, persist
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])  # first global row of k
        self.halves = None  # (training, validation) DaskData after ``split``

    @property
    def m(self):
        return int(self.offsets[-1])

    @functools.cached_property
    def parts(self):
        """The persisted ``Part`` futures (computed on first use, one task each)."""
        from dask import delayed

        return self.client.compute([delayed(read_part)(s, self.prep) for s in self.sources])

    def submit(self, k, func, *args):
        """``func(part_k, *args)`` on a worker: where partition k is kept, or reading it."""
        if self.persisted:
            return self.client.submit(func, self.parts[k], *args, pure=False)
        from dask import delayed

        task = delayed(on_part, pure=False)(func, self.sources[k], self.prep, *args)
        return self.client.compute(task)

    def map(self, func, *args):
        """``func(part, *args)`` on each partition's worker; the list of futures."""
        return [self.submit(k, func, *args) for k in range(len(self.sources))]

    def gather(self, futures):
        """The futures' results; ``ClusterLostError`` if the cluster goes away meanwhile."""
        return gather(self.client, futures)

    def sums(self, net, loss, shares=None):
        """Σ_k of the triples of ``part_sums`` at ``net.params``: (Σ J^(i), Σ ∂J^(i)/∂θ, b).

        ``shares`` maps partition k to its local columns of a batch (None: every row).
        """
        shares = dict.fromkeys(range(len(self.sources))) if shares is None else shares
        triples = self.gather(
            [self.submit(k, part_sums, net, loss.name, cols) for k, cols in shares.items()]
        )
        J_sum = sum(t[0] for t in triples)
        g_sum = np.sum([t[1] for t in triples], axis=0)  # (P,), in partition order
        return J_sum, g_sum, sum(t[2] for t in triples)

    def shares(self, rows):
        """Partition k → the local column numbers of ``rows`` (global row numbers) in it."""
        k = np.searchsorted(self.offsets, rows, side="right") - 1  # partition of each row
        return {int(p): rows[k == p] - self.offsets[p] for p in np.unique(k)}

    def batches(self, batch_size, shuffle):
        return DaskBatches(self, batch_size, shuffle)

    def split(self, fraction, rng):
        """(training part, validation part): the rows of partition k whose draw from
        ``default_rng([seed, k])`` falls below ``fraction`` validate (``validation_rows``; the
        seed drawn from ``rng``), each worker drawing its own; the driver draws them once to
        count them."""
        split = (int(rng.integers(2**63)), fraction)
        n_val = [int(validation_rows(k, m_k, split).sum()) for k, m_k in enumerate(self.sizes)]
        check_validation_sizes(self.m, sum(n_val), fraction)
        scalers, dtype, _ = self.prep
        self.halves = tuple(
            DaskData(
                self.client,
                self.sources,
                np.subtract(self.sizes, n_val) if not validation else n_val,
                self.y_bar,
                (scalers, dtype, (*split, validation)),
                self.persisted,
            )
            for validation in (False, True)
        )
        return self.halves

    def loss_and_score(self, net, loss):
        """The data term J of ``net`` on these rows and its R² (``trainingdata.r2_score``),
        from each partition's sums."""
        sums = self.gather(self.map(part_validation, net, loss.name))
        J = sum(r[0] for r in sums) / self.m
        _, _, M2, _ = combine([(m_k, mean, M2_k, 0.0) for _, m_k, mean, M2_k, _ in sums if m_k])
        return J, r2_score(M2, np.sum([r[4] for r in sums], axis=0))

    def total(self, func, *args):
        """Σ_k ``func(part_k, *args)`` (over both parts after ``split``, whose partitions are
        those kept)."""
        if self.halves:
            return sum(half.total(func, *args) for half in self.halves)
        return sum(self.gather(self.map(func, *args)))

    def data_loss(self, net, loss):
        """The data term (1/m) Σ_i J^(i) of ``net`` over every row: one pass, forward only."""
        return self.total(part_data_sum, net, loss.name) / self.m

    def trivial_loss(self, loss, y_bar=None):
        """The data term of the model that predicts ``y_bar`` (default: the mean target) for
        every row: one pass."""
        y_bar = self.y_bar if y_bar is None else y_bar
        return self.total(part_trivial_sum, y_bar, loss.name) / self.m


class DaskBatches:
    """The batches of an epoch on a ``DaskData``: the permutation and batches of
    ``trainingdata.Batches``, each batch (partition k → its local rows, b) summed on the
    workers."""

    def __init__(self, data, batch_size, shuffle):
        self.data, self.m = data, data.m
        self.batch_size = min(batch_size, self.m)
        self.shuffle = shuffle and self.batch_size < self.m

    def epoch(self, rng):
        if not self.shuffle and self.batch_size == self.m:
            yield None, self.m  # the full batch: every row
            return
        order = rng.permutation(self.m) if self.shuffle else np.arange(self.m)
        for start in range(0, self.m, self.batch_size):
            rows = order[start : start + self.batch_size]  # global row numbers of the batch
            yield self.data.shares(rows), len(rows)

    def weight(self, batch):
        return batch[1]

    def loss_and_grad(self, net, batch, alpha, loss, grad):
        """J of the batch at ``net.params``, ∇J into ``grad``: the partitions' sums added."""
        J_sum, g_sum, b = self.data.sums(net, loss, batch[0])
        return reduce_to_cost(net, J_sum, g_sum, b, alpha, grad)


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


# ---------------------------------------------------------------- from Dask collections


def row_sources(X, y):
    """The source of each partition (aligned rows of X and y).

    X is a Dask array (m, n) of any chunking or a Dask DataFrame; y a Dask array, Series or
    DataFrame with the same rows. Non-numeric DataFrame columns raise ``DataError``.
    """
    import dask.array as da

    for A, name in ((X, "X"), (y, "y")):
        if is_frame(A):
            check_numeric_columns(A, name)
    if is_frame(X) and is_frame(y):
        return frame_sources(X, y)
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
    return [(load_part, (k, x, y_k)) for k, (x, y_k) in enumerate(zip(xs, ys, strict=True))]


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


def moments(client, sources, files=None):
    """The first distributed pass: each partition read, checked and summarized, not kept.

    Returns the sizes m_k, the global ``(m, mean, M2, largest magnitude)`` of X and of Y
    (Chan et al.'s pairwise combination, in partition order) and the column names read from
    files. ``DataError`` names the first bad partition (and its file).
    """
    from dask import delayed

    tasks = [delayed(on_part, pure=False)(part_moments, s, None) for s in sources]
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
    return sizes, stats, results[0]["names"]


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


def input_dtype(X):
    """The network's dtype for ``X`` with ``dtype=None``, as in memory: float32 or float64 as
    X's (a DataFrame's columns together), anything else float64."""
    dtypes = list(X.dtypes) if is_frame(X) and X.ndim == 2 else [X.dtype]
    dtype = np.result_type(*(getattr(t, "numpy_dtype", t) for t in dtypes))
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


# ---------------------------------------------------------------- from files, for the CLI


def load_file(k, path, columns, split):
    """Partition k read on its worker from a CSV or Parquet file by ``data.read_dataset``.

    ``columns`` is (target, features, exclude, sep) as ``read_dataset`` takes them; ``split``
    is (test_size, seed, held_out): the held-out rows are drawn as ``validation_rows`` draws a
    validation split. A file that cannot be used becomes an empty ``Part`` with the one-line
    message of its ``DataError``.
    """
    from deltaprop.data import read_dataset

    try:
        data = read_dataset(path, *columns)
    except DeltapropError as err:
        return Part.bad(k, str(err))
    test_size, seed, held_out = split
    test = validation_rows(k, data.n_samples, (seed, test_size))  # (m_k,)
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
def ignoring_ctrl_c():
    """SIGINT ignored in the block (in the main thread; elsewhere nothing changes). Processes
    started in it ignore Ctrl-C for good (an ignored signal stays ignored across exec): in a
    terminal Ctrl-C reaches the whole process group, and only this process should stop,
    keeping the best weights, while the workers go on to score and are closed with the
    cluster. A Ctrl-C while the block runs is lost: press it again."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


@contextlib.contextmanager
def connect(spec):
    """A ``Client`` for ``--dask``: "local:N" (a ``LocalCluster`` of N worker processes, closed
    at the end) or a scheduler address such as "tcp://host:8786"."""
    require_dask()
    import logging

    from distributed import Client, LocalCluster

    if local_workers(spec):
        with ignoring_ctrl_c():  # inherited by the worker processes started here
            cluster = LocalCluster(
                n_workers=local_workers(spec),
                threads_per_worker=1,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
        with cluster, Client(cluster) as client:
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
