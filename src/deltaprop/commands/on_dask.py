"""``deltaprop train|predict|evaluate 'data/part-*.parquet' ... --dask local:2``: on Dask, one
partition (one task) per file of the glob, read on a worker by the same reader as in memory
(``data.read_dataset``: the same column options and one-line errors). ``train`` splits each
file's rows into training and held-out rows there (only the held-out targets and predictions
come back) and writes the model file ``train`` writes; ``predict`` writes one output file per
input file; ``evaluate`` sums what the metrics need on the workers (docs/scaling.md)."""

import contextlib
import glob
import os
import shutil
import sys
import tempfile

import numpy as np

from deltaprop.commands.common import (
    TrainRun,
    evaluation_target,
    fit_reporting_warnings,
    load,
    model_features,
    predict_matrix,
    say,
    target_names,
)
from deltaprop.commands.metrics import metric_sums, metrics_from_sums
from deltaprop.data import (
    check_column_options,
    check_separator,
    is_parquet,
    read_table,
    split_names,
    target_matrix,
    write_csv,
    write_parquet,
)
from deltaprop.distributed import (
    DaskRows,
    connect,
    load_file,
    local_workers,
    on_part,
    predict_part,
    require_dask,
)
from deltaprop.errors import ClusterLostError, ConfigError, DataError, DeltapropError
from deltaprop.files import check_output, umask


def check_dask(args):
    """Usage errors of ``--dask SCHEDULER``, before any work: Dask is installed, the
    scheduler is ``local:N`` or an address, --sep is one character (not found on a worker)."""
    require_dask()
    local_workers(args.dask)
    if args.sep:  # here, not on the workers
        check_separator(args.sep)


def train_run(args, model):
    """``train --dask``: fit ``model`` on the training rows of each file of the DATA glob, on the
    workers; predict the held-out rows (--test-size 0: the training rows) there. The
    ``TrainRun``; a lost cluster saves the best weights so far, as Ctrl-C, and fails."""
    files = data_files(args)
    say(args, f"data: {len(files)} files matching {args.data}, on Dask ({args.dask})")
    with connect(args.dask) as client:
        sources = file_sources(args, files, False)
        rows = DaskRows.from_files(client, sources, files, model.hidden_layer_sizes)
        try:
            fit_reporting_warnings(model.fit_rows, rows)
        except ClusterLostError as err:  # as Ctrl-C: the best weights so far are saved
            if err.history is None:  # lost before training: nothing to save
                raise
            save_lost(args, model, files, rows)
            raise ClusterLostError(f"{err} (saved to {args.out})") from None
        say(args, KEPT[rows.persisted])
        scored = file_sources(args, files, args.test_size > 0)  # --test-size 0: training rows
        held_out = on_files(client, scored, predict_part, model)
    return _run(args, files, rows.names, rows.m, held_out)


KEPT = {
    True: "data: the training rows kept in the workers' memory",
    False: "data: out of core, each file read again at each pass (larger than the workers' memory)",
}


def save_lost(args, model, files, rows):
    """The model file of a run whose cluster was lost, with the best weights so far as after
    Ctrl-C, but no test metrics (the held-out rows are in the files, read by workers)."""
    from deltaprop.io import save_model

    features, targets = rows.names
    extra = {
        "data": f"{args.data} ({len(files)} files)",
        "split": {"seed": args.seed, "test_size": args.test_size, "n_train": rows.m},
        "interrupted": True,
        "cluster_lost": True,
    }
    save_model(args.out, model, feature_names=features, target_names=targets, extra=extra)


def file_sources(args, files, held_out):
    """The source of each file's partition (``distributed.load_file``): its training rows
    (``held_out`` False) or its held-out rows, split on the worker by --test-size and --seed."""
    split = (args.test_size, args.seed, held_out)
    return [(load_file, (k, path, column_options(args), split)) for k, path in enumerate(files)]


def column_options(args):
    """(target, features, exclude, sep) as ``data.read_dataset`` takes them."""
    return (
        split_names(args.target),
        split_names(args.features),
        split_names(args.exclude) or (),
        args.sep,
    )


def on_files(client, sources, func, *args):
    """``func(part, *args)`` on each file's partition, read on a worker; the results, in order."""
    return on_workers(client, [(on_part, func, source, None, *args) for source in sources])


def on_workers(client, tasks):
    """Run each ``(func, *args)`` on a worker; the results, in order."""
    from dask import delayed

    return client.gather(client.compute([delayed(f, pure=False)(*a) for f, *a in tasks]))


def data_files(args):
    """The files of the DATA glob, sorted; usage errors before any work."""
    if args.data is None or not args.target:
        raise ConfigError("--dask needs DATA (a file or a glob such as 'part-*.csv') and --target")
    if not 0.0 <= args.test_size < 1.0:
        raise ConfigError(f"--test-size {args.test_size} must be at least 0 and below 1")
    target, features, exclude, _ = column_options(args)
    check_column_options(target, features, exclude)  # here, not on the workers
    return glob_files(args.data)


def glob_files(pattern):
    """The files matching ``pattern``, sorted; ``DataError`` when none does."""
    files = sorted(glob.glob(pattern))
    if not files:
        raise DataError(f"no file matches {pattern!r}; quote the glob so the shell keeps it")
    return files


def _run(args, files, names, m, held_out):
    """The ``TrainRun`` of m training rows and the held-out ``(Y, P)`` of each file."""
    y_true = np.concatenate([Y for Y, _ in held_out])  # (m_test, k)
    y_pred = np.concatenate([P for _, P in held_out])  # (m_test, k)
    if len(y_true) < 2:
        raise DataError(f"only {len(y_true)} held-out rows; raise --test-size or add rows")
    n_test = len(y_true) if args.test_size > 0 else 0
    source = f"{args.data} ({len(files)} files)"
    return TrainRun(source, names[0], names[1], m, n_test, y_true, y_pred)


# ---------------------------------------------------------------- predict and evaluate


def predict_files(args) -> int:
    """``deltaprop predict MODEL 'part-*.parquet' --dask SCHEDULER -o FOLDER``: one file of
    predictions per input file, written by the workers into a temporary folder that becomes
    FOLDER only when every file is written (an error or Ctrl-C leaves nothing)."""
    check_dask(args)
    if args.output in (None, "-"):
        raise ConfigError("predict --dask writes one file per input file: give -o FOLDER")
    files = glob_files(args.data)
    outputs = output_names(files)
    check_new_folder(args.output)
    model, meta = files_model(args, "predict")
    with connect(args.dask) as client, staging_folder(args.output) as staging:
        tasks = [
            (predict_file, k, path, model, meta, args.sep, os.path.join(staging, name))
            for k, (path, name) in enumerate(zip(files, outputs, strict=True))
        ]
        rows = sum(results_or_error(client, tasks, files))
    print(f"{rows} predictions written to {args.output} ({len(files)} files)", file=sys.stderr)
    return 0


def files_model(args, command):
    """``(model, metadata)`` of MODEL for ``command`` --dask; ``ConfigError`` for a model that
    encodes its columns (categories, missing values): the Dask paths read numbers only."""
    model, meta = load(args.model)
    if getattr(model, "encoder_", None) is not None:
        raise ConfigError(
            f"{command} --dask reads columns of numbers; this model encodes its columns "
            f"(categories, missing values): {command} each file without --dask"
        )
    return model, meta


def file_scores(args):
    """``deltaprop evaluate MODEL 'part-*.parquet' --dask SCHEDULER``: the metrics in one
    distributed pass (each worker returns sums per target column; ``metrics_from_sums``), the
    target names and the rows in words."""
    check_dask(args)
    files = glob_files(args.data)
    model, meta = files_model(args, "evaluate")
    target = evaluation_target(args, model, meta)
    with connect(args.dask) as client:
        tasks = [(file_sums, k, p, model, meta, target, args.sep) for k, p in enumerate(files)]
        sums = results_or_error(client, tasks, files)
    scores, m = metrics_from_sums(sums)
    return scores, target, f"{len(files)} files, {m} rows"


def output_names(files):
    """The output file of each input: its name, with .parquet for Parquet and .csv otherwise."""
    names = [
        os.path.splitext(os.path.basename(p))[0] + (".parquet" if is_parquet(p) else ".csv")
        for p in files
    ]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ConfigError(
            f"two input files would give the same output file {twice[0]}; give files with "
            "different names"
        )
    return names


def check_new_folder(folder):
    """-o FOLDER must be new or an empty folder (nothing of the user's is ever replaced)."""
    if os.path.isdir(folder) and os.listdir(folder):
        raise ConfigError(
            f"-o {folder!r} is a folder that is not empty; give a new folder (predict --dask "
            "never replaces files)"
        )
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise ConfigError(f"-o {folder!r} exists and is not a folder; give a new folder")
    check_output(os.path.join(folder, "part.csv"))  # its parent can be written


@contextlib.contextmanager
def staging_folder(folder):
    """A temporary folder beside ``folder`` (the one a symbolic link points to), renamed onto
    it when the block succeeds and removed with its files otherwise. A folder that cannot be
    made there, or that another run filled meanwhile, is a ``DataError``: nothing written."""
    target = os.path.realpath(folder)
    parent, name = os.path.split(target)
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".tmp")
    except OSError as err:
        raise DataError(f"cannot write -o {folder!r}: {err.strerror or err}") from None
    try:
        yield staging
        os.chmod(staging, 0o777 & ~umask())  # mkdtemp's folder is private: the usual mode
        try:
            os.replace(staging, target)  # onto a missing or empty folder
        except OSError as err:  # e.g. another run wrote into it meanwhile
            raise DataError(
                f"cannot write -o {folder!r} ({err.strerror or err}): it is no longer a new "
                "or empty folder; nothing was written, give a new folder"
            ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def results_or_error(client, tasks, files):
    """Run each ``(func, *args)`` on a worker; their results, or the first file's error as a
    ``DataError`` naming the file (a task returns ``("error", message)`` for bad input)."""
    results = on_workers(client, tasks)
    for path, result in zip(files, results, strict=True):
        if isinstance(result, tuple) and result[0] == "error":
            raise DataError(result[1] if path in result[1] else f"{path}: {result[1]}")
    return results


def predict_file(k, path, model, meta, sep, out):
    """On a worker: predict the rows of file k and write them to ``out``; the number of rows,
    or ("error", message) for a file that cannot be used."""
    try:
        table = read_table(path, sep)
        y_pred = predict_matrix(model, model_features(model, meta, table))
        write = write_parquet if out.endswith(".parquet") else write_csv
        write(out, target_names(model, meta), y_pred)
    except DeltapropError as err:
        return ("error", str(err))
    return len(y_pred)


def file_sums(k, path, model, meta, target, sep):
    """On a worker: the sums of file k that the metrics need (``metrics.metric_sums``); or
    ("error", message) for a file that cannot be used."""
    try:
        table = read_table(path, sep)
        y_true = target_matrix(table, target)  # (m_k, k)
        y_pred = predict_matrix(model, model_features(model, meta, table))  # (m_k, k)
    except DeltapropError as err:
        return ("error", str(err))
    return metric_sums(y_true, y_pred)
