"""``deltaprop evaluate``: the metrics of a saved model on labelled rows, of a file or of a
glob of files on Dask (``--dask``)."""

import numpy as np

from deltaprop.commands.common import command, evaluation_target, load_predictor
from deltaprop.commands.metrics import format_metrics, regression_metrics
from deltaprop.commands.predict import add_model_and_data, add_row_options, predicted_rows
from deltaprop.commands.tables import target_columns
from deltaprop.data import read_table
from deltaprop.errors import DataError

EVALUATE_EPILOG = """\
examples:
  deltaprop evaluate model.npz test_rows.csv                  # targets named as in the model
  deltaprop evaluate model.npz test_rows.csv --target price
  deltaprop evaluate model.npz 'data/part-*.parquet' --dask local:2   # summed on the workers
"""


def register(subparsers):
    """Add `deltaprop evaluate` to ``subparsers``."""
    p = command(
        subparsers,
        "evaluate",
        evaluate,
        "Print R², RMSE and MAE of a saved model on the rows of a CSV or Parquet file.",
        EVALUATE_EPILOG,
    )
    add_model_and_data(p, "feature and target columns")
    p.add_argument(
        "--target",
        metavar="COL[,COL]",
        help="target column(s), comma-separated (default: the model's target names)",
    )
    add_row_options(p)


def evaluate(args) -> int:
    """The metrics of MODEL on DATA, in memory or on Dask (``on_dask.file_scores``)."""
    if args.dask:
        from deltaprop.commands.on_dask import file_scores

        scores, target, rows = file_scores(args)
    else:
        scores, target, rows = _scores(args)
    print(f"{args.data} ({rows}):")
    print(format_metrics(scores, target))
    return 0


def _scores(args):
    """``(scores, target names, the rows scored in words)`` of MODEL on DATA."""
    model, meta = load_predictor(args.model)
    target = evaluation_target(args, model, meta)
    table = read_table(args.data, args.sep, args.decimal)
    y_true = target_columns(table, target)  # (m, k), NaN: an empty target cell
    y_pred, _ = predicted_rows(args, model, meta, table, "left out of the scores")  # (m, k)
    scored = ~np.isnan(y_true).any(axis=1) & ~np.isnan(y_pred).any(axis=1)  # (m,)
    if not scored.any():
        raise DataError(f"no row of {args.data} has both a target and a prediction to score")
    left = int((~scored).sum())
    scores = regression_metrics(y_true[scored], y_pred[scored], model.loss)
    out_of = f"{int(scored.sum())} of {len(scored)} rows" if left else f"{len(scored)} rows"
    return scores, target, out_of
