"""Sample weights: checked once, where they enter (``fit``, ``partial_fit``, ``loss_and_grad``).

A weight w_i ≥ 0 multiplies sample i's cost: J = (Σ_i w_i J^(i) + (α/2) Σ_l ‖Θ^(l)‖²_F) / Σ_i w_i
(``docs/derivation.md``), so a weight of 2 is the row twice and a weight of 0 the row left out.
The checks and their wording follow scikit-learn's ``_check_sample_weight``.
"""

import numbers

import numpy as np

from deltaprop.errors import DataError


def check_sample_weight(sample_weight, m, dtype=np.float64):
    """``sample_weight`` as an array (m,) of ``dtype``, or None when it is None.

    A number is every row's weight. ``DataError`` unless it is one finite weight >= 0 per row
    with at least one above 0.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        sample_weight = np.full(m, sample_weight)
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "biuf" or w.dtype == bool:
        raise DataError(f"sample_weight has dtype {w.dtype}; pass numbers, one per row")
    if w.shape != (m,):
        raise DataError(
            f"sample_weight.shape == {w.shape}, expected ({m},)! Pass one weight per row of X"
        )
    w = w.astype(np.float64, copy=False)
    bad = ~np.isfinite(w)
    if bad.any():
        i = int(np.argmax(bad))
        kind = "NaN" if np.isnan(w[i]) else "inf"
        raise DataError(f"Input sample_weight contains {kind} (row {i}); weights must be finite")
    if (w < 0).any():
        i = int(np.argmax(w < 0))
        raise DataError(
            f"Negative values in data passed to `sample_weight` (row {i}: {w[i]:g}); "
            "weights must be >= 0"
        )
    if not (w > 0).any():
        raise DataError(
            "Sample weights must contain at least one non-zero number; give some row a "
            "weight above 0"
        )
    return w.astype(dtype, copy=False)


def without_zero_weights(X, Y, w):
    """The rows of X (m, n), Y (m, k) and w (m,) whose weight is above 0, so that a weight of
    0 is exactly a row left out; w becomes None when every weight left is 1 (the unweighted
    problem, on its faster path)."""
    if w is None:
        return X, Y, None
    if not w.all():
        X, Y, w = X[w > 0], Y[w > 0], w[w > 0]
    return X, Y, None if (w == 1).all() else w
