"""``deltaprop predict``: the predictions of a saved model for the rows of a file, or of each
file of a glob on Dask (``--dask``)."""

import sys

import numpy as np

from deltaprop.commands.common import (
    add_dask_option,
    add_sep_option,
    command,
    load_predictor,
    named_columns,
    predict_matrix,
    target_names,
    warnings_as_lines,
)
from deltaprop.commands.tables import (
    kept_columns,
    prediction_rows,
    unpredicted_text,
    write_predictions,
)
from deltaprop.data import is_parquet, read_table, split_names
from deltaprop.files import check_output
from deltaprop.printable import printable
from deltaprop.tabular import filled_text

PREDICT_EPILOG = """\
examples:
  deltaprop predict model.npz new_rows.csv                 # CSV to stdout
  deltaprop predict model.npz new_rows.csv -o predictions.csv
  deltaprop predict model.npz new_rows.parquet -o predictions   # Parquet, as the input
  deltaprop predict model.npz new_rows.csv --keep id -o predictions.csv   # id, then price
  deltaprop predict model.npz 'data/part-*.parquet' --dask local:2 -o out/   # a file per file

Columns are matched by name with the feature names stored in the model: their order in the file
does not matter and extra columns are ignored; a missing feature column is an error. Every row
of DATA gets a line of output, in order: an empty cell that the model learned to fill (it was
trained with missing values) is filled; a row with an empty cell it cannot fill gets an empty
prediction, and one line on stderr names those rows (--missing drop leaves them out, --missing
error refuses the file). A category not seen in training is predicted with no category, with one
warning line (--unknown error refuses it). The output file is Parquet when its name ends in
.parquet, CSV when it ends in .csv, and otherwise in the format of the input; stdout is always
CSV. -o never replaces the model or the data file (exit 2), and writes through a FIFO or a device.
"""


def register(subparsers):
    """Add `deltaprop predict` to ``subparsers``."""
    p = command(
        subparsers,
        "predict",
        predict,
        "Predict the target(s) of every row of a CSV or Parquet file and write them, "
        "with the target names as header, as CSV or Parquet.",
        PREDICT_EPILOG,
    )
    add_model_and_data(p, "the model's feature columns")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write the predictions here, as .csv or .parquet (default, or '-': CSV to stdout); "
        "with --dask a new folder, one file per input file",
    )
    p.add_argument(
        "--keep",
        metavar="COLS",
        help="columns of DATA to copy into the output before the predictions (an id), "
        "comma-separated",
    )
    add_row_options(p)


def add_model_and_data(p, columns):
    """MODEL and DATA, a file with ``columns``, of `predict` and `evaluate`."""
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by `deltaprop train`")
    p.add_argument("data", metavar="DATA", help=f"CSV or Parquet file with {columns}")


def add_row_options(p):
    """--missing, --unknown, the CSV options and --dask of `predict` and `evaluate`."""
    p.add_argument(
        "--missing",
        choices=("impute", "drop", "error"),
        default="impute",
        help="empty cells: filled where the model learned to, else the row is reported and "
        "gets an empty prediction (impute); such rows left out (drop); or refused (error) "
        "(default: impute)",
    )
    p.add_argument(
        "--unknown",
        choices=("warn", "error"),
        default="warn",
        help="a category not seen in training: no category, and one warning line (warn), or "
        "refused (error) (default: warn)",
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
    model, meta = load_predictor(args.model)
    table = read_table(args.data, args.sep, args.decimal)
    keep = split_names(args.keep) or ()
    fate = "written with an empty prediction"
    if args.missing == "drop":
        fate = "left out of the output (--missing drop)"
    y_pred, rows = predicted_rows(args, model, meta, table, fate)  # (m, k), NaN: not predicted
    written = np.flatnonzero(rows.ok) if args.missing == "drop" else np.arange(len(y_pred))
    kept = kept_columns(table, keep, written)
    if args.output is None:  # to a terminal, perhaps: names escaped (a file gets them as is)
        kept = {printable(name): values for name, values in kept.items()}
        targets = [printable(name) for name in target_names(model, meta)]
        write_predictions(None, False, kept, targets, y_pred[written])
        return 0
    parquet = _parquet_output(args.output, args.data)
    write_predictions(args.output, parquet, kept, target_names(model, meta), y_pred[written])
    print(f"{int(rows.ok.sum())} predictions written to {args.output}", file=sys.stderr)
    return 0


def predicted_rows(args, model, meta, table, fate):
    """``(y_pred, rows)``: the predictions (m, k) of every row of ``table`` (NaN where a row
    cannot be predicted) and its ``PredictionRows``; what was done said on stderr (``fate``:
    what becomes of a row that cannot be predicted)."""
    if args.unknown == "error" and getattr(model, "encoder_", None) is not None:
        model.set_params(handle_unknown="error")
    rows = prediction_rows(model, meta, table, args.missing)
    y_pred = np.full((len(rows.ok), model.network_.sizes[-1]), np.nan)  # (m, k)
    with named_columns(meta.get("feature_names"), None, args.data), warnings_as_lines():
        if rows.ok.any():
            y_pred[rows.ok] = predict_matrix(model, rows.X)
    if rows.filled:
        print(f"deltaprop: {filled_text(model.encoder_, rows.filled)}", file=sys.stderr)
    if not rows.ok.all():
        text = unpredicted_text(table, rows, fate)
        print(f"deltaprop: {text}", file=sys.stderr)
    return y_pred, rows


def _parquet_output(output, data):
    """Whether predictions go out as Parquet: by the output's extension, else as the input."""
    if str(output).lower().endswith(".csv"):
        return False
    return is_parquet(output) or is_parquet(data)
