"""The PNG plots of a training run (deltaprop.plots)."""

from types import SimpleNamespace

import numpy as np
import pytest

from deltaprop.errors import DataError
from deltaprop.plots import check_folder, plot_loss, plot_pred_vs_true, write_plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from the PNG header."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_loss_plot_is_a_png(tmp_path):
    path = tmp_path / "loss.png"
    plot_loss([1.0, 0.5, 0.25, 0.2], [1.1, 0.6, 0.4, 0.45], path)
    width, height = png_size(path)
    assert width > 300 and height > 200
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]  # no temporary left


def test_loss_plot_without_validation_curve(tmp_path):
    plot_loss([1.0, 0.5], None, tmp_path / "loss.png")
    assert png_size(tmp_path / "loss.png")[0] > 300


def test_pred_vs_true_has_one_panel_per_target(tmp_path, rng):
    y = rng.standard_normal((30, 2))
    plot_pred_vs_true(y[:, :1], y[:, :1] + 0.1, ["a"], [0.9], tmp_path / "one.png")
    plot_pred_vs_true(y, y + 0.1, ["a", "b"], [0.9, 0.8], tmp_path / "two.png")
    assert png_size(tmp_path / "two.png")[0] > 1.8 * png_size(tmp_path / "one.png")[0]


def test_write_plots_creates_the_folder_and_both_files(tmp_path, rng):
    fitted = SimpleNamespace(loss_curve_=[0.9, 0.5, 0.3], validation_loss_curve_=[1.0, 0.7, 0.6])
    y = rng.standard_normal((20, 1))
    paths = write_plots(tmp_path / "new" / "plots", fitted, y, 0.9 * y, ["t"], [0.99])
    assert [p.name for p in paths] == ["loss.png", "pred_vs_true.png"]
    for path in paths:
        assert png_size(path)[0] > 300


def test_plot_folder_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(DataError, match="is a file, not a folder"):
        check_folder(tmp_path / "f")


def test_matplotlib_uses_a_non_interactive_backend(tmp_path):
    plot_loss(np.array([1.0, 0.1]), np.array([]), tmp_path / "loss.png")
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg"
