"""The metrics of a regression and their tables: R², RMSE, MAE (and the Poisson deviance), as
the CLI prints them, the model file stores them and the HTML report shows them; and the same
metrics from per-file sums, for ``evaluate --dask``."""

import numpy as np

from deltaprop.errors import DataError
from deltaprop.losses import get_loss
from deltaprop.printable import printable

METRICS = (("r2", "R²"), ("rmse", "RMSE"), ("mae", "MAE"), ("deviance", "Poisson dev."))


def metric_columns(scores):
    """The ``(key, title)`` of each metric in ``scores``, in table order."""
    return [(key, title) for key, title in METRICS if key in scores]


def regression_metrics(y_true, y_pred, loss="squared"):
    """R², RMSE and MAE of each target column, scikit-learn's formulas in NumPy (importing
    ``sklearn.metrics`` takes a second): a dict of arrays (k,); with ``loss="poisson"`` also
    the mean Poisson deviance (``"deviance"``), NaN where a target holds a negative count.
    R² is NaN for a constant target (undefined), where scikit-learn would give 0 or 1."""
    scores, _ = metrics_from_sums([metric_sums(y_true, y_pred)])
    if get_loss(loss).name == "poisson":
        scores["deviance"] = poisson_deviances(y_true, y_pred)
    return scores


def poisson_deviances(y_true, y_pred):
    """``sklearn.metrics.mean_poisson_deviance`` of each column of y_true, y_pred (m, k): (k,);
    NaN for a column it is not defined on (a negative count, a prediction of 0)."""
    from sklearn.metrics import mean_poisson_deviance

    columns = zip(y_true.T, y_pred.T, strict=True)
    return np.array(
        [
            mean_poisson_deviance(t, p) if (t >= 0).all() and (p > 0).all() else np.nan
            for t, p in columns
        ]
    )


def metric_cells(scores):
    """The metrics as text, ``{key: [one str per target]}``, each column in one format: R²
    with 4 decimals, RMSE and MAE with 4 significant digits of the column's largest value
    (52.99 above 54.30, not 54.3), in scientific notation when that value is below 1e-5 or
    from 1e10 on (1.293e-12, not 0.000000000001)."""
    cells = {"r2": [_num(value, ".4f") for value in scores["r2"]]}
    for key in scores.keys() - {"r2"}:
        cells[key] = [_num(value, _format(scores[key])) for value in scores[key]]
    return cells


def _format(values, digits=4):
    """The format spec of a column of metrics ``values``: ``digits`` significant digits."""
    finite = np.abs(values[np.isfinite(values)])
    largest = finite.max() if finite.size else 0.0
    if largest == 0:
        return ".0f"
    if not 1e-5 <= largest < 1e10:
        return f".{digits - 1}e"
    return f".{int(max(digits - 1 - np.floor(np.log10(largest)), 0))}f"


def metric_table(scores, target_names):
    """The header and the rows of the metrics table, one row per target, as text cells."""
    cells, columns = metric_cells(scores), metric_columns(scores)
    rows = [
        [printable(name), *(cells[key][j] for key, _ in columns)]
        for j, name in enumerate(target_names)
    ]
    return ["target", *(title for _, title in columns)], rows


def format_metrics(scores, target_names):
    """The metrics as an aligned text table, one row per target."""
    header, rows = metric_table(scores, target_names)
    width = max(len(row[0]) for row in [header, *rows])
    sizes = [width, *(8 if key == "r2" else max(10, len(t)) for key, t in metric_columns(scores))]
    return "\n".join(_aligned(row, sizes) for row in [header, *rows])


def _aligned(cells, sizes):
    """One line of the text table: the first cell left-aligned, the numbers right-aligned."""
    first, *numbers = cells
    return f"  {first:<{sizes[0]}}" + "".join(
        f"  {cell:>{w}}" for cell, w in zip(numbers, sizes[1:], strict=True)
    )


def _num(value, spec):
    return "n/a" if not np.isfinite(value) else f"{value:{spec}}"


def metrics_json(scores, target_names):
    return {
        name: {key: _json_float(scores[key][j]) for key, _ in metric_columns(scores)}
        for j, name in enumerate(target_names)
    }


def _json_float(value):
    return float(value) if np.isfinite(value) else None


def metric_sums(y_true, y_pred):
    """The sums of one part of the rows that the metrics need, per target column, from y_true,
    y_pred (m_k, k): m_k, mean, M2 = Σ (y − mean)², min, max of y, Σ (y − ŷ)² and Σ |y − ŷ|
    (``metrics_from_sums`` adds them up)."""
    mean = y_true.mean(axis=0)  # (k,)
    residual = y_true - y_pred  # (m_k, k)
    return (
        len(y_true),
        mean,
        ((y_true - mean) ** 2).sum(axis=0),
        y_true.min(axis=0, initial=np.inf),
        y_true.max(axis=0, initial=-np.inf),
        (residual**2).sum(axis=0),
        np.abs(residual).sum(axis=0),
    )


def metrics_from_sums(sums):
    """R², RMSE and MAE per target (R² NaN for a constant target) from the sums of each part
    of the rows (``metric_sums``); and the number of rows m."""
    from deltaprop.scaling import combine

    sums = [s for s in sums if s[0]]
    if not sums:
        raise DataError("the files have no rows; give files with at least one row")
    m, _, M2, _ = combine([(m_k, mean, M2_k, 0.0) for m_k, mean, M2_k, *_ in sums])
    low = np.min([s[3] for s in sums], axis=0)
    high = np.max([s[4] for s in sums], axis=0)
    sse, sae = np.sum([s[5] for s in sums], axis=0), np.sum([s[6] for s in sums], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant target: 0/0
        r2 = np.where(high > low, 1.0 - sse / M2, np.nan)
    return {"r2": r2, "rmse": np.sqrt(sse / m), "mae": sae / m}, m
