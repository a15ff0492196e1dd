"""The training data in memory: the object ``train.train_on`` trains on, and the rows it is
made from (docs/design.md "The training-data seam", which lists what it offers);
``deltaprop.distributed.DaskData`` offers the same on a Dask cluster.

``Rows`` holds X (m, n) and Y (m, k) as rows, checked, with their sample weights;
``InMemoryData`` the standardized columns X (n_1, m) and Y (n_L, m), the core's layout.
"""

import math

import numpy as np

from deltaprop.errors import DataError
from deltaprop.lazy import issparse
from deltaprop.losses import get_loss, weight_total, weighted_sum
from deltaprop.network import Grad, Workspace, forward, loss_and_grad_unchecked
from deltaprop.scaling import scaler, standardized


class Rows:
    """X (m, n) and Y (m, k), samples as rows, checked; sample weights w (m,) or None."""

    def __init__(self, X, Y, w=None, *, target_names=None, y_ndim=2):
        self.X, self.Y, self.w = X, Y, w
        self.target_names, self.y_ndim = target_names, y_ndim

    n_features = property(lambda self: self.X.shape[1])
    n_outputs = property(lambda self: self.Y.shape[1])
    dtype = property(lambda self: self.X.dtype)

    def target_mean(self):
        """ȳ (k,) in float64, weighted by w."""
        return np.average(self.Y.astype(np.float64, copy=False), axis=0, weights=self.w)

    def scalers(self, standardize, dtype, columns):
        """((x_mean, x_scale), (y_mean, y_scale)) in ``dtype`` (``scaling.scaler``);
        ``standardize`` = (of X, of Y); ``columns`` = (X's, y's) column namers."""
        return tuple(
            scaler(A, on, dtype, column, self.w)
            for A, on, column in zip((self.X, self.Y), standardize, columns, strict=True)
        )

    def standardized(self, scalers, dtype, columns):
        """The ``InMemoryData`` of the standardized columns, in ``dtype``."""
        X_s, Y_s = (
            standardized(A, mean, scale, dtype, column)
            for A, (mean, scale), column in zip((self.X, self.Y), scalers, columns, strict=True)
        )
        return InMemoryData(X_s.T, Y_s.T, None if self.w is None else self.w.astype(dtype))


class TrainingData:
    """What the training data in memory and on Dask share, written once on their ``batches``."""

    def full_batch(self, net, config):
        """θ ↦ (J, ∇J) over every sample (L-BFGS): the one batch of ``batches(m)``."""
        batches = self.batches(self.m, shuffle=False)
        (batch,) = batches.epoch(None)  # every sample, in order
        loss, grad = get_loss(config.loss), Grad.zeros_like(net)

        def loss_and_grad_flat(theta):  # θ (P,) -> (J, ∇J (P,))
            net.params[...] = theta
            return batches.loss_and_grad(net, batch, config.alpha, loss, grad), grad.flat

        return loss_and_grad_flat

    def start_losses(self, net, config, b):
        """J of ``net`` (penalty included) on the first b samples, and the trivial model's
        loss: the divergence guard's references."""
        batches = self.batches(b, shuffle=False)
        batch = next(batches.epoch(None))  # the first b samples
        loss = get_loss(config.loss)
        J_0 = batches.loss_and_grad(net, batch, config.alpha, loss, Grad.zeros_like(net))
        return J_0, self.trivial_loss(loss)


class InMemoryData(TrainingData):
    """Standardized training columns X (n_1, m) (dense, or the transpose of a CSR matrix),
    Y (n_L, m) and their sample weights w (m,) or None."""

    def __init__(self, X, Y, w=None):
        self.X, self.Y, self.w = X, Y, w

    @property
    def m(self):
        return self.X.shape[1]

    @property
    def y_bar(self):
        return np.average(self.Y, axis=1, weights=self.w, keepdims=True)  # (n_L, 1)

    def batches(self, batch_size, shuffle):
        return Batches(self.X, self.Y, batch_size, shuffle, self.w)

    def start_losses(self, net, config, b):
        """As ``TrainingData.start_losses``, by a forward pass alone (no gradient to reduce)."""
        loss, first = get_loss(config.loss), self.columns(slice(0, b))
        penalty = sum(float(np.vdot(t, t)) for t in net.theta.values()) if config.alpha else 0.0
        J_0 = first.data_loss(net, loss) + 0.5 * config.alpha * penalty / weight_total(first.w, b)
        return J_0, self.trivial_loss(loss)

    def split(self, fraction, rng):
        """(training part, validation part): ⌈fraction·m⌉ columns drawn with ``rng`` validate.

        The split draws columns, not weight: a column of weight 2 goes whole to one side (where
        the two copies of a duplicated row could be parted), and ``fraction`` counts columns.
        ``DataError`` unless both parts have a column and validation has 2 (scikit-learn's rule).
        """
        m_val = math.ceil(fraction * self.m)
        check_validation_sizes(self.m, m_val, fraction)
        perm = rng.permutation(self.m)
        return self.columns(perm[m_val:]), self.columns(perm[:m_val])

    def columns(self, cols):
        """The columns ``cols`` (m',), with their sample weights; rows of X.T, so that each
        part is again (n, m') with contiguous columns, like X."""
        w = None if self.w is None else self.w[cols]
        return InMemoryData(self.X.T[cols].T, self.Y.T[cols].T, w)

    def loss_and_score(self, net, loss):
        """J and R² of ``net`` on these columns (one forward pass for both)."""
        A = outputs(net, self.X)  # (n_L, m)
        J = weighted_sum(loss, A, self.Y, self.w) / weight_total(self.w, self.m)
        M2 = np.average((self.Y - self.y_bar) ** 2, axis=1, weights=self.w)  # (n_L,)
        sse = np.average((self.Y - A) ** 2, axis=1, weights=self.w)  # (n_L,)
        return J, r2_score(M2, sse)

    def data_loss(self, net, loss):
        return data_loss(net, self.X, self.Y, loss, self.w)

    def trivial_loss(self, loss, y_bar=None):
        """The data term of the model that predicts ``y_bar`` (default: ``self.y_bar``)."""
        return trivial_loss(self.Y, self.y_bar if y_bar is None else y_bar, loss, self.w)


class Batches:
    """Training columns X (n_1, m), Y (n_L, m), their sample weights w (m,) or None, the
    buffers each epoch is shuffled into and the workspaces the steps write into."""

    def __init__(self, X, Y, batch_size, shuffle, w=None):
        self.X, self.Y, self.w, self.m = X, Y, w, X.shape[1]
        self.batch_size = min(batch_size, self.m)
        self.shuffle = shuffle and self.batch_size < self.m  # a full batch needs no shuffle
        self.workspaces = {}  # z, a, δ buffers by batch size, reused by every step
        if not (self.shuffle or issparse(X) or X.flags.c_contiguous):  # once, in C order:
            # Θ^(1) A^(1) and Δ^(2) (A^(1))ᵀ on the transposed view of rows that the estimator
            # passes make a float32 full-batch step 13 % slower (benchmarks/NOTES.md, round five)
            self.X = np.ascontiguousarray(X)  # (n_1, m)
        if self.shuffle:  # rows-major buffers, so each column slice below is contiguous
            if not issparse(X):
                self._x_rows = np.empty((self.m, X.shape[0]), dtype=X.dtype)  # (m, n_1)
            self._y_rows = np.empty((self.m, Y.shape[0]), dtype=Y.dtype)  # (m, n_L)
            self._w = None if w is None else np.empty_like(w)  # (m,)

    def epoch(self, rng):
        """Yield ``(X_b, Y_b)`` column blocks of one epoch, in a fresh random order; with
        sample weights ``(X_b, Y_b, w_b)``."""
        X, Y, w = self.X, self.Y, self.w
        if self.shuffle:
            perm = rng.permutation(self.m)  # one shuffle per epoch
            if issparse(X):
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

    def weight(self, batch):
        """The batch's number of samples, or its Σ_i w_i with sample weights."""
        X_b, _, *w_b = batch
        return weight_total(w_b[0] if w_b else None, X_b.shape[1])

    def loss_and_grad(self, net, batch, alpha, loss, grad):
        """J of the batch at ``net.params``; ∇J into ``grad``, in the workspace of its size
        (no array of batch size allocated)."""
        X_b, Y_b, *w_b = batch
        m = X_b.shape[1]
        if m not in self.workspaces:
            self.workspaces[m] = Workspace(net, m)
        w_b = w_b[0] if w_b else None
        J, _ = loss_and_grad_unchecked(net, X_b, Y_b, alpha, loss, grad, self.workspaces[m], w=w_b)
        return J


def outputs(net, X, chunk=4096):
    """a^(L) for the columns of X (n_1, m), forward in column chunks (the hidden a^(l) of one
    chunk at a time, in one workspace per chunk width): (n_L, m)."""
    A, workspaces = np.empty((net.sizes[-1], X.shape[1]), dtype=net.dtype), {}
    for s in range(0, X.shape[1], chunk):
        X_s = X[:, s : s + chunk]  # (n_1, k)
        k = X_s.shape[1]
        ws = workspaces.get(k) or workspaces.setdefault(k, Workspace(net, k, backward=False))
        A[:, s : s + k] = forward(net, X_s, ws).a[net.L]
    return A


def data_loss(net, X, Y, loss, w=None):
    """The data term (1/m) Σ_i J^(i) of ``net`` on X (n_1, m), Y (n_L, m); with sample
    weights w (m,), (Σ_i w_i J^(i)) / Σ_i w_i."""
    return weighted_sum(loss, outputs(net, X), Y, w) / weight_total(w, X.shape[1])


def trivial_loss(Y, y_bar, loss, w=None):
    """The data term of the model that predicts ``y_bar`` (n_L, 1) for every column of Y."""
    return weighted_sum(loss, np.broadcast_to(y_bar, Y.shape), Y, w) / weight_total(w, Y.shape[1])


def r2_score(M2, sse):
    """R² averaged over the outputs (scikit-learn's ``score``) from each output's M2 =
    Σ (y − ȳ)² and Σ (y − a)² (n_L,) (or their means): 1 − sse / M2, and for a constant output
    1 when it is predicted exactly, else 0. The same in standardized and original units."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(M2 > 0, 1.0 - sse / M2, np.where(sse == 0, 1.0, 0.0))  # (n_L,)
    return float(np.mean(r2))


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
