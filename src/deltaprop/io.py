"""Model files: one ``.npz`` (no pickle) with the flat parameters, the scalers and JSON metadata.

Arrays: ``params`` (the network's flat vector), ``x_mean``, ``x_scale``, ``y_mean``, ``y_scale``
and ``metadata``, a JSON string: format and version, architecture, feature and target names,
the estimator's settings, the training history, the caller's ``extra`` (e.g. metrics) and a
SHA-256 of the arrays and (format 2) of the metadata. Files are written by the one safe writer
(``deltaprop.files``). Reading treats the file as untrusted: the archive's directory and the
arrays' headers are checked before any data is read (``deltaprop.modelfile``), every metadata
field is checked (``deltaprop.modelcheck``), and the arrays must be finite with scales > 0,
whatever the checksum says. Format 4 adds ``preprocessing``: null, or the map from the raw
columns to the network's input (``deltaprop.tabular``: column order, categories, fill values,
was-missing columns, scalers); ``feature_names`` are then the raw columns. Format 1 files
(checksum of the arrays only), format 2 files (no ``training.validation_scores``:
``validation_scores_`` is then empty) and format 3 files (no ``preprocessing``) are still read.
"""

import copy
import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np

from deltaprop import __version__
from deltaprop.errors import ConfigError, ModelFileError
from deltaprop.files import atomic_open
from deltaprop.losses import get_loss
from deltaprop.modelcheck import InvalidField, check_metadata
from deltaprop.modelfile import (
    fail,
    open_archive,
    open_regular,
    read_float_array,
    read_metadata_text,
)
from deltaprop.network import Network, parameter_count
from deltaprop.scaling import Columns, check_finite_data, standardized
from deltaprop.tabular import encoder_from_json

FORMAT = "deltaprop-model"
# 2: the SHA-256 covers the metadata too (1: the arrays only); 3: training.validation_scores;
# 4: preprocessing (categorical columns, missing values)
FORMAT_VERSION = 4


def save_model(path, estimator, *, feature_names=None, target_names=None, extra=None):
    """Write a fitted ``DeltapropRegressor`` to ``path`` (one ``.npz``), atomically.

    ``estimator`` may also be a fitted ``Pipeline`` of a ``StandardScaler`` and a
    ``DeltapropRegressor``: the scaler is folded into the model's input scaler, so the file
    predicts what the pipeline predicts (to rounding). ``feature_names`` defaults to the
    estimator's ``feature_names_in_`` if it has them; ``extra`` is any JSON-serializable dict
    stored as is (e.g. test metrics).
    """
    from sklearn.pipeline import Pipeline  # here: importing it slows down every CLI start

    if isinstance(estimator, Pipeline):
        estimator = fold_pipeline(estimator)
    check_fitted(estimator)
    arrays = {
        "params": estimator.network_.params,
        "x_mean": estimator.x_mean_,
        "x_scale": estimator.x_scale_,
        "y_mean": estimator.y_mean_,
        "y_scale": estimator.y_scale_,
    }
    metadata = build_metadata(estimator, feature_names, target_names, extra)
    try:
        metadata = json.loads(json.dumps({**metadata, "sha256": ""}))  # as the reader sees it
    except (TypeError, ValueError) as err:
        raise ConfigError(f"extra must be a JSON-serializable dict ({err})") from None
    try:
        check_metadata(metadata)  # what load_model would refuse is not written
    except InvalidField as err:
        raise ConfigError(f"cannot save this model: {err}") from None
    metadata["sha256"] = checksum(arrays, metadata)
    text = json.dumps(metadata)
    with atomic_open(path, "wb", what="model file", error=ModelFileError) as file:
        np.savez(file, **arrays, metadata=np.array(text))


def check_fitted(estimator):
    from deltaprop.estimator import DeltapropRegressor

    if not isinstance(estimator, DeltapropRegressor):
        raise ConfigError(
            f"save_model saves a DeltapropRegressor (alone or after a StandardScaler in a "
            f"Pipeline), not a {type(estimator).__name__}"
        )
    if not hasattr(estimator, "network_"):
        raise ConfigError("the estimator is not fitted; call fit(X, y) before save_model")


def fold_pipeline(pipeline):
    """``Pipeline([StandardScaler, DeltapropRegressor])`` as one ``DeltapropRegressor``.

    The pipeline computes ``(((X − μ) / s) − x_mean) / x_scale``: the same as the model alone
    with ``x_mean' = μ + s · x_mean`` and ``x_scale' = s · x_scale`` (each (n,)).
    """
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.validation import check_is_fitted

    steps = [step for _, step in pipeline.steps if step not in (None, "passthrough")]
    if len(steps) == 1:
        return steps[0]
    if len(steps) != 2 or not isinstance(steps[0], StandardScaler):
        kinds = " → ".join(type(step).__name__ for step in steps)
        raise ConfigError(
            f"save_model cannot save the preprocessing of this pipeline ({kinds}); it saves a "
            f"DeltapropRegressor alone or after one StandardScaler: save the rest separately"
        )
    scaler, model = steps
    check_fitted(model)
    check_is_fitted(scaler)
    mu = scaler.mean_ if scaler.with_mean else 0.0  # (n,), or 0: with_mean=False
    s = scaler.scale_ if scaler.with_std else 1.0  # (n,), or 1: with_std=False
    folded = copy.copy(model)  # the fitted model with its input scaler replaced
    folded.x_mean_ = (mu + s * model.x_mean_).astype(model.network_.dtype)  # (n,)
    folded.x_scale_ = (s * model.x_scale_).astype(model.network_.dtype)  # (n,)
    names = getattr(pipeline, "feature_names_in_", None)  # those of a DataFrame fit
    if names is not None:
        folded.feature_names_in_ = names
    else:
        vars(folded).pop("feature_names_in_", None)
    return folded


def build_metadata(estimator, feature_names, target_names, extra):
    net = estimator.network_
    encoder = getattr(estimator, "encoder_", None)
    has_names = hasattr(estimator, "feature_names_in_")
    if feature_names is None and has_names:
        feature_names = estimator.feature_names_in_
    if feature_names is None and encoder is not None:
        feature_names = encoder.names
    n_columns = net.sizes[0] if encoder is None else len(encoder.columns)  # columns of X
    if target_names is None:
        target_names = getattr(estimator, "target_names_", None)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "deltaprop_version": __version__,
        "architecture": {
            "sizes": list(net.sizes),
            "activation": net.activation.name,
            "dtype": str(net.dtype),
            "loss": get_loss(estimator.loss).name,  # "squared" for scikit-learn's alias
            "y_ndim": estimator.y_ndim_,
        },
        "feature_names": names_list("feature_names", feature_names, n_columns),
        "target_names": names_list("target_names", target_names, net.sizes[-1]),
        "feature_names_in": has_names,
        "settings": {
            **{k: json_value(v) for k, v in estimator.get_params().items()},
            "hidden_layer_sizes": list(net.sizes[1:-1]),  # the network's (from_network may differ)
            "activation": net.activation.name,  # the network's, whatever was set since the fit
            "dtype": None if estimator.dtype is None else str(net.dtype),
        },
        "training": {
            "n_iter": estimator.n_iter_,
            "t": estimator.t_,
            "loss": estimator.loss_,
            "best_loss": min(estimator.loss_curve_, default=np.inf),  # best_loss_ may be None
            "loss_curve": list(estimator.loss_curve_),
            "validation_loss_curve": list(estimator.validation_loss_curve_),
            "validation_scores": list(estimator.validation_scores_ or []),  # R² per epoch
            "interrupted": estimator.interrupted_,
        },
        "extra": extra if extra is not None else {},
        "preprocessing": None if encoder is None else encoder.to_json(),
    }


def names_list(what, names, n):
    """``names`` as n strings (None stays None); ``ConfigError`` when the count is not n."""
    if names is None:
        return None
    names = [str(name) for name in names]
    if len(names) != n:
        raise ConfigError(f"{what} has {len(names)} names but the model has {n} columns there")
    return names


def json_value(value):
    """A setting as JSON: tuples become lists; what JSON cannot hold (a Generator) is None."""
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return None


def checksum(arrays, metadata=None):
    """SHA-256 over the arrays' names, dtypes, shapes and bytes, in name order, then (format 2)
    the metadata but its ``sha256`` as canonical JSON (sorted keys, no spaces)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape};".encode())
        h.update(a.tobytes())
    if metadata is not None:
        rest = {key: value for key, value in metadata.items() if key != "sha256"}
        h.update(b"metadata:" + json.dumps(rest, sort_keys=True, separators=(",", ":")).encode())
    return h.hexdigest()


def load_model(path):
    """Read a model file; return ``(estimator, metadata)``. Raises ``ModelFileError``."""
    from deltaprop.estimator import make_rng

    saved, metadata = read_model(path)
    try:
        estimator = build_estimator(saved, metadata)
        estimator.train_config()  # the settings' ranges, as fit checks them
        make_rng(estimator.random_state)
    except ValueError as err:  # ConfigError, or NumPy refusing a random_state
        raise fail(path, f"has invalid settings ({err}); re-save it") from None
    return estimator, metadata


def build_estimator(saved, metadata):
    """A fitted ``DeltapropRegressor`` of a model file's ``SavedModel`` and checked metadata."""
    from deltaprop.estimator import DeltapropRegressor  # scikit-learn: a second to import
    from deltaprop.train import History

    known = DeltapropRegressor._get_param_names()  # others are ignored (future settings)
    settings = {k: v for k, v in metadata["settings"].items() if k in known}
    if isinstance(settings.get("hidden_layer_sizes"), list):
        settings["hidden_layer_sizes"] = tuple(settings["hidden_layer_sizes"])
    # the record's fields by name (validation_scores from format 3 on); "loss" is the last one
    training = {key: value for key, value in metadata["training"].items() if key != "loss"}
    return DeltapropRegressor.from_network(
        saved.network_,
        x_mean=saved.x_mean_,
        x_scale=saved.x_scale_,
        y_mean=saved.y_mean_,
        y_scale=saved.y_scale_,
        y_1d=metadata["architecture"]["y_ndim"] == 1,
        feature_names_in=saved.feature_names,
        history=History(**training),
        encoder=saved.encoder,
        **settings,
    )


@dataclass
class SavedModel:
    """A model file's network and scalers, predicting as the ``DeltapropRegressor`` it was saved
    from does, without scikit-learn (``read_model``: the command line's evaluate; ``load_model``
    makes the estimator of it). Its attributes are the estimator's of the same name."""

    network_: Network
    x_mean_: np.ndarray  # (n_1,)
    x_scale_: np.ndarray  # (n_1,)
    y_mean_: np.ndarray  # (n_L,)
    y_scale_: np.ndarray  # (n_L,)
    loss: str
    feature_names: tuple | None  # names errors about a column of X use
    encoder: object = None  # deltaprop.tabular.Encoder of a model with preprocessing

    def predict(self, X):
        """Predictions (m, k) for dense X (m, n), as ``DeltapropRegressor.predict`` gives
        them; ``DataError`` for a non-finite value or a column that overflows."""
        if self.encoder is not None:
            raise ConfigError(
                "this model encodes its columns (categories, missing cells); predict with the "
                "estimator of deltaprop.io.load_model"
            )
        X = np.asarray(X)
        X = X if X.dtype in (np.float64, np.float32) else X.astype(np.float64)
        check_finite_data(X, "X")
        columns = Columns("X", self.feature_names)
        X_s = standardized(X, self.x_mean_, self.x_scale_, self.network_.dtype, columns)  # (m, n)
        Y_s = self.network_.predict(X_s.T).T  # (m, k)
        return Y_s * self.y_scale_ + self.y_mean_  # (m, k)


def read_model(path):
    """Read a model file without scikit-learn; return ``(SavedModel, metadata)``. The arrays
    and the metadata are checked as ``load_model`` checks them, but not the training settings
    (which prediction does not use). Raises ``ModelFileError``."""
    arrays, metadata = read_arrays(path)
    arch, preprocessing = metadata["architecture"], metadata.get("preprocessing")  # format 4 on
    network = Network(
        arch["sizes"],
        arch["activation"],
        dtype=arch["dtype"],
        params=arrays["params"],
        output=get_loss(arch["loss"]).output,  # exp for the Poisson loss
    )
    model = SavedModel(
        network,
        *(arrays[name] for name in ("x_mean", "x_scale", "y_mean", "y_scale")),
        loss=arch["loss"],
        feature_names=tuple(metadata["feature_names"]) if metadata["feature_names_in"] else None,
        encoder=None if preprocessing is None else encoder_from_json(preprocessing),
    )
    return model, metadata


def read_arrays(path):
    """The checked arrays and metadata of a model file; ``ModelFileError`` otherwise."""
    path = os.fspath(path)
    with open_regular(path) as file:
        archive, members = open_archive(file, path)
        with archive:
            text = read_metadata_text(archive, members["metadata"], path)
            metadata = parse_metadata(path, text)
            arrays = read_model_arrays(archive, members, path, metadata["architecture"])
    covered = metadata if metadata["format_version"] >= 2 else None
    if metadata["sha256"] != checksum(arrays, covered):  # of the bytes in the file's byte order
        raise fail(path, "is corrupted (checksum mismatch); re-save or re-train it")
    dtype = np.dtype(metadata["architecture"]["dtype"])  # native byte order
    arrays = {name: a.astype(dtype) for name, a in arrays.items()}
    check_values(path, arrays)
    return arrays, metadata


def read_model_arrays(archive, members, path, arch):
    """The five arrays, each of the shape and dtype that ``arch`` needs."""
    sizes, dtype = arch["sizes"], np.dtype(arch["dtype"])
    shapes = {
        "params": (parameter_count(sizes),),
        "x_mean": (sizes[0],),
        "x_scale": (sizes[0],),
        "y_mean": (sizes[-1],),
        "y_scale": (sizes[-1],),
    }
    return {
        name: read_float_array(archive, members[name], path, shape, dtype)
        for name, shape in shapes.items()
    }


def check_values(path, arrays):
    """Every array finite; the scales > 0."""
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            raise fail(path, f"has non-finite values in {name}; re-save or re-train it")
    for name in ("x_scale", "y_scale"):
        if not (arrays[name] > 0).all():
            raise fail(path, f"has {name} <= 0 (a scale must be positive); re-save or re-train it")


def parse_metadata(path, text):
    """The metadata JSON: a deltaprop model's, of a format this version reads, every field
    checked."""
    try:
        metadata = json.loads(text)
    except (ValueError, RecursionError):
        raise fail(path, "has corrupted metadata (not JSON); re-save it") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path!r} is an .npz file but not a deltaprop model")
    version = metadata.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail(path, "has no valid format_version; re-save it")
    if version > FORMAT_VERSION:
        raise fail(
            path,
            f"was written by a newer deltaprop (format {version}); this version reads "
            f"formats 1 to {FORMAT_VERSION}; upgrade deltaprop",
        )
    try:
        check_metadata(metadata)
    except InvalidField as err:
        raise fail(path, f"has an invalid metadata field: {err}; re-save it") from None
    return metadata
