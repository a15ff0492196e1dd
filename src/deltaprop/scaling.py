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


def check_finite_data(A, name):
    """``DataError`` naming the first row (and column) of A holding NaN or inf (A dense, or
    sparse: its stored entries)."""
    if issparse(A):
        from deltaprop.sparse_input import first_nonfinite  # scikit-learn: sparse X only

        index = first_nonfinite(A)
    else:
        finite = np.isfinite(A)
        index = None if finite.all() else np.argwhere(~finite)[0]
    if index is None:
        return
    value = A[tuple(index)]
    kind = "NaN" if np.isnan(value) else "inf"
    where = f"row {index[0]}" + (f", column {index[1]}" if A.ndim == 2 else "")
    raise DataError(
        f"{name} contains {kind} at {where} (counting from 0); remove or impute missing values"
    )


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


def _tiny_scale(value, mean, scale):
    """Whether (value − mean) / scale overflows float64 for want of a scale, the distance
    itself being a float64."""
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.float64(value) - np.float64(mean)
        return bool(np.isfinite(distance) and not np.isfinite(distance / np.float64(scale)))
