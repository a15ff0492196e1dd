"""What every converter shares: a fitted estimator's parts, its output activation, atomic files.

A fitted ``DeltapropRegressor`` predicts

    ŷ = y_mean + y_scale · a^(L)((x − x_mean) / x_scale)

with a^(L) the network's output: z^(L) itself (a linear output), or exp(z^(L)) (the log link
of ``loss="poisson"``). ``Parts`` holds those pieces, read once, for the exporters.
"""

import contextlib
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import ConfigError, ModelFileError
from deltaprop.files import atomic_open

# The output activations the exporters know. An estimator whose ``out_activation_`` is another
# is refused here, in one place; adding one means adding it here and to each exporter's table
# (``OUTPUT_OPS`` in onnx_graph, ``OUTPUT_MODULES`` in torch_nn; PyTorch has no exp module, so
# ``to_torch`` refuses "exp" itself).
OUTPUT_ACTIVATIONS = ("identity", "exp")


@dataclass(frozen=True)
class Parts:
    """A fitted estimator taken apart: ``network`` works in the standardized space."""

    network: object  # deltaprop.network.Network
    x_mean: np.ndarray  # (n_1,)
    x_scale: np.ndarray  # (n_1,)
    y_mean: np.ndarray  # (n_L,)
    y_scale: np.ndarray  # (n_L,)
    output: str  # output activation, one of OUTPUT_ACTIVATIONS
    feature_names: list | None
    encoder: object = None  # deltaprop.tabular.Encoder: the raw columns → a^(1), or None


def estimator_parts(estimator, encoded=False):
    """``Parts`` of a fitted ``DeltapropRegressor``; ``ConfigError`` for anything else, and
    for a model with preprocessing (``encoder_``) unless the exporter carries it
    (``encoded``)."""
    from deltaprop.estimator import DeltapropRegressor

    if not isinstance(estimator, DeltapropRegressor):
        raise ConfigError(
            f"expected a fitted DeltapropRegressor, got {type(estimator).__name__}; "
            "load one with deltaprop.load_model or convert it with from_sklearn/from_torch"
        )
    if not hasattr(estimator, "network_"):
        raise ConfigError("the estimator is not fitted; call fit(X, y) before exporting it")
    names = getattr(estimator, "feature_names_in_", None)
    encoder = getattr(estimator, "encoder_", None)
    if encoder is not None and not encoded:
        raise ConfigError(
            "this model encodes its columns (categories, missing values), which only the ONNX "
            "export carries; export it to ONNX (to_onnx, or deltaprop export --to onnx)"
        )
    return Parts(
        network=estimator.network_,
        x_mean=estimator.x_mean_,
        x_scale=estimator.x_scale_,
        y_mean=estimator.y_mean_,
        y_scale=estimator.y_scale_,
        output=output_activation(estimator),
        feature_names=None if names is None else [str(name) for name in names],
        encoder=encoder,
    )


def output_activation(estimator):
    """The estimator's output activation (``out_activation_``, identity when it has none)."""
    name = getattr(estimator, "out_activation_", "identity")
    if name not in OUTPUT_ACTIVATIONS:
        raise ConfigError(
            f"output activation {name!r} cannot be exported yet; the exporters support: "
            f"{', '.join(OUTPUT_ACTIVATIONS)}"
        )
    return name


def is_trivial(mean, scale):
    """True when a scaler does nothing: mean 0 and scale 1 everywhere."""
    return bool(np.all(mean == 0) and np.all(scale == 1))


def write_files_atomically(contents):
    """Write ``{path: bytes}`` with the one safe writer, ``deltaprop.files.atomic_open``.

    Every file is written in full to its temporary file before any is renamed into place, so a
    failure while writing leaves every old file as it was (and no temporary file behind).
    """
    with contextlib.ExitStack() as stack:
        for path, data in contents.items():
            stack.enter_context(atomic_open(path, "wb", what="file", error=ModelFileError)).write(
                data
            )
