"""Practitioner subcommands: train, predict, evaluate, info, gradcheck.

Each handler reads its input, fails with one line (``DeltapropError``) before doing any work
when something is wrong, and writes files atomically, so a failure leaves nothing half-written.
"""

import argparse
import contextlib
import json
import math
import os
import sys
import textwrap
import warnings

import numpy as np

from deltaprop.activations import ACTIVATIONS
from deltaprop.config import SOLVERS
from deltaprop.data import (
    is_parquet,
    listed_names,
    load_default,
    model_features,
    read_dataset,
    read_table,
    split_names,
    target_matrix,
    train_test_split,
    write_csv,
    write_parquet,
)
from deltaprop.errors import ConfigError, DataError
from deltaprop.files import check_output
from deltaprop.losses import LOSSES, get_loss
from deltaprop.network import check_sizes
from deltaprop.plots import check_folder, png_bytes, run_figures, write_plots

# Defaults of `deltaprop train`, chosen on the bundled diabetes data (see docs/usage.md).
TRAIN_DEFAULTS = dict(
    hidden="16",
    activation="tanh",
    solver="adam",
    loss="squared",
    alpha=1.0,
    epochs=200,
    lr=0.001,
    tol=1e-4,
    patience=10,
    test_size=0.2,
    seed=0,
    out="model.npz",
)


def register(subparsers):
    """Add this group's subcommands to ``subparsers``."""
    for add in (_add_train, _add_predict, _add_evaluate, _add_info, _add_gradcheck):
        add(subparsers)


def _command(subparsers, name, handler, help_, description, epilog):
    parser = subparsers.add_parser(
        name,
        help=help_,
        description=textwrap.fill(description, 79),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


# ---------------------------------------------------------------- argument types


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


# ---------------------------------------------------------------- train

TRAIN_EPILOG = """\
examples:
  deltaprop train                                  # the bundled diabetes data, default network
  deltaprop train houses.csv --target price --hidden 32,32 --epochs 500 --plots plots/
  deltaprop train data.csv --target y1,y2 --features a,b,c --solver lbfgs --out two.npz
  deltaprop train sales.parquet --target revenue --exclude id,region
  deltaprop train 'data/part-*.parquet' --target y --dask local:2   # on Dask, file by file

The defaults (one hidden layer of 16 tanh units, L2 penalty alpha = 1) differ from those of
DeltapropRegressor() in Python, which keeps scikit-learn's MLPRegressor defaults (100 relu units,
alpha = 1e-4) so that it is a drop-in replacement. These were chosen on the bundled data, where
they generalize better (mean held-out R² 0.49 against 0.45 over ten splits, see docs/usage.md):
a small, strongly regularized network suits a few hundred rows of tabular data.

The model file stores the network, the feature and target names, the training settings and the
held-out metrics; see them with `deltaprop info MODEL`. --out and --plots are checked before
training (a folder that cannot be written, an output that is the data file); missing folders are
created. If the plots cannot be written after training, the model file is still written and the
command exits 1 with one line naming the files written. Ctrl-C stops training early: the best
weights so far are kept and saved, and the command exits with status 130.
"""


def _add_train(subparsers):
    p = _command(
        subparsers,
        "train",
        train,
        "train a network on a CSV or Parquet file, or the bundled data",
        "Train a regression network, report R², RMSE and MAE on a held-out test split, and "
        "save the model. Without DATA it trains on the bundled diabetes data (442 patients, "
        "10 features, target 'progression').",
        TRAIN_EPILOG,
    )
    p.add_argument(
        "data",
        nargs="?",
        metavar="DATA",
        help="CSV file with a header row, or Parquet file (.parquet) (default: the bundled "
        "diabetes data)",
    )
    p.add_argument(
        "--target",
        metavar="COL[,COL]",
        help="target column(s), comma-separated (required with DATA)",
    )
    p.add_argument(
        "--features",
        metavar="COLS",
        help="feature columns, comma-separated (default: all other columns)",
    )
    p.add_argument(
        "--exclude",
        metavar="COLS",
        help="columns to leave out of the default features (an id, a text column)",
    )
    _add_sep_option(p)
    _add_network_options(p, TRAIN_DEFAULTS)
    _add_run_options(p, TRAIN_DEFAULTS)
    _add_dask_option(p, "DATA may then be a glob of CSV or Parquet files, one partition each")


def _add_dask_option(p, data):
    p.add_argument(
        "--dask",
        metavar="SCHEDULER",
        help=f"run on Dask: local:N (N worker processes here) or tcp://HOST:8786; {data} "
        "(see docs/scaling.md)",
    )


def _add_sep_option(p):
    p.add_argument(
        "--sep",
        metavar="CHAR",
        help="CSV column separator (default: ',', or ';' or tab when the header has no "
        "comma and only that one)",
    )


NUMBER_OPTIONS = (  # flag, type, metavar, help: the numeric options of `train`
    ("--alpha", nonnegative_float, "A", "L2 penalty α on the weights"),
    ("--epochs", positive_int, "N", "maximum number of epochs (lbfgs: iterations)"),
    ("--lr", positive_float, "ETA", "learning rate η, not used by lbfgs"),
    (
        "--tol",
        nonnegative_float,
        "TOL",
        "an epoch improves the monitored loss when it lowers it by more than TOL (lbfgs: "
        "tolerance on the gradient and the relative change of the loss)",
    ),
    ("--patience", positive_int, "N", "stop after N epochs without improvement"),
)


def _add_network_options(p, d):
    p.add_argument(
        "--hidden",
        type=layer_sizes(0),
        default=d["hidden"],
        metavar="N[,N]",
        help=f"hidden layer widths, comma-separated; 'none' for a linear model "
        f"(default: {d['hidden']})",
    )
    p.add_argument(
        "--activation",
        default=d["activation"],
        metavar="NAME",
        help=f"hidden activation: {', '.join(ACTIVATIONS)} (default: {d['activation']})",
    )
    p.add_argument(
        "--solver",
        default=d["solver"],
        metavar="NAME",
        help=f"optimizer: {', '.join(SOLVERS)} (default: {d['solver']})",
    )
    p.add_argument(
        "--loss",
        default=d["loss"],
        metavar="NAME",
        help=f"loss: {', '.join(LOSSES)} (default: {d['loss']})",
    )
    for flag, type_, metavar, text in NUMBER_OPTIONS:
        default = d[flag[2:]]
        p.add_argument(
            flag, type=type_, default=default, metavar=metavar, help=f"{text} (default: {default})"
        )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        metavar="B",
        help="mini-batch size for sgd and adam (default: min(200, rows))",
    )
    p.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop when the loss on a validation part of the training rows stops "
        "improving, and keep the best weights",
    )


def _add_run_options(p, d):
    p.add_argument(
        "--test-size",
        type=nonnegative_float,
        default=d["test_size"],
        metavar="F",
        help=f"fraction of rows held out for the test metrics; 0 trains on every row and "
        f"reports the metrics on the training rows (default: {d['test_size']})",
    )
    p.add_argument(
        "--seed",
        type=nonnegative_int,
        default=d["seed"],
        metavar="S",
        help=f"seed of the test split, the initial weights and the shuffling "
        f"(default: {d['seed']})",
    )
    p.add_argument(
        "--out",
        default=d["out"],
        metavar="MODEL.npz",
        help=f"where to save the model (default: {d['out']})",
    )
    p.add_argument(
        "--plots", metavar="DIR", help="write loss.png, pred_vs_true.png and residuals.png here"
    )
    p.add_argument(
        "--report",
        metavar="FILE.html",
        help="write one self-contained HTML page of the run: settings, metrics and the plots",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar and no summary lines; only the metrics and the model path",
    )


def train(args) -> int:
    if args.dask:
        from deltaprop.commands.dask_train import train_on_dask

        return train_on_dask(args)
    model = _regressor(args)
    model.train_config()  # usage errors in the settings, before any work
    _check_outputs(args)
    data = _training_data(args)
    _check_counts(args, data)
    train_set, test_set = train_test_split(data, args.test_size, args.seed)
    _say(
        args,
        f"data: {data.source}: {data.n_samples} rows, {len(data.feature_names)} "
        f"features → {listed_names(data.target_names)}; {_split_text(args, train_set, test_set)}",
    )
    _say(
        args,
        f"network: {_arch(data, args.hidden)}, {args.activation}, {args.solver}, "
        f"{args.loss} loss, alpha {args.alpha}",
    )
    with _named_columns(data.feature_names, data.target_names, data.source):
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # overflow = divergence
            _fit(model.fit, train_set.X, _fit_target(train_set.y))
        _report_training(args, model)
        scored = train_set if test_set is None else test_set  # --test-size 0: the training rows
        y_pred = predict_matrix(model, scored.X)  # (m_scored, k)
    return _conclude(args, model, data, (train_set, test_set), scored, y_pred)


def _conclude(args, model, data, split, scored, y_pred):
    """Print the metrics of ``y_pred`` (m_scored, k) against ``scored.y``, write the model file,
    the plots and the report; return the exit status (``train`` and ``train --dask``)."""
    train_set, test_set = split
    scores = regression_metrics(scored.y, y_pred, model.loss)
    print(f"{_scored_label(test_set is not None, scored.n_samples)}:")
    print(format_metrics(scores, data.target_names))
    _save(args, model, data, train_set, test_set, scores)
    if args.plots or args.report:
        _plots(args, model, data, scored, y_pred, scores, test_set is not None)
    return 130 if model.interrupted_ else 0


PLOT_FILES = (
    "loss.png",
    "pred_vs_true.png",
    "residuals.png",
)  # what write_plots writes into --plots


def _check_outputs(args):
    """Before any work: --out and --plots can be written and are none of the inputs."""
    if args.out == "-":
        raise ConfigError("--out - would mix the model file into the report on stdout; give a file")
    inputs = [("the data file", args.data)]
    check_output(args.out, inputs)
    if args.plots:
        check_folder(args.plots)
        for name in PLOT_FILES:
            plot = os.path.join(args.plots, name)
            check_output(plot, [*inputs, ("the model file (--out)", args.out)])
    if args.report:
        check_output(args.report, [*inputs, ("the model file (--out)", args.out)])


def _split_text(args, train_set, test_set):
    if test_set is None:
        return f"all {train_set.n_samples} to train (--test-size 0: none held out)"
    return f"{train_set.n_samples} to train, {test_set.n_samples} held out (seed {args.seed})"


def _scored_label(held_out, n_rows):
    """What the metrics are computed on, in words."""
    if not held_out:
        return f"training rows ({n_rows} rows; --test-size 0: not a test on new data)"
    return f"held-out test split ({n_rows} rows)"


def _training_data(args):
    if args.data is None:
        if args.target or args.features or args.exclude:
            raise ConfigError(
                "--target, --features and --exclude need a DATA file; without one "
                "deltaprop trains on the bundled diabetes data"
            )
        return load_default()
    target = split_names(args.target)
    if target is None:
        columns = read_table(args.data, args.sep).columns
        raise ConfigError(
            f"--target is required with a data file; the columns of {args.data} "
            f"are: {listed_names(columns)}"
        )
    exclude = split_names(args.exclude) or ()
    return read_dataset(args.data, target, split_names(args.features), exclude, args.sep)


def _regressor(args):
    from deltaprop.estimator import DeltapropRegressor

    options = dict(
        hidden_layer_sizes=args.hidden,
        activation=args.activation,
        solver=args.solver,
        loss=args.loss,
        alpha=args.alpha,
        max_iter=args.epochs,
        learning_rate_init=args.lr,
        tol=args.tol,
        n_iter_no_change=args.patience,
        early_stopping=args.early_stopping,
        random_state=args.seed,
        verbose=not args.quiet and sys.stderr.isatty(),  # the bar; never the stdout lines
    )
    if args.batch_size is not None:
        options["batch_size"] = args.batch_size
    return DeltapropRegressor(**options)


def _check_counts(args, data):
    """With --loss poisson, a ``DataError`` naming the target column and the row (of the file,
    before the split) of a negative count, or all targets 0."""
    if get_loss(args.loss).output == "exp":
        from deltaprop.estimator import check_counts

        check_counts(data.y, lambda j: f"target column {data.target_names[j]!r}")


def _fit(fit, *args, **kwargs):
    """``fit(*args)``, printing a poor-fit warning as one line (the stop reason replaces
    scikit-learn's ``ConvergenceWarning``); returns what ``fit`` returns."""
    from sklearn.exceptions import ConvergenceWarning

    from deltaprop.errors import PoorFitWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("always", PoorFitWarning)
        result = fit(*args, **kwargs)
    for warning in caught:
        print(f"deltaprop: warning: {warning.message}", file=sys.stderr)
    return result


@contextlib.contextmanager
def _named_columns(features, targets, source):
    """Let an error of the estimator about one column of X or y name it by its header in the
    data file ``source`` (the estimator, given arrays, knows only its number)."""
    from deltaprop.estimator import ColumnError

    try:
        yield
    except ColumnError as err:
        names = {"X": features, "y": targets}.get(err.matrix)
        if not names:
            raise
        raise err.about(f"column {names[err.j]!r} of {source}") from None


def _report_training(args, model):
    n, unit = model.n_iter_, "iteration" if args.solver == "lbfgs" else "epoch"
    if model.interrupted_:
        kept = "the best weights so far" if n else "the initial weights"
        print(
            f"deltaprop: training interrupted (Ctrl-C) after {_count(n, unit)}; keeping {kept}",
            file=sys.stderr,
        )
    val = model.validation_loss_curve_
    kept = f" (kept the weights of epoch {int(np.argmin(val)) + 1})" if val else ""
    val_text = f", validation loss {val[-1]:.4g}" if val else ""
    loss = f": training loss {model.loss_curve_[-1]:.4g}{val_text}" if n else ""
    _say(args, f"trained {_count(n, unit)}{kept}{loss}")
    _say(args, f"stopped: {_stop_text(args, model.stop_reason_, unit)}")


def _stop_text(args, reason, unit):
    """Why training stopped, in the words of the command's options."""
    monitored = "validation" if args.early_stopping else "training"
    return {
        "converged": (
            f"converged (no improvement > --tol {args.tol:g} in the {monitored} loss for "
            f"{_count(args.patience, unit)})"
            if unit == "epoch"
            else f"converged (gradient or relative change of the loss below --tol {args.tol:g})"
        ),
        "early_stopping": (
            f"early stopping (no improvement > --tol {args.tol:g} in the validation loss for "
            f"{_count(args.patience, unit)})"
        ),
        "max_iter": f"{unit} limit --epochs {args.epochs} reached before convergence",
        "max_fun": "L-BFGS's limit of loss evaluations (max_fun) reached before convergence",
        "no_progress": "L-BFGS's line search found no lower loss (converged to rounding)",
        "interrupted": "interrupted (Ctrl-C)",
    }[reason]


def _count(n, unit):
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _save(args, model, data, train_set, test_set, scores):
    from deltaprop.io import save_model

    extra = {
        "data": data.source,
        "split": {
            "seed": args.seed,
            "test_size": args.test_size,
            "n_train": train_set.n_samples,
            "n_test": 0 if test_set is None else test_set.n_samples,
        },
        f"{'training' if test_set is None else 'test'}_metrics": _metrics_json(
            scores, data.target_names
        ),
        "interrupted": model.interrupted_,
    }
    save_model(
        args.out,
        model,
        feature_names=list(data.feature_names),
        target_names=list(data.target_names),
        extra=extra,
    )
    print(f"model written to {args.out}")


def _plots(args, model, data, scored, y_pred, scores, held_out):
    """The plots of the run into ``--plots`` and, with them, the ``--report`` page."""
    split = "test split" if held_out else "training rows"
    figures = run_figures(model, scored.y, y_pred, scored.target_names, scores["r2"], split)
    if args.plots:
        _write_plots(args, figures)
    if args.report:
        captions = {
            "loss.png": "Loss per epoch",
            "pred_vs_true.png": f"Predicted against true values, {split}",
            "residuals.png": f"Residuals against predicted values, {split}",
        }
        pngs = {captions[name]: png_bytes(fig) for name, fig in figures.items()}
        _report(args, model, data, scores, _scored_label(held_out, scored.n_samples), pngs)


def _report(args, model, data, scores, label, pngs):
    from deltaprop.report import report_html, write_report

    cells, columns = metric_cells(scores), metric_columns(scores)
    rows = [
        [name, *(cells[key][j] for key, _ in columns)] for j, name in enumerate(data.target_names)
    ]
    page = report_html(
        f"deltaprop train: {data.source}",
        _run_settings(args, model, data),
        label,
        ["target", *(title for _, title in columns)],
        rows,
        pngs,
    )
    write_report(args.report, page)
    print(f"report written to {args.report}")


def _run_settings(args, model, data):
    """``[(name, value)]``: what a reader of the report needs to rerun and judge the run."""
    return [
        ("data", f"{data.source}: {data.n_samples} rows"),
        ("features", ", ".join(data.feature_names)),
        ("targets", ", ".join(data.target_names)),
        ("network", f"{_arch(data, args.hidden)}, {args.activation} hidden layers"),
        ("solver", f"{args.solver}, η = {args.lr}, batch size {args.batch_size or 'auto'}"),
        ("loss", f"{args.loss}, α = {args.alpha}"),
        ("epochs", f"{model.n_iter_} run of at most {args.epochs}"),
        ("early stopping", "on" if args.early_stopping else "off"),
        ("test size", f"{args.test_size} (seed {args.seed})"),
        ("final training loss", f"{model.loss_curve_[-1]:.4g}"),
        ("model file", str(args.out)),
    ]


def _write_plots(args, figures):
    """Write the plots; if that fails, say so in one line naming the files that were written."""
    plots = [os.path.join(args.plots, name) for name in PLOT_FILES]
    before = [_stamp(plot) for plot in plots]
    try:
        paths = write_plots(args.plots, figures)
    except DataError as err:
        written = [p for p, old in zip(plots, before, strict=True) if _stamp(p) not in (None, old)]
        raise DataError(
            f"{err}; the model was written to {args.out}, "
            + (f"and the plot {written[0]}" if written else "but no plot")
        ) from None
    print(f"plots written to {', '.join(str(path) for path in paths)}")


def _stamp(path):
    """``(inode, mtime)`` of ``path``, or None: tells whether a file was (re)written."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _arch(data, hidden):
    return "-".join(str(n) for n in (len(data.feature_names), *hidden, len(data.target_names)))


def _say(args, text):
    if not args.quiet:
        print(text)


# ---------------------------------------------------------------- metrics


METRICS = (("r2", "R²"), ("rmse", "RMSE"), ("mae", "MAE"), ("deviance", "Poisson dev."))


def metric_columns(scores):
    """The ``(key, title)`` of each metric in ``scores``, in table order."""
    return [(key, title) for key, title in METRICS if key in scores]


def regression_metrics(y_true, y_pred, loss="squared"):
    """R², RMSE and MAE of each target column (``sklearn.metrics``): a dict of arrays (k,);
    with ``loss="poisson"`` also the mean Poisson deviance (``"deviance"``), NaN where a
    target holds a negative count.

    R² is NaN for a constant target (undefined), where scikit-learn would give 0 or 1.
    """
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    with np.errstate(divide="ignore", invalid="ignore"):  # a constant target: 0/0
        r2 = r2_score(y_true, y_pred, multioutput="raw_values", force_finite=False)  # (k,)
    scores = {
        "r2": np.where(np.ptp(y_true, axis=0) > 0, r2, np.nan),
        "rmse": root_mean_squared_error(y_true, y_pred, multioutput="raw_values"),
        "mae": mean_absolute_error(y_true, y_pred, multioutput="raw_values"),
    }
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
    """The metrics as text, ``{key: [one str per target]}``, each column with one number of
    decimals: R² with 4, RMSE and MAE with 4 significant digits of the column's largest value
    (52.99 above 54.30, not 54.3)."""
    cells = {"r2": [_num(value, 4) for value in scores["r2"]]}
    for key in scores.keys() - {"r2"}:
        cells[key] = [_num(value, _decimals(scores[key])) for value in scores[key]]
    return cells


def _decimals(values, digits=4):
    finite = np.abs(values[np.isfinite(values)])
    largest = finite.max() if finite.size else 0.0
    return 0 if largest == 0 else int(np.clip(digits - 1 - np.floor(np.log10(largest)), 0, 12))


def format_metrics(scores, target_names):
    """The metrics as an aligned text table, one row per target."""
    cells, columns = metric_cells(scores), metric_columns(scores)
    width = max(len("target"), *(len(name) for name in target_names))
    sizes = [8 if key == "r2" else max(10, len(title)) for key, title in columns]
    head = "".join(f"  {title:>{w}}" for (_, title), w in zip(columns, sizes, strict=True))
    lines = [f"  {'target':<{width}}{head}"]
    for j, name in enumerate(target_names):
        row = "".join(f"  {cells[key][j]:>{w}}" for (key, _), w in zip(columns, sizes, strict=True))
        lines.append(f"  {name:<{width}}{row}")
    return "\n".join(lines)


def _num(value, decimals):
    return "n/a" if not np.isfinite(value) else f"{value:.{decimals}f}"


def _metrics_json(scores, target_names):
    return {
        name: {key: _json_float(scores[key][j]) for key, _ in metric_columns(scores)}
        for j, name in enumerate(target_names)
    }


def _json_float(value):
    return float(value) if np.isfinite(value) else None


# ---------------------------------------------------------------- predict / evaluate


def _fit_target(y):
    """y (m, k) as the estimator expects it: (m,) for one target."""
    return y[:, 0] if y.shape[1] == 1 else y


def predict_matrix(model, X):
    """Predictions as (m, k), whatever the estimator's shape for one target. X (m, n) goes in
    with the model's feature names when it has them (scikit-learn checks them and would warn
    about an unnamed X)."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        X = _named(X, [str(name) for name in names])
    return np.asarray(model.predict(X)).reshape(X.shape[0], -1)


def _named(X, names):
    """X (m, n) as a table with column ``names``: a pandas DataFrame, which every scikit-learn
    version reads names from, or without pandas a pyarrow Table (scikit-learn 1.8+ reads it)."""
    try:
        import pandas as pd
    except ImportError:
        import pyarrow as pa

        return pa.table([X[:, j] for j in range(X.shape[1])], names=names)
    return pd.DataFrame(X, columns=names, copy=False)


def _load(path):
    from deltaprop.io import load_model

    return load_model(path)


def _model_features(model, meta, table):
    """``X`` (m, n) for ``model`` from ``table``, columns matched by the stored feature names."""
    names = meta.get("feature_names")
    if names:
        return model_features(table, names)
    n = model.network_.sizes[0]
    if len(table.columns) != n:
        raise DataError(
            f"the model stores no feature names and needs {n} columns, but "
            f"{table.path} has {len(table.columns)}; give a file with exactly its "
            f"{n} feature columns in training order"
        )
    return table.matrix(table.columns)


def _target_names(model, meta):
    names = meta.get("target_names")
    return tuple(names) if names else tuple(f"y{j}" for j in range(model.network_.sizes[-1]))


PREDICT_EPILOG = """\
examples:
  deltaprop predict model.npz new_rows.csv                 # CSV to stdout
  deltaprop predict model.npz new_rows.csv -o predictions.csv
  deltaprop predict model.npz new_rows.parquet -o predictions   # Parquet, as the input
  deltaprop predict model.npz 'data/part-*.parquet' --dask local:2 -o out/   # a file per file

Columns are matched by name with the feature names stored in the model: their order in the file
does not matter and extra columns are ignored; a missing feature column is an error. The output
file is Parquet when its name ends in .parquet, CSV when it ends in .csv, and otherwise in the
format of the input; stdout is always CSV. -o never replaces the model or the data file (exit 2),
and writes through a FIFO or a device.
"""


def _add_predict(subparsers):
    p = _command(
        subparsers,
        "predict",
        predict,
        "predict with a saved model",
        "Predict the target(s) of every row of a CSV or Parquet file and write them, "
        "with the target names as header, as CSV or Parquet.",
        PREDICT_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by `deltaprop train`")
    p.add_argument(
        "data", metavar="DATA", help="CSV or Parquet file with the model's feature columns"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write the predictions here, as .csv or .parquet (default, or '-': CSV to stdout); "
        "with --dask a new folder, one file per input file",
    )
    _add_sep_option(p)
    _add_dask_option(p, "DATA may then be a glob of CSV or Parquet files, one task each")


def predict(args) -> int:
    if args.dask:
        from deltaprop.commands.dask_train import predict_on_dask

        return predict_on_dask(args)
    if args.output == "-":
        args.output = None
    if args.output is not None:
        check_output(args.output, [("the model file", args.model), ("the data file", args.data)])
    model, meta = _load(args.model)
    X = _model_features(model, meta, read_table(args.data, args.sep))  # (m, n)
    with _named_columns(meta.get("feature_names"), None, args.data):
        y_pred = predict_matrix(model, X)  # (m, k)
    if args.output is None:
        write_csv(None, _target_names(model, meta), y_pred)
        return 0
    write = write_parquet if _parquet_output(args.output, args.data) else write_csv
    write(args.output, _target_names(model, meta), y_pred)
    print(f"{len(y_pred)} predictions written to {args.output}", file=sys.stderr)
    return 0


def _parquet_output(output, data):
    """Whether predictions go out as Parquet: by the output's extension, else as the input."""
    if str(output).lower().endswith(".csv"):
        return False
    return is_parquet(output) or is_parquet(data)


EVALUATE_EPILOG = """\
examples:
  deltaprop evaluate model.npz test_rows.csv                  # targets named as in the model
  deltaprop evaluate model.npz test_rows.csv --target price
  deltaprop evaluate model.npz 'data/part-*.parquet' --dask local:2   # summed on the workers
"""


def _add_evaluate(subparsers):
    p = _command(
        subparsers,
        "evaluate",
        evaluate,
        "score a saved model on labelled data",
        "Print R², RMSE and MAE of a saved model on the rows of a CSV or Parquet file.",
        EVALUATE_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by `deltaprop train`")
    p.add_argument(
        "data", metavar="DATA", help="CSV or Parquet file with feature and target columns"
    )
    p.add_argument(
        "--target",
        metavar="COL[,COL]",
        help="target column(s), comma-separated (default: the model's target names)",
    )
    _add_sep_option(p)
    _add_dask_option(p, "DATA may then be a glob of CSV or Parquet files, one task each")


def evaluate(args) -> int:
    if args.dask:
        from deltaprop.commands.dask_train import evaluate_on_dask

        return evaluate_on_dask(args)
    model, meta = _load(args.model)
    target = evaluation_target(args, model, meta)
    table = read_table(args.data, args.sep)
    y_true = target_matrix(table, target)  # (m, k)
    X = _model_features(model, meta, table)  # (m, n)
    with _named_columns(meta.get("feature_names"), None, args.data):
        scores = regression_metrics(y_true, predict_matrix(model, X), model.loss)
    print(f"{args.data} ({len(y_true)} rows):")
    print(format_metrics(scores, target))
    return 0


def evaluation_target(args, model, meta):
    """The target columns to score: --target, else the model's; as many as it predicts."""
    target = split_names(args.target) or _target_names(model, meta)
    n_out = model.network_.sizes[-1]
    if len(target) != n_out:
        raise ConfigError(
            f"--target names {len(target)} column(s) but the model predicts "
            f"{n_out}; give {n_out} comma-separated target columns"
        )
    return target


# ---------------------------------------------------------------- info

INFO_EPILOG = """\
examples:
  deltaprop info model.npz
  deltaprop info model.npz --json
"""


def _add_info(subparsers):
    p = _command(
        subparsers,
        "info",
        info,
        "describe a saved model",
        "Show a saved model's architecture, parameter count, training settings and "
        "history, stored test metrics, and feature and target names.",
        INFO_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by deltaprop")
    p.add_argument("--json", action="store_true", help="print the metadata as JSON")


def info(args) -> int:
    from deltaprop.network import parameter_count

    model, meta = _load(args.model)
    sizes = tuple(model.network_.sizes)
    if args.json:
        print(json.dumps({**meta, "parameter_count": parameter_count(sizes)}, indent=2))
        return 0
    print(describe_model(args.model, model, meta, parameter_count(sizes)))
    return 0


OUTPUT_WORDS = {"identity": "linear output", "exp": "exp output (poisson loss)"}


def describe_model(path, model, meta, n_params):
    """The text of `deltaprop info`: one ``key: value`` line per fact."""
    sizes = tuple(model.network_.sizes)
    training = meta.get("training") or {}
    extra = meta.get("extra") or {}
    lines = [
        f"model: {path} (format version {meta.get('format_version')})",
        f"architecture: {'-'.join(map(str, sizes))} ({model.network_.activation.name} hidden "
        f"layers, {OUTPUT_WORDS[model.network_.output.name]})",
        f"parameters: {n_params}",
        f"features ({sizes[0]}): {_shown(', '.join(meta.get('feature_names') or ['(unnamed)']))}",
        f"targets ({sizes[-1]}): {_shown(', '.join(_target_names(model, meta)))}",
        f"settings: {_pairs(meta.get('settings') or {})}",
        f"training: {_pairs(training)}",
    ]
    if training.get("loss_curve"):
        lines.append(f"final losses: {_final_losses(training)}")
    if "data" in extra:
        lines.append(f"trained on: {_shown(extra['data'])}")
    if "split" in extra:
        lines.append(f"test split: {_pairs(extra['split'])}")
    for kind in ("test", "training"):
        for name, scores in (extra.get(f"{kind}_metrics") or {}).items():
            lines.append(f"{kind} metrics, {_shown(name)}: {_pairs(scores)}")
    return "\n".join(lines)


def _final_losses(training):
    text = f"training {training['loss_curve'][-1]:.4g} (lowest {min(training['loss_curve']):.4g})"
    val = training.get("validation_loss_curve")
    if val:
        text += f", validation {val[-1]:.4g} (lowest {min(val):.4g})"
    return text


def _pairs(mapping):
    text = ", ".join(f"{_shown(key)}={_short(value)}" for key, value in mapping.items())
    return textwrap.fill(text, width=96, subsequent_indent="    ", break_long_words=False)


def _short(value):
    if isinstance(value, float):
        return format(value, ".6g")
    if isinstance(value, list):
        shown = ", ".join(_short(v) for v in value)
        return f"[{len(value)} values]" if len(value) > 6 else f"[{shown}]"
    return _shown(str(value))


def _shown(text):
    """``text`` with control characters escaped: a model file never moves the cursor or adds
    lines to what `info` prints."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


# ---------------------------------------------------------------- gradcheck

GRADCHECK_EPILOG = """\
examples:
  deltaprop gradcheck                                    # a random 3-5-4-2 tanh network
  deltaprop gradcheck --sizes 4,8,1 --activation relu --loss huber --alpha 0.1
  deltaprop gradcheck model.npz --mode directions        # the network of a saved model

Exit status 0 when the largest relative error is at most --tol, 1 otherwise.
"""


def _add_gradcheck(subparsers):
    p = _command(
        subparsers,
        "gradcheck",
        gradcheck_command,
        "check backprop against central finite differences",
        "Compare the backpropagation gradient with central finite differences in "
        "float64 on random data and print the relative error per layer.",
        GRADCHECK_EPILOG,
    )
    p.add_argument(
        "model",
        nargs="?",
        metavar="MODEL.npz",
        help="check the network of this saved model (default: a random network)",
    )
    p.add_argument(
        "--sizes",
        type=layer_sizes(2),
        default=(3, 5, 4, 2),
        metavar="N,N[,N]",
        help="layer widths n_1,…,n_L of the random network (default: 3,5,4,2)",
    )
    p.add_argument(
        "--activation",
        default="tanh",
        metavar="NAME",
        help=f"hidden activation: {', '.join(ACTIVATIONS)} (default: tanh; a model keeps its own)",
    )
    p.add_argument(
        "--loss",
        metavar="NAME",
        help=f"loss: {', '.join(LOSSES)} (default: the model's loss, else squared)",
    )
    p.add_argument(
        "--alpha",
        type=nonnegative_float,
        default=0.0,
        metavar="A",
        help="L2 penalty α (default: 0)",
    )
    p.add_argument(
        "--samples",
        type=positive_int,
        default=8,
        metavar="M",
        help="number m of random samples (default: 8)",
    )
    p.add_argument(
        "--seed",
        type=nonnegative_int,
        default=0,
        metavar="S",
        help="seed of the network and data (default: 0)",
    )
    p.add_argument(
        "--mode",
        choices=("full", "directions"),
        default="full",
        help="full: every parameter; directions: random directions, for big "
        "networks (default: full)",
    )
    p.add_argument(
        "--tol",
        type=nonnegative_float,
        default=1e-6,
        metavar="TOL",
        help="largest relative error that passes (default: 1e-6)",
    )


def gradcheck_command(args) -> int:
    from deltaprop.gradcheck import format_error, gradcheck
    from deltaprop.network import Network

    rng = np.random.default_rng(args.seed)
    loss = args.loss or "squared"
    if args.model is not None:
        model = _load(args.model)[0]
        net, loss = model.network_, args.loss or model.loss
    else:
        net = Network(args.sizes, args.activation, rng=rng, output=get_loss(loss).output)
    X = rng.standard_normal((net.sizes[0], args.samples))  # (n_1, m)
    Y = rng.standard_normal((net.sizes[-1], args.samples))  # (n_L, m)
    if net.output.name == "exp":  # the Poisson loss: counts
        Y = rng.poisson(2.0, size=Y.shape).astype(np.float64)  # (n_L, m)
    report = gradcheck(
        net, X, Y, alpha=args.alpha, loss=loss, mode=args.mode, rng=rng, tol=args.tol
    )
    print(report)
    passed = report.passed()
    print(
        f"{'PASSED' if passed else 'FAILED'}: max relative error "
        f"{format_error(report.max_rel_error)} {'<=' if passed else '>'} tol {args.tol:.3g}"
    )
    return 0 if passed else 1
