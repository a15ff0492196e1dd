"""``deltaprop train 'data/part-*.parquet' --target y --dask local:2``: training on Dask.

Each file of the glob is one partition, read on a worker by the same reader as ``train``
(``data.read_dataset``: CSV or Parquet, the same column options and the same one-line errors
naming the file, the line and the column). Each file's rows are split into training and
held-out rows there; only the held-out targets and predictions come back for the metrics.
The model file is the one ``train`` writes.
"""

import glob
from types import SimpleNamespace

import numpy as np

from deltaprop.commands import practice
from deltaprop.data import split_names
from deltaprop.errors import ConfigError, DataError
from deltaprop.estimator import check_dask_loss


def train_on_dask(args) -> int:
    """The ``train`` command with ``--dask SCHEDULER``; returns the exit status."""
    from deltaprop.distributed import (
        connect,
        fit_parts,
        load_file,
        local_workers,
        predict_part,
        require_dask,
    )

    require_dask()
    local_workers(args.dask)  # usage errors before any work
    model = practice._regressor(args)
    model.train_config()  # usage errors in the settings, before any work
    check_dask_loss(model.loss)  # the Poisson loss's exp output is not distributed yet
    practice._check_outputs(args)
    files = data_files(args)
    columns = (
        split_names(args.target),
        split_names(args.features),
        split_names(args.exclude) or (),
        args.sep,
    )
    practice._say(args, f"data: {len(files)} files matching {args.data}, on Dask ({args.dask})")
    with connect(args.dask) as client:

        def parts(held_out):
            split = (args.test_size, args.seed, held_out)
            return [
                client.submit(load_file, k, path, columns, split, pure=False)
                for k, path in enumerate(files)
            ]

        names, m = practice._fit(fit_parts, model, client, parts(False), y_1d=True, sources=files)
        held_out = client.gather([client.submit(predict_part, p, model) for p in parts(True)])
    practice._report_training(args, model)
    return report(args, model, files, names, m, held_out)


def data_files(args):
    """The files of the DATA glob, sorted; usage errors before any work."""
    if args.data is None or not args.target:
        raise ConfigError("--dask needs DATA (a file or a glob such as 'part-*.csv') and --target")
    if not 0.0 < args.test_size < 1.0:
        raise ConfigError(f"--test-size {args.test_size} must be strictly between 0 and 1")
    files = sorted(glob.glob(args.data))
    if not files:
        raise DataError(f"no file matches {args.data!r}; quote the glob so the shell keeps it")
    return files


def report(args, model, files, names, m, held_out):
    """The held-out metrics, the model file, the plots and the report, as ``train`` writes them."""
    y_true = np.concatenate([Y for Y, _ in held_out])  # (m_test, k)
    y_pred = np.concatenate([P for _, P in held_out])  # (m_test, k)
    if len(y_true) < 2:
        raise DataError(f"only {len(y_true)} held-out rows; raise --test-size or add rows")
    data = SimpleNamespace(
        source=f"{args.data} ({len(files)} files)",
        feature_names=names[0],
        target_names=names[1],
        n_samples=m + len(y_true),
    )
    split = tuple(SimpleNamespace(n_samples=n) for n in (m, len(y_true)))
    scored = SimpleNamespace(y=y_true, target_names=names[1], n_samples=len(y_true))
    return practice._conclude(args, model, data, split, scored, y_pred)
