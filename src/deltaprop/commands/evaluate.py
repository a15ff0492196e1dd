"""``deltaprop evaluate``: the metrics of a saved model on labelled rows, of a file or of a
glob of files on Dask (``--dask``)."""

from deltaprop.commands.common import (
    add_dask_option,
    add_sep_option,
    command,
    evaluation_target,
    load_predictor,
    model_features,
    named_columns,
    predict_matrix,
)
from deltaprop.commands.metrics import format_metrics, regression_metrics
from deltaprop.data import read_table, target_matrix

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
    add_sep_option(p)
    add_dask_option(p, "DATA may then be a glob of CSV or Parquet files, one task each")


def evaluate(args) -> int:
    if args.dask:
        from deltaprop.commands.on_dask import evaluate_files

        return evaluate_files(args)
    model, meta = load_predictor(args.model)
    target = evaluation_target(args, model, meta)
    table = read_table(args.data, args.sep)
    y_true = target_matrix(table, target)  # (m, k)
    X = model_features(model, meta, table)  # (m, n)
    with named_columns(meta.get("feature_names"), None, args.data):
        scores = regression_metrics(y_true, predict_matrix(model, X), model.loss)
    print(f"{args.data} ({len(y_true)} rows):")
    print(format_metrics(scores, target))
    return 0
