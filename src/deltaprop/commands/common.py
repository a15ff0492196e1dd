"""What the practitioner commands share: argument types and options, the printing of a run,
the loading of a model file and the prediction matrix, and ``TrainRun``, the outcome of a
training run (in memory or on Dask) that ``commands.results`` reports."""

import argparse
import contextlib
import math
import sys
import textwrap
import warnings
from dataclasses import dataclass

import numpy as np

from deltaprop.commands import COMMANDS
from deltaprop.data import model_features as table_features
from deltaprop.data import split_names
from deltaprop.errors import ConfigError, DataError
from deltaprop.network import check_sizes


@dataclass
class TrainRun:
    """What a training run saw and scored, whatever ran it: ``source`` names the data,
    ``n_train`` and ``n_test`` count its rows (``n_test`` 0 with --test-size 0: the scored rows
    are the training rows), ``y_true`` and ``y_pred`` are those of the scored rows."""

    source: str
    feature_names: tuple
    target_names: tuple
    n_train: int
    n_test: int
    y_true: np.ndarray  # (m_scored, k)
    y_pred: np.ndarray  # (m_scored, k)
    n_inputs: int | None = None  # n_1, when the columns are encoded (else one per feature)
    worse_than_mean: bool = False  # training ended worse than predicting the mean

    @property
    def held_out(self):
        """Whether the scored rows were held out of training."""
        return self.n_test > 0

    def architecture(self, hidden):
        """The layer widths as ``"10-16-1"``."""
        n_1 = len(self.feature_names) if self.n_inputs is None else self.n_inputs
        sizes = (n_1, *hidden, len(self.target_names))
        return "-".join(str(n) for n in sizes)


def command(subparsers, name, handler, description=None, epilog=None):
    """The parser of subcommand ``name``: its line of ``COMMANDS`` in the list of commands,
    ``description`` (by default the handler's docstring; wrapped) and ``epilog`` (as written)
    in its --help."""
    parser = subparsers.add_parser(
        name,
        help=COMMANDS[name][1],
        description=textwrap.fill(" ".join((description or handler.__doc__).split()), 79),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def add_defaulted(p, options, defaults):
    """Add each ``(flag, type, metavar, help)`` of ``options``, its default that of
    ``defaults`` (by the option's name) and said at the end of its help."""
    for flag, type_, metavar, text in options:
        default = defaults[flag[2:].replace("-", "_")]
        p.add_argument(
            flag, type=type_, default=default, metavar=metavar, help=f"{text} (default: {default})"
        )


def layer_sizes(min_layers):
    """An argparse ``type``: ``"64,64"`` → ``(64, 64)``, ``"none"`` → ``()``, ``"3-5-2"`` too."""

    def convert(text):
        try:
            return check_sizes(text, name="", min_layers=min_layers)
        except ConfigError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return convert


def _number(parse, accept, wanted):
    """An argparse ``type``: ``parse`` the text, keep it if ``accept``, else say ``wanted``."""

    def convert(text):
        try:
            value = parse(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}")
        return value

    return convert


positive_int = _number(int, lambda n: n >= 1, "a positive integer")


nonnegative_int = _number(int, lambda n: n >= 0, "an integer >= 0")


positive_float = _number(float, lambda x: 0.0 < x < math.inf, "a finite number > 0")


nonnegative_float = _number(float, lambda x: 0.0 <= x < math.inf, "a finite number >= 0")


def add_sep_option(p):
    p.add_argument(
        "--sep",
        metavar="CHAR",
        help="CSV column separator (default: ',', or ';' or tab when the header has no "
        "comma and only that one)",
    )
    p.add_argument(
        "--decimal",
        choices=(".", ","),
        default=".",
        help="decimal mark of the numbers in a CSV file: ',' reads 3,5 as 3.5 (default: '.')",
    )


def add_dask_option(p, data):
    p.add_argument(
        "--dask",
        metavar="SCHEDULER",
        help=f"run on Dask: local:N (N worker processes here) or tcp://HOST:8786; {data} "
        "(see docs/scaling.md)",
    )


def say(args, text):
    if not args.quiet:
        print(text)


def training_loss_text(args, model):
    """The training loss as every line of the command prints it: J without the --alpha term
    on the training rows at the weights kept (the poor-fit warning's and the validation
    loss's definition)."""
    aside = " (without the --alpha term)" if args.alpha else ""
    return f"training loss {model.final_loss_:.4g}{aside}"


def count(n, unit):
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def load(path):
    from deltaprop.io import load_model

    return load_model(path)


def load_predictor(path):
    """``(model, metadata)`` of a model file for predicting: a ``SavedModel``, read without
    scikit-learn (a second or more of its and SciPy's imports), or the estimator of a model
    that encodes its columns."""
    from deltaprop.io import read_model

    model, meta = read_model(path)
    return (model, meta) if model.encoder is None else load(path)


@contextlib.contextmanager
def warnings_as_lines(words=str):
    """Print each warning raised inside as one line on stderr (no source line), in the
    words ``words(message)`` gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        print(f"deltaprop: warning: {words(warning.message)}", file=sys.stderr)


def fit_reporting_warnings(fit, *args, poor_fit=str):
    """``fit(*args)``, printing a poor-fit warning as one line in the words ``poor_fit``
    gives (the stop reason replaces scikit-learn's ``ConvergenceWarning``)."""
    from sklearn.exceptions import ConvergenceWarning

    from deltaprop.errors import PoorFitWarning

    with warnings_as_lines(poor_fit):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("always", PoorFitWarning)
        return fit(*args)


@contextlib.contextmanager
def named_columns(features, targets, source):
    """Let an error of the estimator about one column of X or y name it by its header in the
    data file ``source`` (the estimator, given arrays, knows only its number)."""
    from deltaprop.scaling import ColumnError

    try:
        yield
    except ColumnError as err:
        names = {"X": features, "y": targets}.get(err.matrix)
        if not names:
            raise
        raise err.about(f"column {names[err.j]!r} of {source}") from None


def predict_matrix(model, X):
    """Predictions as (m, k), whatever the estimator's shape for one target. X (m, n) goes in
    with the model's feature names when it has them (scikit-learn checks them and would warn
    about an unnamed X)."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None and isinstance(X, np.ndarray):  # not a table of raw columns already
        X = named(X, [str(name) for name in names])
    with np.errstate(over="ignore", invalid="ignore"):  # checked below, with the row
        y_pred = np.asarray(model.predict(X)).reshape(X.shape[0], -1)  # (m, k)
    check_finite_predictions(y_pred)
    return y_pred


def check_finite_predictions(y_pred):
    """``DataError`` naming the first row of y_pred (m, k) that is not a finite number (a
    model whose parameters or scales are finite but huge overflows on some inputs)."""
    bad = ~np.isfinite(y_pred)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(
            f"the model predicts {y_pred[i, j]} for row {i} (counting from 0, output {j}): "
            "its parameters or scales are too large for this input; check the row, or "
            "re-train the model"
        )


def named(X, names):
    """X (m, n) as a table with column ``names`` (``as_frame``)."""
    return as_frame({name: X[:, j] for j, name in enumerate(names)})


def as_frame(columns):
    """Columns (name → (m,)) as a table the estimator reads by name: a pandas DataFrame,
    which every scikit-learn version reads names from, or without pandas a pyarrow Table
    (scikit-learn 1.8+ reads it)."""
    try:
        import pandas as pd
    except ImportError:
        import pyarrow as pa

        return pa.table({n: list(v) if v.dtype == object else v for n, v in columns.items()})
    return pd.DataFrame(columns, copy=False)


def model_features(model, meta, table):
    """``X`` (m, n) for ``model`` from ``table``, columns matched by the stored feature names."""
    names = meta.get("feature_names")
    if names:
        return table_features(table, names)
    n = model.network_.sizes[0]
    if len(table.columns) != n:
        raise DataError(
            f"the model stores no feature names and needs {n} columns, but "
            f"{table.path} has {len(table.columns)}; give a file with exactly its "
            f"{n} feature columns in training order"
        )
    return table.matrix(table.columns)


def target_names(model, meta):
    names = meta.get("target_names")
    return tuple(names) if names else tuple(f"y{j}" for j in range(model.network_.sizes[-1]))


def evaluation_target(args, model, meta):
    """The target columns to score: --target, else the model's; as many as it predicts."""
    target = split_names(args.target) or target_names(model, meta)
    n_out = model.network_.sizes[-1]
    if len(target) != n_out:
        raise ConfigError(
            f"--target names {len(target)} column(s) but the model predicts "
            f"{n_out}; give {n_out} comma-separated target columns"
        )
    return target
