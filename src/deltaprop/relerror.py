"""The relative error deltaprop reports wherever it compares a value with a reference.

    rel_error(v, r) = ‖v − r‖ / max(‖r‖, floor)

with ‖·‖ the Frobenius norm (the absolute value for scalars), r the trusted reference (a
central difference, the backward pass, a closed form) and ``floor`` the scale below which
differences are judged absolutely (a reference of 0 makes the error absolute). A NaN or inf in
either side, or a shape mismatch, is an infinite error: a comparison that cannot be made never
passes. ``gradcheck``, ``explain`` and ``check`` all report this number.
"""

import math

import numpy as np


def rel_error(value, reference, floor=0.0):
    """‖value − reference‖ / max(‖reference‖, floor); ``inf`` when not comparable."""
    value = np.asarray(value, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if value.shape != reference.shape:
        return math.inf
    if not (np.isfinite(value).all() and np.isfinite(reference).all()):
        return math.inf
    with np.errstate(over="ignore"):  # v − r may overflow near the float64 maximum
        diff = norm(value - reference)
    scale = max(norm(reference), floor)
    return diff / scale if scale > 0 else diff


def norm(a):
    """The Frobenius norm, scaled by the largest entry so that it cannot overflow."""
    big = float(np.max(np.abs(a), initial=0.0))
    if big == 0 or not math.isfinite(big):
        return big
    return big * math.sqrt(float(np.sum(np.square(a / big))))
