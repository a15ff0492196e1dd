"""``deltaprop train``: train a network on a file, a glob of files on Dask (``--dask``), or
the bundled data; report the metrics and save the model (``commands.results``)."""

import os
import sys

import numpy as np

from deltaprop.activations import ACTIVATIONS
from deltaprop.commands.common import (
    TrainRun,
    add_dask_option,
    add_defaulted,
    add_sep_option,
    command,
    count,
    fit_reporting_warnings,
    layer_sizes,
    named_columns,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    predict_matrix,
    say,
    training_loss_text,
    warnings_as_lines,
)
from deltaprop.commands.results import conclude
from deltaprop.commands.tables import TableSet, add_table_options, read_training_table
from deltaprop.config import SOLVERS, TrainConfig
from deltaprop.data import (
    listed_names,
    load_default,
    physical_memory,
    read_table,
    split_names,
    train_test_split,
)
from deltaprop.errors import ConfigError
from deltaprop.files import check_output
from deltaprop.losses import LOSSES, get_loss
from deltaprop.plots import PLOT_FILES, check_folder
from deltaprop.printable import shortened
from deltaprop.tabular import filled_text

# train's defaults: the training settings' are the estimator's (TrainConfig) but alpha; the
# network and alpha differ from DeltapropRegressor() (TRAIN_EPILOG says why)
TRAIN_DEFAULTS = dict(
    hidden="16",
    activation="tanh",
    solver=TrainConfig.solver,
    loss=TrainConfig.loss,
    alpha=1.0,
    epochs=TrainConfig.max_iter,
    lr=TrainConfig.learning_rate_init,
    tol=TrainConfig.tol,
    patience=TrainConfig.n_iter_no_change,
    test_size=0.2,
    seed=0,
    out="model.npz",
)
# The network of a table of at least WIDE_ROWS rows, or with a categorical column, unless
# --hidden and --activation say otherwise (measured: benchmarks/cli_defaults.py, NOTES.md)
WIDE_ROWS = 1000
WIDE_DEFAULTS = dict(hidden="64", activation="relu")  # the larger of the two defaults


TRAIN_EPILOG = """\
examples:
  deltaprop train                                  # the bundled diabetes data, default network
  deltaprop train houses.csv --target price --hidden 32,32 --epochs 500 --plots plots/
  deltaprop train data.csv --target y1,y2 --features a,b,c --solver lbfgs --out two.npz
  deltaprop train sales.parquet --target revenue --exclude id,region
  deltaprop train 'data/part-*.parquet' --target y --dask local:2   # on Dask, file by file

Tables as they come: a text column becomes a one-hot block of the input layer (--categorical
for integer codes), a column that identifies rows (an id) or is empty in every row is left
out unless --features names it, and empty cells are filled (--missing); each of these is said
in one line.

The defaults (one hidden layer of 16 tanh units, L2 penalty alpha = 1; 64 relu units for a
table of 1000 rows or more, or with a categorical column) differ from those of
DeltapropRegressor() in Python, which keeps scikit-learn's MLPRegressor defaults (100 relu units,
alpha = 1e-4) so that it is a drop-in replacement. The small network was chosen on the bundled
data, where it generalizes better (mean held-out R² 0.49 against 0.45 over ten splits), the
wider one on generated tables of 500 to 20,000 rows (see docs/usage.md).

The model file stores the network, the feature and target names, the training settings and the
held-out metrics; see them with `deltaprop info MODEL`. --out and --plots are checked before
training (a folder that cannot be written, an output that is the data file); missing folders are
created. If the plots cannot be written after training, the model file is still written and the
command exits 1 with one line naming the files written. Ctrl-C stops training early: the best
weights so far are kept and saved, and the command exits with status 130.
"""


def register(subparsers):
    """Add `deltaprop train` to ``subparsers``."""
    p = command(
        subparsers,
        "train",
        train,
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
    add_sep_option(p)
    add_table_options(p)
    _add_network_options(p)
    _add_run_options(p)
    add_dask_option(p, "DATA may then be a glob of CSV or Parquet files, one partition each")


# The options with a default (TRAIN_DEFAULTS, said in the help): flag, type, metavar, help
NETWORK_OPTIONS = (
    ("--solver", str, "NAME", f"optimizer: {', '.join(SOLVERS)}"),
    ("--loss", str, "NAME", f"loss: {', '.join(LOSSES)}"),
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
RUN_OPTIONS = (
    (
        "--test-size",
        nonnegative_float,
        "F",
        "fraction of rows held out for the test metrics; 0 trains on every row and reports the "
        "metrics on the training rows",
    ),
    (
        "--seed",
        nonnegative_int,
        "S",
        "seed of the test split, the initial weights and the shuffling",
    ),
    ("--out", str, "MODEL.npz", "where to save the model"),
)
# The estimator's parameter set by each option (``regressor``)
PARAMETERS = dict(
    solver="solver",
    loss="loss",
    alpha="alpha",
    epochs="max_iter",
    lr="learning_rate_init",
    tol="tol",
    patience="n_iter_no_change",
    early_stopping="early_stopping",
    seed="random_state",
)


def _add_network_options(p):
    wide = f"{WIDE_ROWS} rows or more, or a categorical column"
    p.add_argument(
        "--hidden",
        type=layer_sizes(0),
        metavar="N[,N]",
        help=f"hidden layer widths, comma-separated; 'none' for a linear model "
        f"(default: {TRAIN_DEFAULTS['hidden']}; {WIDE_DEFAULTS['hidden']} with {wide})",
    )
    p.add_argument(
        "--activation",
        metavar="NAME",
        help=f"hidden activation: {', '.join(ACTIVATIONS)} (default: "
        f"{TRAIN_DEFAULTS['activation']}; {WIDE_DEFAULTS['activation']} with {wide})",
    )
    add_defaulted(p, NETWORK_OPTIONS, TRAIN_DEFAULTS)
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


def _add_run_options(p):
    add_defaulted(p, RUN_OPTIONS, TRAIN_DEFAULTS)
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
    """The handler of ``deltaprop train``, in memory or on Dask (``--dask``)."""
    if args.dask:
        from deltaprop.commands import on_dask

        on_dask.check_dask(args)  # usage errors before any work
        network_defaults(args, None)
    model = regressor(args)
    model.train_config()  # usage errors in the settings, before any work
    check_network_size(args.hidden if args.hidden is not None else (64,))  # None: by the data
    if args.dask:
        from deltaprop.estimator import check_dask_loss

        check_dask_loss(model.loss)  # the Poisson loss is not distributed yet
    check_outputs(args)
    run = on_dask.train_run(args, model) if args.dask else _train_run(args, model)
    report_training(args, model, run)
    return conclude(args, model, run)


def _train_run(args, model):
    """Fit ``model`` in memory on the rows of DATA less the held-out ones; the ``TrainRun``."""
    data = _training_data(args)
    _check_counts(args, data)
    train_set, test_set = train_test_split(data, args.test_size, args.seed)
    say(
        args,
        f"data: {data.source}: {data.n_samples} rows, {len(data.feature_names)} "
        f"features → {listed_names(data.target_names)}; {_split_text(args, train_set, test_set)}",
    )
    scored = train_set if test_set is None else test_set  # --test-size 0: the training rows
    run = TrainRun(
        data.source,
        data.feature_names,
        data.target_names,
        train_set.n_samples,
        0 if test_set is None else test_set.n_samples,
        scored.y,
        None,
    )
    network_defaults(args, data)
    model.set_params(hidden_layer_sizes=args.hidden, activation=args.activation)
    if isinstance(data, TableSet):
        model.set_params(**data.estimator_settings())
    with named_columns(data.feature_names, data.target_names, data.source):
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # overflow = divergence
            fit_reporting_warnings(
                model.fit,
                train_set.X,
                fit_target(train_set.y),
                poor_fit=_poor_fit(args, run, model),
            )
        run.n_inputs = model.network_.sizes[0]
        say(
            args,
            f"network: {run.architecture(args.hidden)}, {args.activation}, {args.solver}, "
            f"{args.loss} loss, alpha {args.alpha}",
        )
        if model.filled_:
            say(args, filled_text(model.encoder_, model.filled_, " of the training rows"))
        with warnings_as_lines():  # categories of the held-out rows not seen in training
            run.y_pred = predict_matrix(model, scored.X)  # (m_scored, k)
    return run


def check_outputs(args):
    """Before any work: --out, --plots and --report can be written and are none of the
    inputs (with --dask, none of the files the DATA glob matches) nor one another."""
    if args.out == "-":
        raise ConfigError("--out - would mix the model file into the report on stdout; give a file")
    inputs = [("the data file", path) for path in _data_paths(args)]
    check_output(args.out, inputs)
    inputs.append(("the model file (--out)", args.out))
    if args.plots:
        check_folder(args.plots)
        for name in PLOT_FILES:
            plot = os.path.join(args.plots, name)
            check_output(plot, inputs)
            inputs.append((f"the plot {name} of this run (--plots)", plot))
    if args.report:
        check_output(args.report, inputs)


def _data_paths(args):
    """The data files a run reads: with --dask, each file of the DATA glob."""
    if args.dask and args.data is not None:
        from deltaprop.commands.on_dask import glob_files

        return glob_files(args.data)
    return [args.data]


TRAINING_COPIES = 6  # parameter-sized arrays while training: Θ, ∇J, Adam's m and v, best Θ, step


def check_network_size(hidden):
    """Before any work: a model file can hold the network (``modelcheck.MAX_LAYERS``) and this
    machine's memory can train it, judged from its parameters with one feature and one
    target (at least that many): a one-line ``ConfigError`` otherwise."""
    from deltaprop.modelcheck import MAX_LAYERS
    from deltaprop.network import parameter_count

    if len(hidden) + 2 > MAX_LAYERS:
        raise ConfigError(
            f"--hidden gives {len(hidden)} hidden layers; a model file holds at most "
            f"{MAX_LAYERS - 2}: give fewer"
        )
    count = parameter_count((1, *hidden, 1))
    need, have = count * 8 * TRAINING_COPIES, physical_memory()
    if need > have:
        widths = shortened(",".join(map(str, hidden)), 60)
        raise ConfigError(
            f"--hidden {widths} means at least {count:,} parameters, about "
            f"{need / 2**30:.3g} GiB to train, more than this machine's {have / 2**30:.3g} GiB "
            "of memory; use smaller widths"
        )


def _split_text(args, train_set, test_set):
    if test_set is None:
        return f"all {train_set.n_samples} to train (--test-size 0: none held out)"
    return f"{train_set.n_samples} to train, {test_set.n_samples} held out (seed {args.seed})"


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
    return read_training_table(args, target, lambda text: say(args, text))


def network_defaults(args, data):
    """Fill in --hidden and --activation when not given: the wider relu network for ``data``
    of ``WIDE_ROWS`` rows or more or with a categorical column, else (and on Dask) the small
    tanh one (``TRAIN_DEFAULTS``, chosen on the bundled 442 rows)."""
    categorical = getattr(data, "categorical", ())
    wide = data is not None and (data.n_samples >= WIDE_ROWS or bool(categorical))
    defaults = WIDE_DEFAULTS if wide else TRAIN_DEFAULTS
    if args.hidden is None:
        args.hidden = layer_sizes(0)(defaults["hidden"])
    if args.activation is None:
        args.activation = defaults["activation"]


def regressor(args):
    from deltaprop.estimator import DeltapropRegressor

    return DeltapropRegressor(
        hidden_layer_sizes=args.hidden if args.hidden is not None else (1,),  # set by the data
        activation=args.activation or TRAIN_DEFAULTS["activation"],
        batch_size=args.batch_size or "auto",
        verbose=not args.quiet and sys.stderr.isatty(),  # the bar; never the stdout lines
        **{parameter: getattr(args, option) for option, parameter in PARAMETERS.items()},
    )


def _check_counts(args, data):
    """With --loss poisson, a ``DataError`` naming the target column and the row (of the file,
    before the split) of a negative count, or all targets 0."""
    if get_loss(args.loss).output == "exp":
        from deltaprop.estimator import check_counts

        check_counts(data.y, lambda j: f"target column {data.target_names[j]!r}")


def fit_target(y):
    """y (m, k) as the estimator expects it: (m,) for one target."""
    return y[:, 0] if y.shape[1] == 1 else y


def _poor_fit(args, run, model):
    """The poor-fit warning in the command's words (``fit_reporting_warnings``); marks
    ``run``."""

    def text(warning):
        run.worse_than_mean = True
        unit = "iteration" if args.solver == "lbfgs" else "epoch"
        return (
            f"training ended worse than predicting the mean of the training targets after "
            f"{count(model.n_iter_, unit)} (loss without the --alpha term "
            f"{warning.final_loss:.4g}, the mean's {warning.trivial_loss:.4g}); try a lower "
            f"--lr than {args.lr:g}, more --epochs, another --hidden, or check the data"
        )

    return text


def report_training(args, model, run):
    n, unit = model.n_iter_, "iteration" if args.solver == "lbfgs" else "epoch"
    if model.interrupted_:
        kept = "the best weights so far" if n else "the initial weights"
        print(
            f"deltaprop: training interrupted (Ctrl-C) after {count(n, unit)}; keeping {kept}",
            file=sys.stderr,
        )
    val = model.validation_loss_curve_
    kept = f" (kept the weights of epoch {int(np.argmin(val)) + 1})" if val else ""
    val_text = f", validation loss {min(val):.4g}" if val else ""  # both of the kept weights
    loss = f": {training_loss_text(args, model)}{val_text}" if n else ""
    say(args, f"trained {count(n, unit)}{kept}{loss}")
    stopped = _stop_text(args, model.stop_reason_, unit)
    if run.worse_than_mean and model.stop_reason_ in ("converged", "no_progress"):
        stopped = (
            "the loss stopped improving, worse than predicting the mean: not a useful fit "
            f"(try a lower --lr than {args.lr:g}, or another --hidden)"
        )
    say(args, f"stopped: {stopped}")


def _stop_text(args, reason, unit):
    """Why training stopped, in the words of the command's options."""
    monitored = "validation" if args.early_stopping else "training"
    return {
        "converged": (
            f"converged (no improvement > --tol {args.tol:g} in the {monitored} loss for "
            f"{count(args.patience, unit)})"
            if unit == "epoch"
            else f"converged (gradient or relative change of the loss below --tol {args.tol:g})"
        ),
        "early_stopping": (
            f"early stopping (no improvement > --tol {args.tol:g} in the validation loss for "
            f"{count(args.patience, unit)})"
        ),
        "max_iter": f"{unit} limit --epochs {args.epochs} reached before convergence",
        "max_fun": "L-BFGS's limit of loss evaluations (max_fun) reached before convergence",
        "no_progress": "L-BFGS's line search found no lower loss (converged to rounding)",
        "interrupted": "interrupted (Ctrl-C)",
    }[reason]
