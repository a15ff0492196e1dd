"""``deltaprop predict``: the predictions of a saved model for the rows of a file, or of each
file of a glob on Dask (``--dask``)."""

import sys

from deltaprop.commands.common import (
    add_dask_option,
    add_sep_option,
    command,
    load,
    model_features,
    named_columns,
    predict_matrix,
    target_names,
)
from deltaprop.data import is_parquet, read_table, write_csv, write_parquet
from deltaprop.files import check_output

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


def register(subparsers):
    """Add `deltaprop predict` to ``subparsers``."""
    p = command(
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
    add_sep_option(p)
    add_dask_option(p, "DATA may then be a glob of CSV or Parquet files, one task each")


def predict(args) -> int:
    if args.dask:
        from deltaprop.commands.on_dask import predict_files

        return predict_files(args)
    if args.output == "-":
        args.output = None
    if args.output is not None:
        check_output(args.output, [("the model file", args.model), ("the data file", args.data)])
    model, meta = load(args.model)
    X = model_features(model, meta, read_table(args.data, args.sep))  # (m, n)
    with named_columns(meta.get("feature_names"), None, args.data):
        y_pred = predict_matrix(model, X)  # (m, k)
    if args.output is None:
        write_csv(None, target_names(model, meta), y_pred)
        return 0
    write = write_parquet if _parquet_output(args.output, args.data) else write_csv
    write(args.output, target_names(model, meta), y_pred)
    print(f"{len(y_pred)} predictions written to {args.output}", file=sys.stderr)
    return 0


def _parquet_output(output, data):
    """Whether predictions go out as Parquet: by the output's extension, else as the input."""
    if str(output).lower().endswith(".csv"):
        return False
    return is_parquet(output) or is_parquet(data)
