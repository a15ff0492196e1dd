"""Sparse X (``scipy.sparse`` CSR or CSC, matrices or arrays) for the estimator, never densified.

The first layer multiplies the sparse block itself (``equations.z_layer``, ``grad_theta``); what
is here keeps X sparse on its way there:

- the input scaler only divides each column by its standard deviation, it never subtracts the
  mean (``StandardScaler(with_mean=False)``): subtracting would turn every zero into −mean and
  the matrix dense. So with a sparse X, ``x_mean_`` is 0 and ``x_scale_`` the column's
  standard deviation (the same constant-column rule as for dense X);
- the scaled copy is CSR (rows are samples), whose transpose the core slices by columns and
  shuffles by rows: a copy of the nonzeros, never of the zeros.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.sparsefuncs import inplace_column_scale, mean_variance_axis, min_max_axis

from deltaprop.errors import DataError


def first_nonfinite(A):
    """``(row, column)`` of the first NaN or inf of sparse A (m, n) in row order, or None."""
    bad = ~np.isfinite(A.data)
    if not bad.any():
        return None
    coo = sparse.coo_matrix(A)  # only on the error path: the nonzeros with their rows
    bad = ~np.isfinite(coo.data)
    rows, cols = coo.row[bad], coo.col[bad]
    k = np.lexsort((cols, rows))[0]  # the first row, then the first column in it
    return int(rows[k]), int(cols[k])


def sparse_moments(A, w=None):
    """``scaling.dense_moments`` of sparse A (m, n): (m, mean, M2 = m·var in units of the
    largest magnitude, largest magnitude), weighted by the sample weights w (m,) when given."""
    low, high = min_max_axis(A, axis=0)  # (n,), (n,): the zeros count
    big = np.maximum(np.abs(low), np.abs(high)).astype(np.float64)  # (n,)
    unit = np.where(big > 0, big, 1.0)  # (n,)
    A_u = sparse.csr_matrix(A, dtype=np.float64, copy=True)  # a copy of the nonzeros
    inplace_column_scale(A_u, 1.0 / unit)  # every entry in [−1, 1]
    mean_u, var_u = mean_variance_axis(A_u, axis=0, weights=w)  # (n,), (n,)
    return A.shape[0], mean_u * unit, var_u * A.shape[0], big


def scaled(A, scale, dtype, column=lambda j: f"column {j}"):
    """A (m, n) with column j divided by ``scale[j]``, as a CSR copy in ``dtype``;
    ``DataError`` naming the first entry that overflows ``dtype`` (``column(j)`` names it)."""
    A_s = sparse.csr_matrix(A, dtype=np.float64, copy=True)  # (m, n), sparse
    inplace_column_scale(A_s, 1.0 / np.asarray(scale, dtype=np.float64))
    with np.errstate(over="ignore"):  # checked just below
        A_s = A_s.astype(dtype)
    index = first_nonfinite(A_s)
    if index is not None:
        raise DataError(
            f"{column(index[1])} holds {A[index]:.6g} (row {index[0]}, counting from 0), "
            f"too large for {np.dtype(dtype)} once scaled; use dtype='float64' or rescale the "
            "column"
        )
    return A_s
