"""The plots of a training run (deltaprop.plots): PNG files, readable axes, no pyplot."""

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from deltaprop.errors import DataError
from deltaprop.plots import (
    check_folder,
    loss_figure,
    pred_vs_true_figure,
    residuals_figure,
    run_figures,
    save_png,
    write_plots,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from the PNG header."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def labelled_ticks(ax):
    """The y tick labels that are drawn (inside the view limits, with text)."""
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    return [
        t.get_text()
        for t in ax.yaxis.get_majorticklabels()
        if t.get_text() and lo <= t.get_position()[1] <= hi
    ]


def test_loss_plot_is_a_png(tmp_path):
    path = tmp_path / "loss.png"
    save_png(loss_figure([1.0, 0.5, 0.25, 0.2], [1.1, 0.6, 0.4, 0.45]), path)
    width, height = png_size(path)
    assert width > 300 and height > 200
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]  # no temporary left


@pytest.mark.parametrize(
    "curve",
    [
        np.linspace(0.31, 0.26, 50),  # within one decade: once labelled 3×10⁻¹ alone
        np.geomspace(1.0, 0.05, 50),  # a decade and a bit
        np.geomspace(10.0, 1e-6, 50),  # seven decades
    ],
)
def test_log_loss_axis_has_three_or_more_plain_number_ticks(curve):
    ax = loss_figure(curve, None).axes[0]
    labels = labelled_ticks(ax)
    assert 3 <= len(labels) <= 8, labels
    for text in labels:
        assert float(text) > 0 and "×" not in text and "$" not in text


def test_titles_and_labels_fit_inside_the_figure(rng):
    y = rng.standard_normal((30, 3)) * 100
    long_names = ["a fairly long target name of 40 characters", "b", "c"]
    figures = [
        loss_figure(np.geomspace(1, 0.1, 20), np.geomspace(1.2, 0.2, 20)),
        pred_vs_true_figure(y, y + 1, long_names, [0.9, 0.8, 0.7]),
        residuals_figure(y, y + 1, long_names),
    ]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = fig.bbox
        texts = [fig._suptitle] if fig._suptitle else []
        for ax in fig.axes:
            texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        for text in texts:
            extent = text.get_window_extent(renderer)
            assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, text.get_text()
            assert box.y0 - 1 <= extent.y0 and extent.y1 <= box.y1 + 1, text.get_text()


def tick_boxes(axis, renderer):
    """The window extents of the drawn, non-empty major tick labels of ``axis``."""
    lo, hi = axis.get_view_interval()
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in axis.get_majorticklabels()
        if t.get_text() and min(lo, hi) <= t.get_position()[axis.axis_name == "y"] <= max(lo, hi)
    ]


@pytest.mark.parametrize(
    ("scale", "shift"),
    [(1e-6, 0.0), (1e6, 0.0), (1e6, 5e6), (1.0, 0.0), (1e-6, 1.0)],  # 1e6 + 5e6: an offset
)
def test_value_tick_labels_never_overlap(rng, scale, shift):
    y = shift + scale * (1.0 + rng.standard_normal((200, 1)))
    y_pred = y + 0.3 * scale * rng.standard_normal((200, 1))
    for fig in (pred_vs_true_figure(y, y_pred, ["y"], [0.9]), residuals_figure(y, y_pred, ["y"])):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        for axis, lo, hi in ((ax.xaxis, "x0", "x1"), (ax.yaxis, "y0", "y1")):
            boxes = sorted(tick_boxes(axis, renderer), key=lambda item: getattr(item[1], lo))
            assert len(boxes) >= 2, [text for text, _ in boxes]
            for (a, box_a), (b, box_b) in zip(boxes, boxes[1:], strict=False):
                assert getattr(box_a, hi) < getattr(box_b, lo), (a, b)
            assert all(len(text) <= 9 for text, _ in boxes), [text for text, _ in boxes]


def test_loss_plot_labels_the_final_loss():
    ax = loss_figure(np.geomspace(40.0, 0.2371, 84), None).axes[0]
    assert "final 0.2371" in [text.get_text() for text in ax.texts]


def test_pred_vs_true_and_residuals_have_one_panel_per_target(rng):
    y = rng.standard_normal((30, 2))
    fig = pred_vs_true_figure(y, y + 0.1, ["a", "b"], [0.9, 0.8])
    assert [ax.get_title() for ax in fig.axes] == ["a: R² = 0.900", "b: R² = 0.800"]
    fig = residuals_figure(y, y + 0.1, ["a", "b"])
    assert len(fig.axes) == 2
    offsets = fig.axes[1].collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 1], 0.1)  # predicted − true
    np.testing.assert_allclose(offsets[:, 0], y[:, 1] + 0.1)


def test_write_plots_creates_the_folder_and_the_files(tmp_path, rng):
    fitted = SimpleNamespace(loss_curve_=[0.9, 0.5, 0.3], validation_loss_curve_=[1.0, 0.7, 0.6])
    y = rng.standard_normal((20, 1))
    figures = run_figures(fitted, y, 0.9 * y, ["t"], [0.99])
    paths = write_plots(tmp_path / "new" / "plots", figures)
    assert [p.name for p in paths] == ["loss.png", "pred_vs_true.png", "residuals.png"]
    for path in paths:
        assert png_size(path)[0] > 300


def test_plot_folder_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(DataError, match="is a file, not a folder"):
        check_folder(tmp_path / "f")


def test_plotting_leaves_pyplot_and_the_backend_alone(tmp_path):
    import matplotlib

    backend = matplotlib.get_backend()
    save_png(loss_figure(np.array([1.0, 0.1]), np.array([])), tmp_path / "loss.png")
    assert matplotlib.get_backend() == backend
    assert "matplotlib.pyplot" not in sys.modules or not _pyplot_figures()


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()
