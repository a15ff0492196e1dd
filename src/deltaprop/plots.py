"""Plots of a training run: the loss curves, predicted against true values, and the residuals.

Each plot is a ``matplotlib.figure.Figure`` drawn on its own Agg canvas: pyplot is never
imported, so a notebook's backend and its open figures are left alone, and plotting works
without a display. ``save_png`` writes a figure atomically; ``png_bytes`` gives it for an HTML
report. matplotlib is imported inside the functions (it is slow to import and only these need
it).
"""

import io
from pathlib import Path

import numpy as np

from deltaprop.errors import DataError
from deltaprop.files import atomic_open
from deltaprop.printable import shortened

DPI = 110
PLOT_FILES = ("loss.png", "pred_vs_true.png", "residuals.png")  # run_figures' files
LABEL_WIDTH = 30  # characters of a target name in a label
MAX_PANELS = 12  # targets drawn side by side: 2,000 panels would need gigabytes of canvas
# Names are text, never a formula: "y$\\x$" is not sent to mathtext (nor to LaTeX).
AS_TEXT = {"parse_math": False, "usetex": False}


def _figure(width, height):
    """A constrained-layout ``Figure`` (titles and labels kept inside it) on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def loss_figure(loss_curve, validation_loss_curve):
    """Training (and, when recorded, validation) loss J per epoch, log scale.

    With a validation curve, a dotted line marks its lowest point: early stopping keeps the
    weights of that epoch.
    """
    fig = _figure(6.4, 4.2)
    ax = fig.subplots()
    curves = [np.asarray(loss_curve, dtype=float)]
    ax.plot(np.arange(1, len(curves[0]) + 1), curves[0], label="training loss (with L2 penalty)")
    if validation_loss_curve is not None and len(validation_loss_curve):
        curves.append(np.asarray(validation_loss_curve, dtype=float))
        best = int(np.argmin(curves[1])) + 1  # the epoch whose weights are kept
        ax.plot(np.arange(1, len(curves[1]) + 1), curves[1], label="validation loss")
        ax.axvline(best, color="grey", linestyle=":", label=f"lowest validation (epoch {best})")
    _log_axis(ax, np.concatenate(curves))
    _label_final(ax, curves[0])
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss J (standardized units)")
    ax.set_title("Loss per epoch (log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def _log_axis(ax, values):
    """A log-scale y axis with 3 to 8 labelled ticks written as plain numbers (0.2, 0.5, 1),
    whatever the range: 1-2-5 steps over a few decades, decades over many, and evenly spaced
    ticks within one decade (where a log axis has at most one power of ten to label)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    values = values[np.isfinite(values) & (values > 0)]
    ax.set_yscale("log")
    if not values.size:
        return
    decades = np.log10(values.max() / values.min())
    if decades < 1:
        locator = MaxNLocator(nbins=5)
    else:
        locator = LogLocator(subs=(1.0, 2.0, 5.0) if decades < 3 else (1.0,), numticks=8)
    ax.yaxis.set_major_locator(locator)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _label_final(ax, curve):
    """Write the final training loss beside the curve's last point: a log axis may have no
    labelled tick near it."""
    if not curve.size or not np.isfinite(curve[-1]) or curve[-1] <= 0:
        return
    ax.annotate(
        f"final {curve[-1]:.4g}",
        xy=(len(curve), curve[-1]),
        xytext=(-4, 6),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize="small",
    )


def _value_axes(ax):
    """Axes of target values readable at any scale (1e-6 as 1e6): at most 5 ticks, labelled in
    engineering notation ("200 k", "1.5 µ"), or with an offset label when the values differ
    only in their last digits."""
    from matplotlib.ticker import EngFormatter, MaxNLocator, ScalarFormatter

    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        narrow = abs(hi - lo) < 1e-3 * max(abs(lo), abs(hi))
        if narrow:
            axis.set_major_formatter(ScalarFormatter(useOffset=True))
        else:
            axis.set_major_formatter(EngFormatter(places=None, sep="\N{THIN SPACE}"))


def pred_vs_true_figure(y_true, y_pred, target_names, r2, label="test split"):
    """Predicted against true values y_true, y_pred (m, k) of each of the k targets (one panel
    each), with the identity line and R² (k,) in the title; ``label`` says what the rows are."""
    fig, axes = _panels(len(target_names), f"{label}: {len(y_true)} rows")
    for j, ax in enumerate(axes):
        t, p = y_true[:, j], y_pred[:, j]
        lo, hi = min(t.min(), p.min()), max(t.max(), p.max())
        ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", label="predicted = true")
        ax.scatter(t, p, s=14, alpha=0.7)
        name = shortened(target_names[j], LABEL_WIDTH)
        ax.set_xlabel(f"true {name}", **AS_TEXT)
        ax.set_ylabel(f"predicted {name}", **AS_TEXT)
        ax.set_title(f"{name}: R² = {r2[j]:.3f}", **AS_TEXT)
        ax.set_aspect("equal", adjustable="datalim")
        ax.legend(loc="upper left")
        _value_axes(ax)
    return fig


def residuals_figure(y_true, y_pred, target_names, label="test split"):
    """Residuals (predicted − true) against the predicted value, one panel per target: a good
    fit scatters evenly around zero, a pattern shows what the network misses."""
    fig, axes = _panels(len(target_names), f"Residuals, {label}: {len(y_true)} rows")
    for j, ax in enumerate(axes):
        name = shortened(target_names[j], LABEL_WIDTH)
        ax.axhline(0.0, color="grey", linestyle="--")
        ax.scatter(y_pred[:, j], y_pred[:, j] - y_true[:, j], s=14, alpha=0.7)
        ax.set_xlabel(f"predicted {name}", **AS_TEXT)
        ax.set_ylabel("predicted − true")
        ax.set_title(name, **AS_TEXT)
        _value_axes(ax)
    return fig


def _panels(k, title):
    """A figure of one panel per target, at most ``MAX_PANELS`` (the first targets; the title
    says so): the figure's size grows with the panels."""
    if k > MAX_PANELS:
        title += f" (the first {MAX_PANELS} of {k} targets)"
    fig = _figure(4.8 * min(k, MAX_PANELS), 4.6)
    axes = fig.subplots(1, min(k, MAX_PANELS), squeeze=False)[0]
    fig.suptitle(title, **AS_TEXT)
    return fig, axes


def save_png(fig, path):
    """Write ``fig`` to ``path`` as PNG, atomically."""
    with atomic_open(path, "wb", what="plot") as file:
        fig.savefig(file, format="png")


def png_bytes(fig):
    """``fig`` as PNG bytes (for a self-contained HTML report)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def run_figures(estimator, y_true, y_pred, target_names, r2, label="test split"):
    """``{file name: Figure}``: the loss curves, predicted-vs-true and residuals of a run."""
    figures = (
        loss_figure(estimator.loss_curve_, estimator.validation_loss_curve_),
        pred_vs_true_figure(y_true, y_pred, target_names, r2, label),
        residuals_figure(y_true, y_pred, target_names, label),
    )
    return dict(zip(PLOT_FILES, figures, strict=True))


def write_plots(folder, figures, written=None):
    """Write ``figures`` (``{file name: Figure}``) into ``folder`` (created if missing); return
    the paths, appended to the list ``written`` as each is written (also when a later fails)."""
    folder = check_folder(folder)  # the writer creates it when missing
    written = [] if written is None else written
    for name, fig in figures.items():
        save_png(fig, folder / name)
        written.append(folder / name)
    return written


def check_folder(folder):
    """Fail fast (before training) when ``folder`` exists but is not a folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"--plots {str(folder)!r} is a file, not a folder; give a folder path")
    return folder
