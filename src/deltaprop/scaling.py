"""Standardizing data, and errors that name the column at fault: what prediction needs (the
estimator's and a saved model's, ``deltaprop.io.SavedModel``) without scikit-learn.

``Columns`` names column j of X or y by its feature or target name when there is one;
``ColumnError`` is a ``DataError`` about one column, which the command line renames by the
header of the data file.
"""

import numpy as np

from deltaprop.errors import DataError
from deltaprop.lazy import issparse


class Columns:
    """Names column j of ``matrix`` ("X" or "y") in errors: by ``names[j]``, else by number."""

    def __init__(self, matrix, names=None):
        self.matrix, self.names = matrix, names

    def __call__(self, j):
        if self.names is None:
            return f"{self.matrix} column {j}"
        return f"{self.matrix} column {self.names[j]!r}"


class ColumnError(DataError):
    """A ``DataError`` about column ``j`` of X or y (``matrix``, None when unknown).

    ``problem`` is the message after the column's name, with ``{row}`` where the row of the
    array goes; ``about(label)`` is the same error about the column called ``label`` (the
    command line names it by its header in the file, whose lines the array's rows are not).
    """

    def __init__(self, column, j, problem, row=""):
        super().__init__(f"{column(j)} {problem.format(row=row)}")
        self.matrix, self.j, self.problem = getattr(column, "matrix", None), j, problem

    def about(self, label):
        return DataError(f"{label} {self.problem.format(row='')}")


CELLS_SHOWN = 10  # non-finite cells an error names before it counts the rest


IMPUTE_HINT = "remove or impute missing values (missing='impute' fills NaN)"


def check_finite_data(A, name, fix=IMPUTE_HINT):
    """``DataError`` naming the first row (and column) of A holding NaN or inf, then the
    others, up to ``CELLS_SHOWN`` (A dense, or sparse: its first stored non-finite entry),
    and ``fix``."""
    if issparse(A):
        from deltaprop.sparse_input import first_nonfinite  # scikit-learn: sparse X only

        index = first_nonfinite(A)
        found = [] if index is None else [index]
    else:
        finite = np.isfinite(A)
        found = [] if finite.all() else np.argwhere(~finite)  # (c, A.ndim)
    if not len(found):
        return
    value = A[tuple(found[0])]
    kind = "NaN" if np.isnan(value) else "inf"
    more = ""
    if len(found) > 1:
        shown = "; ".join(_cell(index, A.ndim) for index in found[1:CELLS_SHOWN])
        rest = f", and {len(found) - CELLS_SHOWN} more" if len(found) > CELLS_SHOWN else ""
        more = f", and NaN or inf at {shown}{rest}"
    raise DataError(
        f"{name} contains {kind} at {_cell(found[0], A.ndim)} (counting from 0){more}; {fix}"
    )


def _cell(index, ndim):
    return f"row {index[0]}" + (f", column {index[1]}" if ndim == 2 else "")


def standardized(A, mean, scale, dtype, column=lambda j: f"column {j}"):
    """(A − mean) / scale in ``dtype``, A (m, n); ``DataError`` naming the column that
    overflows (values near the float64 maximum of both signs). A sparse A (whose ``mean`` is
    0: ``scaler``) gives a sparse CSR copy."""
    if issparse(A):
        from deltaprop.sparse_input import scaled  # scikit-learn: sparse X only

        return scaled(A, scale, dtype, column)  # (m, n) CSR
    with np.errstate(over="raise", invalid="raise"):
        try:
            return ((A - mean) / scale).astype(dtype, copy=False)  # (m, n)
        except FloatingPointError:
            pass
    with np.errstate(over="ignore", invalid="ignore"):
        bad = ~np.isfinite(((A - mean) / scale).astype(dtype, copy=False))  # (m, n)
    i, j = np.argwhere(bad)[0]
    problem = (
        f"holds {A[i, j]:.6g}{{row}}, too large to standardize in {np.dtype(dtype)}: its "
        f"distance from the column mean {mean[j]:.3g} overflows; rescale the column (e.g. "
        f"divide it by 1e300)"
    )
    if _tiny_scale(A[i, j], mean[j], scale[j]):
        problem = (
            f"holds {A[i, j]:.6g}{{row}}, which the column's scale {scale[j]:.3g} (the "
            f"model's, not the data's) makes overflow: that scale is too small; re-train "
            f"the model on data like these"
        )
    raise ColumnError(column, j, problem, f" (row {i}, counting from 0)")


def scaler(A, standardize, dtype, column=lambda j: f"column {j}", w=None):
    """Column means and scales of A (m, n) in ``dtype`` (``scaler_from_moments``): (0, 1)
    unless ``standardize``; weighted by the sample weights w (m,) when given, so that a
    weight of 2 is the row twice. A sparse A is scaled only, as
    ``StandardScaler(with_mean=False)``: its means are 0, so that its zeros stay 0
    (``deltaprop.sparse_input``). ``column(j)`` names column j in errors.
    """
    n = A.shape[1]
    if not standardize:
        return np.zeros(n, dtype=dtype), np.ones(n, dtype=dtype)
    if not issparse(A):
        return scaler_from_moments(dense_moments(A, w), True, dtype, column)
    from deltaprop.sparse_input import sparse_moments  # scikit-learn: sparse X only

    _, scale = scaler_from_moments(sparse_moments(A, w), True, dtype, column)
    return np.zeros(n, dtype=dtype), scale


def dense_moments(A, w=None):
    """(m, mean, M2, largest magnitude) of the columns of dense A (m, n): ``combine``'s
    moments, M2 = m·var (the variance weighted by w (m,) when given)."""
    big = np.max(np.abs(A), axis=0).astype(np.float64)  # (n,) largest magnitudes
    unit = np.where(big > 0, big, 1.0)  # (n,)
    A_u = A / unit  # (m, n) every entry in [−1, 1]
    mean_u = np.average(A_u, axis=0, weights=w)  # (n,)
    A_u -= mean_u
    if w is None:
        M2_u = np.einsum("ij,ij->j", A_u, A_u)  # (n,) Σ ((x − mean) / unit)²
    else:
        M2_u = np.einsum("i,ij,ij->j", w, A_u, A_u) * (len(A) / w.sum())  # (n,)
    return len(A), mean_u * unit, M2_u, big


def scaler_from_moments(moments, standardize, dtype, column=lambda j: f"column {j}"):
    """(mean, scale) of each column in ``dtype``, from its moments (``combine``'s).

    A column is constant when its variance is within rounding of its mean (scikit-learn's
    relative criterion, ``var <= m·eps·var + (m·mean·eps)²``): its scale is then its largest
    magnitude (1 for a column of zeros), so that it standardizes to about 0. A tiny scale is
    data, not a constant: a column multiplied by 1e-15 standardizes as the original does.
    """
    m, mean, M2, big = moments
    if not standardize:
        return np.zeros_like(mean, dtype=dtype), np.ones_like(mean, dtype=dtype)
    unit = np.where(big > 0, big, 1.0)  # (n,)
    mean_u, var_u = mean / unit, M2 / m  # (n,) each, in units of ``unit``
    eps = np.finfo(np.float64).eps
    constant = var_u <= m * eps * var_u + (m * mean_u * eps) ** 2  # (n,)
    scale = np.where(constant, 1.0, np.sqrt(var_u)) * unit  # (n,)
    return in_dtype(mean, dtype, column), in_dtype(scale, dtype, column)


def combine(moments):
    """(m, mean, M2, largest magnitude) of the union of row blocks from each block's own, in
    order (Chan et al.'s pairwise combination).

    Each M2 = Σ ((x − mean) / u)² is in units u of its rows' largest magnitude (1 for a
    column of zeros), so that neither 1e300² overflows nor 1e-300² underflows; the union's
    is in units of the union's largest magnitude."""
    big = np.max([s[3] for s in moments], axis=0)  # (n,)
    unit = np.where(big > 0, big, 1.0)  # (n,)
    m, mean, M2 = 0, np.zeros_like(big), np.zeros_like(big)
    for m_k, mean_k, M2_k, big_k in moments:
        if not m_k:
            continue
        total = m + m_k
        delta = mean_k / unit - mean / unit  # (n,) in the union's units: no overflow
        mean = mean * (m / total) + mean_k * (m_k / total)
        M2_k = M2_k * (np.where(big_k > 0, big_k, 1.0) / unit) ** 2  # in the union's units
        M2 = M2 + M2_k + delta**2 * (m * m_k / total)
        m = total
    return m, mean, M2, big


def in_dtype(v, dtype, column):
    """The float64 vector v (n,) as ``dtype``; ``DataError`` when it does not fit (float32)."""
    too_big = np.abs(v) > np.finfo(dtype).max
    if too_big.any():
        j = int(np.argmax(too_big))
        problem = f"is of size {v[j]:.3g}, beyond the range of {dtype}; use dtype='float64' "
        raise ColumnError(column, j, problem + "or rescale the column")
    return v.astype(dtype)


def _tiny_scale(value, mean, scale):
    """Whether (value − mean) / scale overflows float64 for want of a scale, the distance
    itself being a float64."""
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.float64(value) - np.float64(mean)
        return bool(np.isfinite(distance) and not np.isfinite(distance / np.float64(scale)))
