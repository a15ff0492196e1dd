"""The metadata of a model file, checked field by field before anything uses it.

A checksum in the file guards against corruption, not against an edited file, so every field is
checked whatever the checksum says: its type, its length against the architecture, its range.
A failure is an ``InvalidField`` naming the field (``architecture.sizes``, ``training.loss_curve``,
…), which ``deltaprop.io`` turns into a one-line ``ModelFileError``.
"""

import math
import numbers

from deltaprop.activations import ACTIVATIONS
from deltaprop.losses import LOSSES

MAX_LAYERS = 1000
MAX_DEPTH = 32  # nesting of the JSON in ``extra``
TOP_FIELDS = (
    "format",
    "format_version",
    "deltaprop_version",
    "architecture",
    "feature_names",
    "target_names",
    "feature_names_in",
    "settings",
    "training",
    "extra",
    "sha256",
)
ARCHITECTURE_FIELDS = ("sizes", "activation", "dtype", "loss", "y_ndim")
TRAINING_FIELDS = (
    "n_iter",
    "t",
    "loss",
    "best_loss",
    "loss_curve",
    "validation_loss_curve",
    "interrupted",
)
SCORES_FORMAT = 3  # the format version from which training.validation_scores is there
TABLES_FORMAT = 4  # the format version from which "preprocessing" is there (null or an encoder)


class InvalidField(ValueError):
    """A metadata field of the wrong type, length or value."""

    def __init__(self, field, problem):
        super().__init__(f"{field} {problem}")


def check_metadata(metadata):
    """Check every field of a parsed metadata dict (format and version already checked)."""
    tables = metadata["format_version"] >= TABLES_FORMAT
    check_fields(metadata, "metadata", TOP_FIELDS + (("preprocessing",) if tables else ()))
    sizes = check_architecture(metadata["architecture"])
    text(metadata["deltaprop_version"], "deltaprop_version")
    text(metadata["sha256"], "sha256")
    encoder = check_preprocessing(metadata.get("preprocessing"), sizes[0])
    n_columns = sizes[0] if encoder is None else len(encoder.columns)  # columns of X
    names(metadata["feature_names"], "feature_names", n_columns)
    if encoder is not None and metadata["feature_names"] != list(encoder.names):
        raise InvalidField("feature_names", "must be the columns of preprocessing, in order")
    names(metadata["target_names"], "target_names", sizes[-1])
    flag(metadata["feature_names_in"], "feature_names_in")
    if metadata["feature_names_in"] and metadata["feature_names"] is None:
        raise InvalidField("feature_names", "is missing but feature_names_in is true")
    check_settings(metadata["settings"], sizes)
    check_training(metadata["training"], metadata["format_version"])
    check_extra(metadata["extra"])


def check_fields(value, field, expected):
    """``value`` is a dict with exactly the keys ``expected``."""
    if not isinstance(value, dict):
        raise InvalidField(field, f"must be an object, not {kind(value)}")
    missing = [key for key in expected if key not in value]
    if missing:
        raise InvalidField(f"{field}.{missing[0]}", "is missing")
    unknown = [key for key in value if key not in expected]
    if unknown:
        raise InvalidField(f"{field}.{unknown[0][:60]}", "is not a field of this format")


def check_architecture(arch):
    """Check ``architecture``; return its sizes ``(n_1, …, n_L)``."""
    check_fields(arch, "architecture", ARCHITECTURE_FIELDS)
    sizes = arch["sizes"]
    if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS:
        raise InvalidField("architecture.sizes", f"must be a list of 2 to {MAX_LAYERS} widths")
    for l, n in enumerate(sizes, start=1):
        integer(n, f"architecture.sizes[{l - 1}] (n_{l})", low=1)
    choice(arch["activation"], "architecture.activation", tuple(ACTIVATIONS))
    choice(arch["dtype"], "architecture.dtype", ("float64", "float32"))
    choice(arch["loss"], "architecture.loss", tuple(LOSSES))
    allowed_ndim = (1, 2) if sizes[-1] == 1 else (2,)
    if arch["y_ndim"] not in allowed_ndim or isinstance(arch["y_ndim"], bool):
        raise InvalidField("architecture.y_ndim", f"must be one of {allowed_ndim}")
    return tuple(sizes)


def check_preprocessing(value, n_1):
    """None, or the ``Encoder`` of ``preprocessing`` (``deltaprop.tabular``), every field
    checked, making the network's n_1 inputs."""
    if value is None:
        return None
    from deltaprop.tabular import InvalidEncoder, encoder_from_json

    try:
        return encoder_from_json(value, n_1)
    except InvalidEncoder as err:
        raise InvalidField("preprocessing", f"is invalid: {err}") from None


def check_settings(settings, sizes):
    """Each setting a JSON scalar (or a list of them); ``hidden_layer_sizes`` and ``loss`` as in
    the architecture. Their ranges are the estimator's to check (``deltaprop.io``)."""
    if not isinstance(settings, dict):
        raise InvalidField("settings", f"must be an object, not {kind(settings)}")
    for key, value in settings.items():
        values = value if isinstance(value, list) else [value]
        if not all(v is None or isinstance(v, bool | int | float | str) for v in values):
            raise InvalidField(f"settings.{key[:60]}", "must be a number, string or list of them")
    hidden = settings.get("hidden_layer_sizes")
    hidden = [hidden] if isinstance(hidden, int) else hidden
    if hidden != list(sizes[1:-1]):
        raise InvalidField(
            "settings.hidden_layer_sizes", f"is {hidden!r}; the architecture has {list(sizes)}"
        )


def check_training(training, version):
    """The training record; from format ``SCORES_FORMAT`` on with ``validation_scores`` (R²
    per epoch), one per ``validation_loss_curve`` entry."""
    scored = version >= SCORES_FORMAT
    check_fields(training, "training", TRAINING_FIELDS + (("validation_scores",) if scored else ()))
    integer(training["n_iter"], "training.n_iter", low=0)
    integer(training["t"], "training.t", low=0)
    number(training["loss"], "training.loss", finite=False)
    number(training["best_loss"], "training.best_loss", finite=False)
    for name in ("loss_curve", "validation_loss_curve", "validation_scores")[: 2 + scored]:
        curve = training[name]
        if not isinstance(curve, list):
            raise InvalidField(f"training.{name}", f"must be a list, not {kind(curve)}")
        for i, value in enumerate(curve):
            number(value, f"training.{name}[{i}]")
    if scored and len(training["validation_scores"]) != len(training["validation_loss_curve"]):
        raise InvalidField(
            "training.validation_scores",
            f"has {len(training['validation_scores'])} values; validation_loss_curve has "
            f"{len(training['validation_loss_curve'])}",
        )
    flag(training["interrupted"], "training.interrupted")


def check_extra(extra):
    """The caller's ``extra``: an object nested at most ``MAX_DEPTH`` deep; the keys that
    ``deltaprop info`` shows, of the types it shows."""
    if not isinstance(extra, dict):
        raise InvalidField("extra", f"must be an object, not {kind(extra)}")
    stack = [(extra, 1)]
    while stack:  # iterative: a deeply nested file must not exhaust the recursion limit
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidField("extra", f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)
    if "data" in extra:
        text(extra["data"], "extra.data")
    if "split" in extra and not isinstance(extra["split"], dict):
        raise InvalidField("extra.split", f"must be an object, not {kind(extra['split'])}")
    for key in ("test_metrics", "training_metrics"):
        metrics = extra.get(key, {})
        if not isinstance(metrics, dict) or not all(isinstance(m, dict) for m in metrics.values()):
            raise InvalidField(f"extra.{key}", "must be an object of objects (one per target)")


def integer(value, field, low):
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InvalidField(field, f"must be an integer >= {low}, not {short(value)}")


def number(value, field, finite=True):
    """A JSON number; NaN and ±inf only when not ``finite`` (an untrained loss is NaN)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or (finite and not math.isfinite(value)):
        wanted = "a finite number" if finite else "a number"
        raise InvalidField(field, f"must be {wanted}, not {short(value)}")


def flag(value, field):
    if not isinstance(value, bool):
        raise InvalidField(field, f"must be true or false, not {short(value)}")


def text(value, field):
    if not isinstance(value, str):
        raise InvalidField(field, f"must be a string, not {kind(value)}")


def choice(value, field, allowed):
    if not isinstance(value, str) or value not in allowed:
        raise InvalidField(field, f"is {short(value)}; it must be one of: {', '.join(allowed)}")


def names(value, field, n):
    """None, or a list of ``n`` strings."""
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InvalidField(field, "must be a list of strings")
    if len(value) != n:
        raise InvalidField(field, f"has {len(value)} names but the architecture has {n} columns")
    if len(set(value)) != n:
        twice = next(name for name in value if value.count(name) > 1)
        raise InvalidField(field, f"names {short(twice)} more than once; names must be unique")


def kind(value):
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), short(value))


def short(value):
    return repr(value)[:40]
