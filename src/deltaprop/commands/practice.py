"""Practitioner subcommands: train, predict, evaluate, info, gradcheck.

Each handler reads its input, fails with one line (``DeltapropError``) before doing any work
when something is wrong, and writes files atomically, so a failure leaves nothing half-written.
"""

import argparse
import json
import math
import os
import sys
import textwrap

import numpy as np

from deltaprop.activations import ACTIVATIONS, get_activation
from deltaprop.data import (
    load_default,
    model_features,
    read_dataset,
    read_table,
    split_names,
    target_matrix,
    train_test_split,
    write_csv,
)
from deltaprop.errors import ConfigError, DataError
from deltaprop.files import check_output
from deltaprop.losses import LOSSES, get_loss
from deltaprop.plots import check_folder, write_plots

SOLVERS = ("gd", "sgd", "adam", "lbfgs")

# Defaults of `deltaprop train`, chosen on the bundled diabetes data (see docs/usage.md).
TRAIN_DEFAULTS = dict(
    hidden="16",
    activation="tanh",
    solver="adam",
    loss="squared",
    alpha=1.0,
    epochs=200,
    lr=0.001,
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


def int_list(text):
    """``"64,64"`` → ``(64, 64)``; ``"none"`` or ``""`` → ``()`` (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of positive integers, e.g. 64,64"
        ) from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: every layer width must be at least 1")
    return sizes


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
        "train a network on a CSV file or the bundled data",
        "Train a regression network, report R², RMSE and MAE on a held-out test split, and "
        "save the model. Without DATA it trains on the bundled diabetes data (442 patients, "
        "10 features, target 'progression').",
        TRAIN_EPILOG,
    )
    p.add_argument(
        "data",
        nargs="?",
        metavar="DATA.csv",
        help="CSV file with a header row (default: the bundled diabetes data)",
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
    _add_network_options(p, TRAIN_DEFAULTS)
    _add_run_options(p, TRAIN_DEFAULTS)


def _add_network_options(p, d):
    p.add_argument(
        "--hidden",
        type=int_list,
        default=int_list(d["hidden"]),
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
    p.add_argument(
        "--alpha",
        type=nonnegative_float,
        default=d["alpha"],
        metavar="A",
        help=f"L2 penalty α on the weights (default: {d['alpha']})",
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=d["epochs"],
        metavar="N",
        help=f"maximum number of epochs (default: {d['epochs']})",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=d["lr"],
        metavar="ETA",
        help=f"learning rate η (default: {d['lr']}; not used by lbfgs)",
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
        type=float,
        default=d["test_size"],
        metavar="F",
        help=f"fraction of rows held out for the test metrics (default: {d['test_size']})",
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
    p.add_argument("--plots", metavar="DIR", help="write loss.png and pred_vs_true.png here")
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar and no summary lines; only the metrics and the model path",
    )


def train(args) -> int:
    _check_names(args)
    _check_outputs(args)
    data = _training_data(args)
    train_set, test_set = train_test_split(data, args.test_size, args.seed)
    model = _regressor(args)
    _say(
        args,
        f"data: {data.source}: {data.n_samples} rows, {len(data.feature_names)} "
        f"features → {', '.join(data.target_names)}; {train_set.n_samples} to train, "
        f"{test_set.n_samples} held out (seed {args.seed})",
    )
    _say(
        args,
        f"network: {_arch(data, args.hidden)}, {args.activation}, {args.solver}, "
        f"{args.loss} loss, alpha {args.alpha}",
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # overflow = divergence
        model.fit(train_set.X, _fit_target(train_set.y))
    _report_training(args, model)
    y_pred = predict_matrix(model, test_set.X)  # (m_test, k)
    scores = regression_metrics(test_set.y, y_pred)
    print(f"held-out test split ({test_set.n_samples} rows):")
    print(format_metrics(scores, data.target_names))
    _save(args, model, data, train_set, test_set, scores)
    if args.plots:
        _plots(args, model, test_set, y_pred, scores)
    return 130 if model.interrupted_ else 0


def _check_names(args):
    """Usage errors in the names of activation, loss and solver, before any work."""
    get_activation(args.activation)
    get_loss(args.loss)
    if args.solver not in SOLVERS:
        raise ConfigError(f"solver={args.solver!r} is not known; use one of: {', '.join(SOLVERS)}")


PLOT_FILES = ("loss.png", "pred_vs_true.png")  # what write_plots writes into --plots


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


def _training_data(args):
    if args.data is None:
        if args.target or args.features:
            raise ConfigError(
                "--target and --features need a DATA.csv file; without one "
                "deltaprop trains on the bundled diabetes data"
            )
        return load_default()
    target = split_names(args.target)
    if target is None:
        columns = read_table(args.data).columns
        raise ConfigError(
            f"--target is required with a CSV file; the columns of {args.data} "
            f"are: {', '.join(columns)}"
        )
    return read_dataset(args.data, target, split_names(args.features))


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
        early_stopping=args.early_stopping,
        random_state=args.seed,
        verbose=not args.quiet,
    )
    if args.batch_size is not None:
        options["batch_size"] = args.batch_size
    return DeltapropRegressor(**options)


def _report_training(args, model):
    if model.interrupted_:
        print(
            f"deltaprop: training interrupted (Ctrl-C) after {_epochs(model.n_iter_)}; "
            f"keeping the best weights so far",
            file=sys.stderr,
        )
    val = model.validation_loss_curve_
    kept = f" (kept the weights of epoch {int(np.argmin(val)) + 1})" if val else ""
    val_text = f", validation loss {val[-1]:.4g}" if val else ""
    _say(
        args,
        f"trained {_epochs(model.n_iter_)}{kept}: training loss "
        f"{model.loss_curve_[-1]:.4g}{val_text}",
    )


def _epochs(n):
    return f"{n} epoch" if n == 1 else f"{n} epochs"


def _save(args, model, data, train_set, test_set, scores):
    from deltaprop.io import save_model

    extra = {
        "data": data.source,
        "split": {
            "seed": args.seed,
            "test_size": args.test_size,
            "n_train": train_set.n_samples,
            "n_test": test_set.n_samples,
        },
        "test_metrics": _metrics_json(scores, data.target_names),
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


def _plots(args, model, test_set, y_pred, scores):
    """Write the plots; if that fails, say so in one line naming the files that were written."""
    plots = [os.path.join(args.plots, name) for name in PLOT_FILES]
    before = [_stamp(plot) for plot in plots]
    try:
        paths = write_plots(
            args.plots, model, test_set.y, y_pred, test_set.target_names, scores["r2"]
        )
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


def regression_metrics(y_true, y_pred):
    """R², RMSE and MAE of each target column: a dict of arrays (k,).

    R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²; it is NaN for a constant target (undefined).
    """
    residual = y_true - y_pred  # (m, k)
    ss_res = np.sum(residual**2, axis=0)  # (k,)
    ss_tot = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)  # (k,)
    defined = ss_tot > 0
    r2 = np.full(ss_res.shape, np.nan)  # (k,)
    r2[defined] = 1.0 - ss_res[defined] / ss_tot[defined]
    return {
        "r2": r2,
        "rmse": np.sqrt(np.mean(residual**2, axis=0)),
        "mae": np.mean(np.abs(residual), axis=0),
    }


def format_metrics(scores, target_names):
    """The metrics as an aligned text table, one row per target."""
    width = max(len("target"), *(len(name) for name in target_names))
    lines = [f"  {'target':<{width}}  {'R²':>8}  {'RMSE':>10}  {'MAE':>10}"]
    for j, name in enumerate(target_names):
        lines.append(
            f"  {name:<{width}}  {_num(scores['r2'][j], '.4f'):>8}  "
            f"{_num(scores['rmse'][j], '.4g'):>10}  {_num(scores['mae'][j], '.4g'):>10}"
        )
    return "\n".join(lines)


def _num(value, spec):
    return "n/a" if not np.isfinite(value) else format(value, spec)


def _metrics_json(scores, target_names):
    return {
        name: {key: _json_float(scores[key][j]) for key in ("r2", "rmse", "mae")}
        for j, name in enumerate(target_names)
    }


def _json_float(value):
    return float(value) if np.isfinite(value) else None


# ---------------------------------------------------------------- predict / evaluate


def _fit_target(y):
    """y (m, k) as the estimator expects it: (m,) for one target."""
    return y[:, 0] if y.shape[1] == 1 else y


def predict_matrix(model, X):
    """Predictions as (m, k), whatever the estimator's shape for one target."""
    return np.asarray(model.predict(X)).reshape(X.shape[0], -1)


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

Columns are matched by name with the feature names stored in the model: their order in the file
does not matter and extra columns are ignored; a missing feature column is an error. -o never
replaces the model or the data file (exit 2), and writes through a FIFO or a device.
"""


def _add_predict(subparsers):
    p = _command(
        subparsers,
        "predict",
        predict,
        "predict with a saved model",
        "Predict the target(s) of every row of a CSV file and write them as CSV "
        "with the target names as header.",
        PREDICT_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by `deltaprop train`")
    p.add_argument("data", metavar="DATA.csv", help="CSV file with the model's feature columns")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.csv",
        help="write the predictions here (default, or '-': stdout)",
    )


def predict(args) -> int:
    if args.output == "-":
        args.output = None
    if args.output is not None:
        check_output(args.output, [("the model file", args.model), ("the data file", args.data)])
    model, meta = _load(args.model)
    X = _model_features(model, meta, read_table(args.data))  # (m, n)
    y_pred = predict_matrix(model, X)  # (m, k)
    if args.output is None:
        write_csv(None, _target_names(model, meta), y_pred)
        return 0
    write_csv(args.output, _target_names(model, meta), y_pred)
    print(f"{len(y_pred)} predictions written to {args.output}", file=sys.stderr)
    return 0


EVALUATE_EPILOG = """\
examples:
  deltaprop evaluate model.npz test_rows.csv                  # targets named as in the model
  deltaprop evaluate model.npz test_rows.csv --target price
"""


def _add_evaluate(subparsers):
    p = _command(
        subparsers,
        "evaluate",
        evaluate,
        "score a saved model on labelled data",
        "Print R², RMSE and MAE of a saved model on the rows of a CSV file.",
        EVALUATE_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by `deltaprop train`")
    p.add_argument("data", metavar="DATA.csv", help="CSV file with feature and target columns")
    p.add_argument(
        "--target",
        metavar="COL[,COL]",
        help="target column(s), comma-separated (default: the model's target names)",
    )


def evaluate(args) -> int:
    model, meta = _load(args.model)
    target = split_names(args.target) or _target_names(model, meta)
    n_out = model.network_.sizes[-1]
    if len(target) != n_out:
        raise ConfigError(
            f"--target names {len(target)} column(s) but the model predicts "
            f"{n_out}; give {n_out} comma-separated target columns"
        )
    table = read_table(args.data)
    y_true = target_matrix(table, target)  # (m, k)
    X = _model_features(model, meta, table)  # (m, n)
    scores = regression_metrics(y_true, predict_matrix(model, X))
    print(f"{args.data} ({len(y_true)} rows):")
    print(format_metrics(scores, target))
    return 0


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


def describe_model(path, model, meta, n_params):
    """The text of `deltaprop info`: one ``key: value`` line per fact."""
    sizes = tuple(model.network_.sizes)
    training = meta.get("training") or {}
    extra = meta.get("extra") or {}
    lines = [
        f"model: {path} (format version {meta.get('format_version')})",
        f"architecture: {'-'.join(map(str, sizes))} ({model.network_.activation.name} hidden "
        f"layers, linear output)",
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
    for name, scores in (extra.get("test_metrics") or {}).items():
        lines.append(f"test metrics, {_shown(name)}: {_pairs(scores)}")
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
        type=int_list,
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
    from deltaprop.gradcheck import gradcheck
    from deltaprop.network import Network

    rng = np.random.default_rng(args.seed)
    loss = args.loss or "squared"
    if args.model is not None:
        model = _load(args.model)[0]
        net, loss = model.network_, args.loss or model.loss
    else:
        if len(args.sizes) < 2:
            raise ConfigError(f"--sizes {args.sizes} needs at least 2 layers, e.g. 3,5,2")
        net = Network(args.sizes, args.activation, rng=rng)
    X = rng.standard_normal((net.sizes[0], args.samples))  # (n_1, m)
    Y = rng.standard_normal((net.sizes[-1], args.samples))  # (n_L, m)
    report = gradcheck(net, X, Y, alpha=args.alpha, loss=loss, mode=args.mode, rng=rng)
    print(report)
    passed = report.passed(args.tol)
    print(
        f"{'PASSED' if passed else 'FAILED'}: max relative error "
        f"{report.max_rel_error:.2e} {'<=' if passed else '>'} tol {args.tol:g}"
    )
    return 0 if passed else 1
