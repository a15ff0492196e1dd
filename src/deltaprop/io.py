"""Model files: one ``.npz`` (no pickle) with the flat parameters, the scalers and JSON metadata.

Arrays: ``params`` (the network's flat vector), ``x_mean``, ``x_scale``, ``y_mean``, ``y_scale``
and ``metadata``, a JSON string: format and version, architecture, feature and target names,
the estimator's settings, the training history, the caller's ``extra`` (e.g. metrics) and a
SHA-256 of the arrays. Files are written atomically (a temporary file in the same directory,
then ``os.replace``) and read with ``allow_pickle=False``.
"""

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
import zlib

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from deltaprop.errors import ConfigError, ModelFileError
from deltaprop.estimator import DeltapropRegressor
from deltaprop.network import Network
from deltaprop.train import History

FORMAT = "deltaprop-model"
FORMAT_VERSION = 1
ARRAYS = ("params", "x_mean", "x_scale", "y_mean", "y_scale")


def save_model(path, estimator, *, feature_names=None, target_names=None, extra=None):
    """Write a fitted ``DeltapropRegressor`` to ``path`` (one ``.npz``), atomically.

    ``feature_names`` defaults to the estimator's ``feature_names_in_`` if it has them;
    ``extra`` is any JSON-serializable dict stored as is (e.g. test metrics).
    """
    try:
        check_is_fitted(estimator, "network_")
    except NotFittedError:
        msg = "the estimator is not fitted; call fit(X, y) before save_model"
        raise ConfigError(msg) from None
    arrays = {
        "params": estimator.network_.params,
        "x_mean": estimator.x_mean_,
        "x_scale": estimator.x_scale_,
        "y_mean": estimator.y_mean_,
        "y_scale": estimator.y_scale_,
    }
    metadata = build_metadata(estimator, feature_names, target_names, extra)
    metadata["sha256"] = checksum(arrays)
    try:
        text = json.dumps(metadata)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"extra must be a JSON-serializable dict ({err})") from None
    write_atomically(path, {**arrays, "metadata": np.array(text)})


def build_metadata(estimator, feature_names, target_names, extra):
    net = estimator.network_
    has_names = hasattr(estimator, "feature_names_in_")
    if feature_names is None and has_names:
        feature_names = estimator.feature_names_in_
    if target_names is None:
        target_names = getattr(estimator, "target_names_", None)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "deltaprop_version": _version(),
        "architecture": {
            "sizes": list(net.sizes),
            "activation": net.activation.name,
            "dtype": str(net.dtype),
            "loss": estimator.loss,
            "y_ndim": estimator._y_ndim,
        },
        "feature_names": names_list("feature_names", feature_names, net.sizes[0]),
        "target_names": names_list("target_names", target_names, net.sizes[-1]),
        "feature_names_in": has_names,
        "settings": {k: json_value(v) for k, v in estimator.get_params().items()},
        "training": {
            "n_iter": estimator.n_iter_,
            "t": estimator.t_,
            "loss": estimator.loss_,
            "best_loss": estimator.best_loss_,
            "loss_curve": list(estimator.loss_curve_),
            "validation_loss_curve": list(estimator.validation_loss_curve_),
            "interrupted": estimator.interrupted_,
        },
        "extra": extra if extra is not None else {},
    }


def _version():
    from deltaprop import __version__  # here, not at the top: deltaprop/__init__ imports io

    return __version__


def names_list(what, names, n):
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


def checksum(arrays):
    """SHA-256 over the arrays' names, dtypes, shapes and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape};".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write_atomically(path, arrays):
    """``np.savez`` into a temporary file beside ``path``, then ``os.replace`` it into place."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".deltaprop-", suffix=".tmp", dir=directory)
    except OSError as err:
        raise ModelFileError(f"cannot write model file {path!r}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise ModelFileError(f"cannot write model file {path!r}: {err.strerror}") from None
        raise


def load_model(path):
    """Read a model file; return ``(estimator, metadata)``. Raises ``ModelFileError``."""
    arrays, metadata = read_arrays(path)
    try:
        return build_estimator(arrays, metadata), metadata
    except (KeyError, TypeError, ValueError) as err:
        msg = f"model file {os.fspath(path)!r} has invalid metadata ({err!r}); re-save it"
        raise ModelFileError(msg) from None


def build_estimator(arrays, metadata):
    """A fitted ``DeltapropRegressor`` from a model file's arrays and metadata."""
    arch, training = metadata["architecture"], metadata["training"]
    settings = {
        k: v for k, v in metadata["settings"].items() if k in DeltapropRegressor._get_param_names()
    }
    if isinstance(settings.get("hidden_layer_sizes"), list):
        settings["hidden_layer_sizes"] = tuple(settings["hidden_layer_sizes"])
    network = Network(
        arch["sizes"], arch["activation"], dtype=arch["dtype"], params=arrays["params"]
    )
    history = History(
        loss_curve=training["loss_curve"],
        validation_loss_curve=training["validation_loss_curve"],
        best_loss=training["best_loss"],
        n_iter=training["n_iter"],
        t=training["t"],
        interrupted=training["interrupted"],
    )
    names = metadata["feature_names"] if metadata.get("feature_names_in") else None
    return DeltapropRegressor.from_network(
        network,
        x_mean=arrays["x_mean"],
        x_scale=arrays["x_scale"],
        y_mean=arrays["y_mean"],
        y_scale=arrays["y_scale"],
        y_1d=arch["y_ndim"] == 1,
        feature_names_in=names,
        history=history,
        **settings,
    )


def read_arrays(path):
    """The arrays and the checked metadata of a model file; ``ModelFileError`` otherwise."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"model file {path!r} does not exist; check the path")
    with open(path, "rb") as f:  # our own handle: np.load(path) leaks it when the zip is bad
        is_zip = f.read(4) == b"PK\x03\x04"
        f.seek(0)
        try:
            with np.load(f, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, KeyError) as err:
            if not is_zip:
                msg = f"{path!r} is not a deltaprop model file (not an .npz archive)"
            else:
                reason = " ".join(str(err).split())  # one line
                msg = f"model file {path!r} is truncated or corrupted ({reason}); re-save it"
            raise ModelFileError(msg) from None
    if "metadata" not in arrays or any(name not in arrays for name in ARRAYS):
        raise ModelFileError(f"{path!r} is an .npz file but not a deltaprop model")
    metadata = parse_metadata(path, arrays.pop("metadata"))
    if metadata.get("sha256") != checksum(arrays):
        raise ModelFileError(
            f"model file {path!r} is corrupted (checksum mismatch); re-save or re-train it"
        )
    return arrays, metadata


def parse_metadata(path, text):
    try:
        metadata = json.loads(str(text))
    except ValueError:
        raise ModelFileError(f"model file {path!r} has corrupted metadata; re-save it") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path!r} is an .npz file but not a deltaprop model")
    version = metadata.get("format_version")
    if not isinstance(version, int):
        raise ModelFileError(f"model file {path!r} has no valid format_version; re-save it")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"model file {path!r} was written by a newer deltaprop (format {version}); this "
            f"version reads format {FORMAT_VERSION}; upgrade deltaprop"
        )
    return metadata
