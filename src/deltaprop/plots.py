"""PNG plots of a training run: the loss curves and predicted-vs-true on the test split.

matplotlib is imported inside the functions (it is slow to import and only these need it) with
the non-interactive Agg backend, so plotting works without a display. Files are written
atomically.
"""

from pathlib import Path

import numpy as np

from deltaprop.errors import DataError
from deltaprop.files import atomic_open


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_loss(loss_curve, validation_loss_curve, path):
    """Training (and, when recorded, validation) loss J per epoch, log scale, to ``path``.

    With a validation curve, a dotted line marks its lowest point: early stopping keeps the
    weights of that epoch.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    epochs = np.arange(1, len(loss_curve) + 1)
    ax.plot(epochs, loss_curve, label="training loss (with the L2 penalty)")
    if validation_loss_curve is not None and len(validation_loss_curve):
        best = int(np.argmin(validation_loss_curve)) + 1  # the epoch whose weights are kept
        ax.plot(
            np.arange(1, len(validation_loss_curve) + 1),
            validation_loss_curve,
            label="validation loss",
        )
        ax.axvline(
            best, color="grey", linestyle=":", label=f"lowest validation loss (epoch {best})"
        )
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss J (standardized units)")
    ax.set_title("Loss per epoch")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    _save(fig, path)


def plot_pred_vs_true(y_true, y_pred, target_names, r2, path):
    """Predicted against true values of each target (one panel each), with the identity line
    and R² in the title.

    Parameters
    ----------
    y_true, y_pred : ndarray (m, k)
    target_names : sequence of k str
    r2 : sequence of k float
    """
    plt = _pyplot()
    k = len(target_names)
    fig, axes = plt.subplots(1, k, figsize=(4.8 * k, 4.6), squeeze=False)
    for j, ax in enumerate(axes[0]):
        _scatter_panel(ax, y_true[:, j], y_pred[:, j], target_names[j], r2[j])
    fig.suptitle(f"Test split: {len(y_true)} rows")
    _save(fig, path)


def _scatter_panel(ax, t, p, name, r2):
    lo, hi = min(t.min(), p.min()), max(t.max(), p.max())
    ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", label="predicted = true")
    ax.scatter(t, p, s=14, alpha=0.7)
    ax.set_xlabel(f"true {name}")
    ax.set_ylabel(f"predicted {name}")
    ax.set_title(f"{name}: R² = {r2:.3f}")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left")


def _save(fig, path):
    import matplotlib.pyplot as plt

    try:
        fig.tight_layout()
        with atomic_open(path, "wb", what="plot") as file:
            fig.savefig(file, format="png", dpi=110)
    finally:
        plt.close(fig)


def write_plots(folder, estimator, y_true, y_pred, target_names, r2):
    """Write ``loss.png`` and ``pred_vs_true.png`` into ``folder`` (created if missing);
    return the two paths."""
    folder = _make_folder(folder)
    loss_png, pred_png = folder / "loss.png", folder / "pred_vs_true.png"
    plot_loss(estimator.loss_curve_, estimator.validation_loss_curve_, loss_png)
    plot_pred_vs_true(y_true, y_pred, target_names, r2, pred_png)
    return loss_png, pred_png


def check_folder(folder):
    """Fail fast (before training) when ``folder`` exists but is not a folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"--plots {str(folder)!r} is a file, not a folder; give a folder path")
    return folder


def _make_folder(folder):
    folder = check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(
            f"cannot create the plot folder {str(folder)!r} ({err.strerror}); "
            f"give a folder path that can be created"
        ) from None
    return folder
