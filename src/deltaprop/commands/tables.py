"""Tables as they come, on the command line (docs/usage.md): the columns of a data file as the
model takes them (``deltaprop.tabular``), with what was done to them said in one line each.
A row that ``predict`` or ``evaluate`` cannot predict (an empty cell the model cannot fill) is
reported and written with an empty prediction, never dropped without a word nor shifted.
"""

from dataclasses import dataclass, replace

import numpy as np

from deltaprop.commands.common import as_frame, model_features
from deltaprop.data import (
    TARGET_HINT,
    Dataset,
    check_targets,
    dataset_columns,
    listed_names,
    split_names,
)
from deltaprop.errors import ConfigError, DataError
from deltaprop.tabular import (
    CELLS_SHOWN,
    cells_text,
    check_category_count,
    distinct_categories,
    is_text,
    looks_like_id,
    missing_cells,
)

MISSING_OPTIONS = ("impute", "drop", "error")
DEFAULT_MAX_CATEGORIES = 1000


@dataclass(frozen=True)
class TableSet:
    """Rows of raw columns: ``columns`` name → (m,) (float64 with NaN, or object text), ``y``
    (m, k); ``categorical`` names the categorical columns; ``impute``: the model fills missing
    cells (``missing="impute"``)."""

    columns: dict
    y: np.ndarray  # (m, k)
    feature_names: tuple
    target_names: tuple
    source: str
    categorical: tuple
    impute: bool

    @property
    def n_samples(self):
        return len(self.y)

    @property
    def X(self):
        """The rows as a table the estimator reads by name."""
        return as_frame(self.columns)

    def take(self, rows):
        columns = {name: values[rows] for name, values in self.columns.items()}
        return replace(self, columns=columns, y=self.y[rows])

    def estimator_settings(self):
        return {
            "categorical_features": list(self.categorical),
            "missing": "impute" if self.impute else "error",
        }


def add_table_options(p):
    """--categorical, --max-categories and --missing of `train`."""
    p.add_argument(
        "--categorical",
        metavar="COLS",
        help="columns of numbers to treat as categories (codes), comma-separated; text "
        "columns are categorical without it",
    )
    p.add_argument(
        "--max-categories",
        type=int,
        default=DEFAULT_MAX_CATEGORIES,
        metavar="N",
        help="refuse a categorical column with more distinct values (an id or free text) "
        f"(default: {DEFAULT_MAX_CATEGORIES})",
    )
    p.add_argument(
        "--missing",
        choices=MISSING_OPTIONS,
        default="impute",
        help="empty cells: impute (the median and a was-missing column for numbers, a "
        "'(missing)' category for text), drop the rows, or error (default: impute)",
    )


def read_training_table(args, target, say):
    """The rows of DATA for `train`: a ``Dataset`` (numbers only, nothing missing: the plain
    path) or a ``TableSet``; what was done is said in one line each through ``say``."""
    features, exclude = split_names(args.features), split_names(args.exclude) or ()
    table, features = dataset_columns(args.data, target, features, exclude, args.sep, args.decimal)
    y = target_columns(table, target)  # (m, k) NaN where empty
    columns = {name: table.raw(name) for name in features}
    if args.features is None:
        columns = _informative(columns, say)
    categorical = _categorical(args, table, columns)
    rows = _complete_rows(args, table, columns, y, target, say)
    if rows is not None:
        columns = {name: values[rows] for name, values in columns.items()}
        y = y[rows]
    if categorical:
        counts = (f"{name} ({distinct_categories(columns[name])} values)" for name in categorical)
        say(f"categorical, one-hot: {', '.join(counts)}")
    names = tuple(columns)
    absent = any(missing_cells(values).any() for values in columns.values())
    if not categorical and not absent:
        X = np.column_stack([columns[name] for name in names])  # (m, n)
        return Dataset(X, y, names, tuple(target), table.path)
    return TableSet(columns, y, names, tuple(target), table.path, categorical, absent)


def target_columns(table, target):
    """y (m, k) with NaN for an empty target cell; a cell that is not a number is refused."""
    check_targets(table, target)
    y = np.empty((table.n_rows, len(target)))  # (m, k)
    for j, name in enumerate(target):
        values = table.raw(name)
        if is_text(values):
            table.column(name, TARGET_HINT)
        y[:, j] = values
    return y


def _informative(columns, say):
    """The columns but those that predict nothing: empty in every row, or identifying rows
    (unique per row, named like an id); each kind left out is said in one line."""
    empty = [name for name, values in columns.items() if missing_cells(values).all()]
    ids = [n for n, values in columns.items() if n not in empty and is_identifier(n, values)]
    if not (empty or ids) or len(empty) + len(ids) == len(columns):
        return columns
    if empty:
        say(f"left out {listed_names(empty)}: empty in every row")
    if ids:
        say(
            f"left out {listed_names(ids)}: an identifier (a different value in every row) "
            f"predicts nothing new; --features {ids[0]},... keeps it"
        )
    return {name: values for name, values in columns.items() if name not in empty + ids}


def is_identifier(name, values):
    """A column named like an id and unique per row (``looks_like_id``), or text with a
    different value in every row (a name, a code): no category, it would predict nothing."""
    if looks_like_id(name, values):
        return True
    if not is_text(values) or len(values) < 3 or missing_cells(values).any():
        return False
    return distinct_categories(values) == len(values)


def _categorical(args, table, columns):
    """The categorical columns: text, and those of --categorical; each within
    --max-categories."""
    named = split_names(args.categorical) or ()
    absent = [name for name in named if name not in columns]
    if absent:
        raise ConfigError(
            f"--categorical names {listed_names(absent)}, not a feature column of "
            f"{table.path}; the features are: {listed_names(columns)}"
        )
    if args.max_categories < 1:
        raise ConfigError(f"--max-categories {args.max_categories} must be at least 1")
    categorical = tuple(n for n, v in columns.items() if n in named or is_text(v))
    for name in categorical:
        check_category_count(name, distinct_categories(columns[name]), args.max_categories)
    return categorical


def _complete_rows(args, table, columns, y, target, say):
    """The rows to train on (None: all): a row with an empty target is never trained on;
    --missing drop leaves out the rows with an empty cell, error refuses them (every cell
    named, up to a limit)."""
    masks = {name: missing_cells(values) for name, values in columns.items()}  # (m,) each
    masks.update({name: np.isnan(y[:, j]) for j, name in enumerate(target)})
    found = {name: mask for name, mask in masks.items() if mask.any()}
    if args.missing == "error" and found:
        raise empty_cells(table, found, "leave --missing out to impute them (or --missing drop)")
    dropped = [name for name in found if name in target or args.missing == "drop"]
    if not dropped:
        return None
    drop = np.logical_or.reduce([found[name] for name in dropped])  # (m,)
    counts = ", ".join(f"{name} {int(found[name].sum())}" for name in dropped)
    what = "an empty cell" if args.missing == "drop" else "an empty target"
    if drop.all():
        raise DataError(f"every row of {table.path} has {what} ({counts}); fill them in")
    say(f"dropped {int(drop.sum())} of {len(drop)} rows with {what} ({counts})")
    return np.flatnonzero(~drop)


def empty_cells(table, masks, instead):
    """The ``DataError`` of --missing error on the empty cells ``masks``, and what to do
    ``instead`` of filling them in."""
    total, text = cells_named(table, masks)
    return DataError(f"{table.path} has {total} empty cell(s): {text}; fill them in, or {instead}")


def cells_named(table, masks):
    """``(count, text)`` of the cells of ``table`` in ``masks`` (column name → (m,) bool), the
    text naming each up to a limit (``cells_text``) by "line N" (CSV) or "row N" (Parquet)."""
    cells = [(name, np.flatnonzero(mask)) for name, mask in masks.items()]
    shown = np.concatenate([rows for _, rows in cells])[:CELLS_SHOWN]
    lines = table.lines([int(i) for i in shown])
    text = cells_text(cells, lambda i: lines.get(i, f"data row {i + 1}"))
    return sum(rows.size for _, rows in cells), text


@dataclass(frozen=True)
class PredictionRows:
    """What a model can predict of a file: ``X`` the input of the rows in ``ok`` (m,) bool;
    ``empty`` column name → mask (m,) of its empty cells; ``filled`` column name → number of
    empty cells the model fills (``missing="impute"``)."""

    X: object
    ok: np.ndarray  # (m,)
    empty: dict
    filled: dict


def prediction_rows(model, meta, table, missing="impute"):
    """The rows of ``table`` as ``model`` takes them, by the stored feature names. An empty
    cell is filled when the model learned to fill it; otherwise its row cannot be predicted
    (``ok`` False), or with ``missing="error"`` every empty cell is refused at once."""
    from deltaprop.data import model_columns

    names = meta.get("feature_names")
    if not names:  # weights from elsewhere: the file's columns in order, numbers only
        X = model_features(model, meta, table)
        return PredictionRows(X, np.ones(len(X), bool), {}, {})
    model_columns(table, names)  # every feature column there, or one DataError
    encoder = getattr(model, "encoder_", None)
    categorical = () if encoder is None else encoder.categorical
    columns = {}
    for name in names:
        columns[name] = table.raw(name)
        if name not in categorical and is_text(columns[name]):
            table.column(name)  # the DataError naming the first cell that is not a number
    empty = {name: missing_cells(v) for name, v in columns.items() if missing_cells(v).any()}
    if missing == "error" and empty:
        raise empty_cells(table, empty, "leave --missing out to predict the rows that can be")
    fills = encoder is not None and model.missing == "impute"
    ok = np.ones(table.n_rows, bool)  # (m,)
    if empty and not fills:
        ok = ~np.logical_or.reduce(list(empty.values()))
    rows = {name: values[ok] for name, values in columns.items()}
    if encoder is not None:
        X = as_frame(rows)
    else:
        X = np.column_stack([rows[name] for name in names]) if ok.any() else None
    filled = {name: int(mask.sum()) for name, mask in empty.items()} if fills else {}
    return PredictionRows(X, ok, empty, filled)


def unpredicted_text(table, rows, fate):
    """One line on the rows that could not be predicted: how many, which cells, and ``fate``,
    what became of them."""
    n = int((~rows.ok).sum())
    return (
        f"{n} row(s) of {table.path} could not be predicted, for empty cells the model "
        f"cannot fill ({cells_named(table, rows.empty)[1]}): {fate}"
    )


def kept_columns(table, keep, rows):
    """The columns ``keep`` of ``table`` as pyarrow arrays of the rows ``rows`` (index array)."""
    import pyarrow as pa

    from deltaprop.data import model_columns

    model_columns(table, keep, what="--keep")
    return {
        name: table.arrow.column(table.columns.index(name)).take(pa.array(rows)) for name in keep
    }


def write_predictions(path, parquet, kept, targets, y):
    """Write the kept columns (name → pyarrow array) then the predictions y (m, k), NaN as
    an empty cell, to ``path`` (None: CSV on stdout), atomically."""
    import csv

    import pyarrow as pa

    from deltaprop.files import STDOUT, atomic_open

    predictions = {
        name: pa.array(y[:, j], mask=np.isnan(y[:, j])) for j, name in enumerate(targets)
    }
    if parquet:
        import pyarrow.parquet as pq

        with atomic_open(path, "wb") as file:
            pq.write_table(pa.table({**kept, **predictions}), file, write_page_checksum=True)
        return
    cells = [_cells(values) for values in kept.values()]
    cells += [["" if np.isnan(v) else repr(v) for v in y[:, j].tolist()] for j in range(y.shape[1])]
    with atomic_open(STDOUT if path is None else path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([*kept, *targets])
        writer.writerows(zip(*cells, strict=True))


def _cells(values):
    """A pyarrow column as CSV cells: as read, an empty cell for a missing one."""
    return [_cell(v) for v in values.to_pylist()]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))  # an id read as a number is written as it was: 9001, not 9001.0
    return str(value)
