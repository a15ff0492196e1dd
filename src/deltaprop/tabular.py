"""Tables as they come: categorical columns, missing values and row ids, turned into the input
layer a^(1) (docs/derivation.md, "Categorical columns").

A table maps column names to raw columns (m,): numbers as float64 with NaN where a cell is
missing, text as an object array of str with None (or NaN, or "") where a cell is missing.
``fit_encoder`` learns an ``Encoder`` from the training rows; its ``transform`` gives X (m, n_1),
one block of columns per raw column, in the table's order: a numeric column standardized, its
missing cells first filled with the training median (and followed by a 0/1 was-missing column
where the training rows had missing cells); a categorical column (text, or numbers named
categorical) one-hot, a CSR block with a column per category seen in training (a missing cell
is the category "", shown "(missing)"; an unseen category a row of zeros). ``Encoder.to_json``
and ``encoder_from_json`` keep it in plain JSON for the model file (an untrusted file: every
field checked).
"""

import math
import re
from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from deltaprop.errors import ConfigError, DataError

MISSING = ""  # the category of a missing text cell
MISSING_SHOWN = "(missing)"  # how it is written for people
DEFAULT_MAX_CATEGORIES = 1000  # distinct values of a text column beyond which it is refused
CELLS_SHOWN = 10  # cells a message lists before it counts the rest
MISSING_CHOICES = ("impute", "error")
UNKNOWN_CHOICES = ("ignore", "error")
# id, ID, uuid, key, index, row, customer_id, order-key, userId, userID (not "paid", "valid")
ID_NAME = re.compile(
    r"(?i:(?:.*[_\s.-])?(?:id|uuid|guid|key)|index|row|record)|.*[a-z0-9](?:Id|ID)"
)


@dataclass(frozen=True)
class NumericColumn:
    """A numeric column: ``fill`` (the training median) goes into missing cells, then
    (x − mean) / scale; ``indicator``: a was-missing 0/1 column follows."""

    name: str
    fill: float
    mean: float
    scale: float
    indicator: bool

    @property
    def width(self):
        return 2 if self.indicator else 1

    def encoded_names(self):
        return (self.name, f"{self.name} (missing)") if self.indicator else (self.name,)


@dataclass(frozen=True)
class CategoricalColumn:
    """A categorical column: one 0/1 column per category (str; "" is the missing cell)."""

    name: str
    categories: tuple

    @property
    def width(self):
        return len(self.categories)

    def encoded_names(self):
        return tuple(f"{self.name}={shown_category(c)}" for c in self.categories)


@dataclass(frozen=True)
class Encoded:
    """What ``Encoder.transform`` gives: X (m, n_1), dense or CSR; ``filled``: column name →
    number of missing cells filled; ``unseen``: column name → sorted categories not seen in
    training."""

    X: object
    filled: dict
    unseen: dict


@dataclass(frozen=True)
class Encoder:
    """The raw columns → a^(1) map learned by ``fit_encoder`` (see the module docstring)."""

    columns: tuple  # NumericColumn or CategoricalColumn, in the table's order

    @property
    def names(self):
        """The raw column names, in order."""
        return tuple(column.name for column in self.columns)

    @property
    def categorical(self):
        return tuple(c.name for c in self.columns if isinstance(c, CategoricalColumn))

    @property
    def n_encoded(self):
        """n_1, the width of the network's input."""
        return sum(column.width for column in self.columns)

    @property
    def feature_names(self):
        """The names of the n_1 input columns: "area", "age (missing)", "city=Paris", …"""
        return tuple(name for column in self.columns for name in column.encoded_names())

    def transform(self, table, missing="impute", unknown="ignore"):
        """``Encoded`` for ``table`` (name → raw column (m,), at least the encoder's names).

        ``missing="error"`` refuses missing cells (every one named, see ``check_missing``);
        ``unknown="error"`` refuses categories not seen in training.
        """
        check_choice("missing", missing, MISSING_CHOICES)
        check_choice("unknown", unknown, UNKNOWN_CHOICES)
        raw = [table[name] for name in self.names]
        if missing == "error":
            check_missing(self.names, raw)
        blocks, filled, unseen = [], {}, {}
        for column, values in zip(self.columns, raw, strict=True):
            if isinstance(column, NumericColumn):
                block, count = _numeric_block(column, values)  # (m, 1 or 2)
            else:
                block, count, new = _one_hot_block(column, values)  # (m, k) CSR
                if new:
                    unseen[column.name] = new
            blocks.append(block)
            filled[column.name] = count
        if unseen and unknown == "error":
            raise DataError(f"{unseen_text(unseen)}; retrain with these rows, or drop them")
        return Encoded(_stack(blocks), {k: v for k, v in filled.items() if v}, unseen)

    def to_json(self):
        """The encoder as plain JSON (for the model file)."""
        return {"columns": [_column_json(column) for column in self.columns]}


def _numeric_block(column, values):
    """The standardized column and, with an indicator, the was-missing column: (m, width)."""
    x = as_numbers(values, column.name)  # (m,)
    absent = np.isnan(x)  # (m,)
    x = np.where(absent, column.fill, x)  # (m,)
    block = ((x - column.mean) / column.scale)[:, None]  # (m, 1)
    if column.indicator:
        block = np.hstack([block, absent[:, None].astype(np.float64)])  # (m, 2)
    return block, int(absent.sum())


def _one_hot_block(column, values):
    """The one-hot block (m, k) as CSR, the number of missing cells, and the sorted categories
    not among ``categories`` (a missing cell is a row of zeros when training had none)."""
    from scipy import sparse

    text = category_text(values)  # (m,) object
    index = {c: j for j, c in enumerate(column.categories)}
    j = np.fromiter((index.get(t, -1) for t in text), np.int64, len(text))  # (m,)
    seen = j >= 0  # (m,)
    rows = np.flatnonzero(seen)
    block = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, j[seen])), shape=(len(text), column.width)
    )  # (m, k)
    absent = int(np.count_nonzero(text == MISSING))
    return block, absent, sorted({str(t) for t in text[~seen]} - {MISSING})


def _stack(blocks):
    """The blocks side by side: CSR when any is sparse, else a dense (m, n_1) array."""
    from scipy import sparse

    if any(sparse.issparse(block) for block in blocks):
        return sparse.hstack([sparse.csr_matrix(b) for b in blocks], format="csr")
    return np.hstack(blocks)  # (m, n_1)


def fit_encoder(table, categorical=(), missing="error", max_categories=None):
    """Learn the ``Encoder`` of ``table`` (name → raw column (m,), in the table's order).

    Parameters
    ----------
    table : dict
        Numbers as float64 (NaN: missing); text as object arrays (None, NaN or "": missing).
        A text column is categorical; so is every column named in ``categorical``.
    categorical : collection of str
        Columns of numbers (codes) to treat as categories.
    missing : {"error", "impute"}
        "error": every missing cell is named in one ``DataError``; "impute": the median of
        the training rows (numbers, with a was-missing indicator) or the category "" (text).
    max_categories : int, optional
        A categorical column with more distinct values is refused, naming it.
    """
    check_choice("missing", missing, MISSING_CHOICES)
    names = tuple(table)
    if missing == "error":
        check_missing(names, [table[name] for name in names])
    columns = []
    for name in names:
        values = table[name]
        if name in categorical or is_text(values):
            columns.append(_fit_categorical(name, values, max_categories))
        else:
            columns.append(_fit_numeric(name, values))
    return Encoder(tuple(columns))


def unscaled(encoder):
    """``encoder`` with its numeric columns left unscaled (mean 0, scale 1)."""
    columns = [
        replace(c, mean=0.0, scale=1.0) if isinstance(c, NumericColumn) else c
        for c in encoder.columns
    ]
    return Encoder(tuple(columns))


def _fit_numeric(name, values):
    x = as_numbers(values, name)  # (m,)
    absent = np.isnan(x)  # (m,)
    if absent.all():
        raise DataError(
            f"column {name!r} has no numbers, only missing cells; leave it out of the features"
        )
    fill = float(np.median(x[~absent]))
    x = np.where(absent, fill, x)  # (m,)
    mean, std = float(x.mean()), float(x.std())
    scale = std if std > 1e-12 * max(abs(mean), 1e-300) and std > 0 else 1.0
    return NumericColumn(name, fill, mean, scale, bool(absent.any()))


def _fit_categorical(name, values, max_categories):
    categories = tuple(sorted(set(category_text(values).tolist())))
    check_category_count(name, len(categories) - (MISSING in categories), max_categories)
    return CategoricalColumn(name, categories)


def check_category_count(name, found, max_categories):
    """``DataError`` naming column ``name`` when its ``found`` distinct values are more than
    ``max_categories`` (None: no limit), with the ways out."""
    if max_categories is not None and found > max_categories:
        raise DataError(
            f"column {name!r} has {found} distinct values, more than --max-categories "
            f"{max_categories} (an identifier or free text is no category): leave it out with "
            f"--exclude {name}, or raise --max-categories"
        )


def distinct_categories(values):
    """The number of distinct categories of a raw column, a missing cell not counted."""
    found = set(category_text(values).tolist())
    return len(found - {MISSING})


def check_choice(what, value, choices):
    if value not in choices:
        raise ConfigError(f"{what}={value!r} is not one of: {', '.join(choices)}")


def is_text(values):
    """Whether a raw column holds text (object, str or pandas string/category dtype)."""
    kind = getattr(values, "dtype", None)
    return kind is None or np.dtype(kind).kind in "OUS"


def as_numbers(values, name):
    """A raw numeric column as float64 (m,), NaN where missing; ``DataError`` for inf."""
    x = np.asarray(values, dtype=np.float64)  # (m,)
    bad = np.isinf(x)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"column {name!r} holds {x[i]} in row {i} (counting from 0), not a finite number; "
            f"remove or replace the infinite values"
        )
    return x


def category_text(values):
    """The categories of a raw column as an object array of str (m,): text stripped, numbers
    as their shortest text ("3" for 3.0), a missing cell as "" (``MISSING``)."""
    values = np.asarray(values, dtype=object)
    return np.fromiter((_category(v) for v in values), object, len(values))


def _category(value):
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value.strip()
    number = float(value)
    if math.isnan(number):
        return MISSING
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


def missing_cells(values):
    """A boolean mask (m,) of the missing cells of a raw column."""
    if is_text(values):
        return category_text(values) == MISSING
    return np.isnan(np.asarray(values, dtype=np.float64))


def check_missing(names, raw):
    """``DataError`` listing every missing cell of the raw columns (up to ``CELLS_SHOWN``, then
    how many more), with the way out."""
    found = [np.flatnonzero(missing_cells(values)) for values in raw]
    cells = [(name, rows_) for name, rows_ in zip(names, found, strict=True) if rows_.size]
    if cells:
        total = sum(rows_.size for _, rows_ in cells)
        raise DataError(
            f"{total} missing cell(s): {cells_text(cells)}; fill them in, or impute them "
            f"(--missing impute, or missing='impute' in Python)"
        )


def cells_text(cells, rows=None):
    """``[(column, row indices)]`` in words, at most ``CELLS_SHOWN`` rows named, then a count:
    "column 'age' rows 3, 17; column 'city' row 40 (rows counting from 0)"; ``rows(i)``, when
    given, names row i in full ("line 5")."""
    parts, shown = [], 0
    for name, found in cells:
        take = found[: max(CELLS_SHOWN - shown, 0)]
        if not take.size:
            break
        if rows is None:
            named = ("rows " if take.size > 1 else "row ") + ", ".join(map(str, take))
        else:
            named = ", ".join(rows(int(i)) for i in take)
        parts.append(f"column {name!r} {named}")
        shown += take.size
    total = sum(found.size for _, found in cells)
    more = f", and {total - shown} more" if total > shown else ""
    return "; ".join(parts) + more + (" (rows counting from 0)" if rows is None else "")


def unseen_text(unseen):
    """``{column: categories}`` in words: "column 'city' has categories not seen in training:
    'Oslo', 'Rome'"."""
    parts = []
    for name, values in unseen.items():
        shown = ", ".join(repr(shown_category(v)) for v in values[:CELLS_SHOWN])
        more = f" and {len(values) - CELLS_SHOWN} more" if len(values) > CELLS_SHOWN else ""
        parts.append(f"column {name!r} has categories not seen in training: {shown}{more}")
    return "; ".join(parts)


def filled_text(encoder, filled, where=""):
    """How the missing cells were filled, in one line: "filled 13 missing cells: age (7, the
    median 41, with a was-missing column), city (6, as the category (missing))"."""
    kinds = {column.name: column for column in encoder.columns}
    parts = []
    for name, count in filled.items():
        column = kinds[name]
        if isinstance(column, NumericColumn):
            how = f"the median {column.fill:.6g}"
            how += ", with a was-missing column" if column.indicator else ""
        elif MISSING in column.categories:
            how = f"as the category {MISSING_SHOWN}"
        else:
            how = "as no category: training had no missing cell there"
        parts.append(f"{name} ({count}, {how})")
    return f"filled {sum(filled.values())} missing cell(s){where}: {', '.join(parts)}"


def shown_category(category):
    return MISSING_SHOWN if category == MISSING else category


def looks_like_id(name, values):
    """Whether a raw column is a row identifier: named like one (id, uuid, key, index,
    customer_id, userId, …) and unique per row (integers or text; never a missing cell)."""
    if not ID_NAME.fullmatch(name.strip()):
        return False
    if is_text(values):
        text = category_text(values)
        return MISSING not in text and len(set(text.tolist())) == len(text)
    x = np.asarray(values, dtype=np.float64)  # (m,)
    whole = np.all(np.isfinite(x)) and np.all(x == np.round(x))
    return bool(whole) and np.unique(x).size == x.size


# ---------------------------------------------------------------- JSON (model files)


KINDS = {"numeric": NumericColumn, "categorical": CategoricalColumn}  # "kind" in JSON


def _column_json(column):
    kind = "numeric" if isinstance(column, NumericColumn) else "categorical"
    return {"kind": kind} | asdict(column)  # categories: a tuple, a list in JSON


class InvalidEncoder(ValueError):
    """A field of an encoder's JSON of the wrong type or value; names the field."""


def encoder_from_json(data, n_encoded=None):
    """The ``Encoder`` of ``Encoder.to_json`` output, every field checked (an untrusted file):
    ``InvalidEncoder`` naming the first bad field. ``n_encoded``: the width it must have."""
    if not isinstance(data, dict) or set(data) != {"columns"}:
        raise InvalidEncoder("preprocessing must be an object with the one key 'columns'")
    items = data["columns"]
    if not isinstance(items, list) or not items:
        raise InvalidEncoder("preprocessing.columns must be a non-empty list")
    columns = tuple(_column_from_json(item, k) for k, item in enumerate(items))
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        raise InvalidEncoder("preprocessing.columns names a column twice")
    encoder = Encoder(columns)
    if n_encoded is not None and encoder.n_encoded != n_encoded:
        raise InvalidEncoder(
            f"preprocessing.columns make {encoder.n_encoded} inputs; the network has {n_encoded}"
        )
    return encoder


def _column_from_json(item, k):
    where = f"preprocessing.columns[{k}]"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise InvalidEncoder(f"{where} must be an object with a string 'name'")
    kind = item.get("kind")
    if kind not in KINDS or set(item) != {"kind", *(f.name for f in fields(KINDS[kind]))}:
        raise InvalidEncoder(f"{where} must be a numeric or categorical column's fields")
    if kind == "categorical":
        categories = item["categories"]
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise InvalidEncoder(f"{where}.categories must be a list of strings")
        if not categories or len(set(categories)) != len(categories):
            raise InvalidEncoder(f"{where}.categories must be non-empty and distinct")
        return CategoricalColumn(item["name"], tuple(categories))
    numbers = [item[key] for key in ("fill", "mean", "scale")]
    if not all(_finite(v) for v in numbers) or not item["scale"] > 0:
        raise InvalidEncoder(f"{where}: fill, mean and scale must be finite numbers, scale > 0")
    if not isinstance(item["indicator"], bool):
        raise InvalidEncoder(f"{where}.indicator must be true or false")
    return NumericColumn(item["name"], *map(float, numbers), item["indicator"])


def _finite(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# ---------------------------------------------------------------- tables from Python


def raw_table(X):
    """``(names, table, framed)``: the raw columns of X (m, n) as ``fit_encoder`` takes them
    (name → (m,)). A pandas DataFrame or a pyarrow Table gives its column names
    (``framed``: True); an array gives "x0", "x1", … (its columns as they are)."""
    if hasattr(X, "column_names"):  # a pyarrow Table
        names = [str(name) for name in X.column_names]
        return names, {n: _arrow_column(X.column(j)) for j, n in enumerate(names)}, True
    if hasattr(X, "iloc"):  # a pandas DataFrame
        names = [str(name) for name in X.columns]
        return names, {n: _pandas_column(X.iloc[:, j]) for j, n in enumerate(names)}, True
    A = np.asarray(X)
    if A.ndim != 2:
        raise DataError(f"X must be 2-D (rows, columns); got an array of shape {A.shape}")
    names = [f"x{j}" for j in range(A.shape[1])]
    return names, {name: A[:, j] for j, name in enumerate(names)}, False


def _pandas_column(series):
    """A pandas column: float64 with NaN for numbers (and booleans), else object with None;
    ``DataError`` for dates and times, which are neither numbers nor categories."""
    if series.dtype.kind in "mM":
        raise DataError(
            f"column {str(series.name)!r} holds dates or times ({series.dtype}); give them as "
            f"numbers (e.g. X[{str(series.name)!r}].dt.day_of_year), or leave it out of X"
        )
    if series.dtype.kind in "fiub":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)  # (m,)
    return series.astype(object).where(series.notna(), None).to_numpy()  # (m,)


def _arrow_column(values):
    """A pyarrow column: float64 with NaN for numbers, else object with str and None."""
    import pyarrow.types as pat

    kind = values.type
    if pat.is_integer(kind) or pat.is_floating(kind) or pat.is_decimal(kind):
        return values.cast("float64").to_numpy()  # (m,) nulls are NaN
    return np.array([None if v is None else str(v) for v in values.to_pylist()], object)


def categorical_names(spec, names, table, framed):
    """The names of the categorical columns that ``spec`` picks, as
    ``HistGradientBoostingRegressor(categorical_features=...)`` reads it: None (none);
    "from_dtype" (the text columns of a DataFrame: object, string or category dtype); a list
    of names (a DataFrame's) or of indices; a boolean mask of one entry per column."""
    if spec is None:
        return ()
    if isinstance(spec, str):
        if spec != "from_dtype":
            raise _spec_error(spec)
        return tuple(name for name in names if framed and is_text(table[name]))
    picked = np.asarray(spec)
    if picked.ndim != 1:
        raise _spec_error(spec)
    if picked.dtype.kind == "b":
        if picked.size != len(names):
            raise ConfigError(
                f"categorical_features is a mask of {picked.size} entries; X has "
                f"{len(names)} columns: give one per column"
            )
        return tuple(name for name, on in zip(names, picked, strict=True) if on)
    if picked.dtype.kind in "iu":
        bad = [int(j) for j in picked if not 0 <= j < len(names)]
        if bad:
            raise ConfigError(
                f"categorical_features names column {bad[0]}; X has columns 0 to {len(names) - 1}"
            )
        return tuple(names[j] for j in picked)
    if picked.dtype.kind in "OU" and picked.size and all(isinstance(v, str) for v in spec):
        absent = [v for v in spec if not framed or v not in names]
        if absent:
            raise ConfigError(
                f"categorical_features names {absent[0]!r}, not a column of X; names need a "
                f"DataFrame with that column (or give column indices)"
            )
        return tuple(spec)
    if picked.size == 0:
        return ()
    raise _spec_error(spec)


def _spec_error(spec):
    return ConfigError(
        f"categorical_features={spec!r} must be None, 'from_dtype', a list of column names or "
        f"indices, or a boolean mask"
    )


def numbers_only(table, categorical):
    """``table`` with every column not in ``categorical`` as float64 (m,); ``DataError``
    naming a column of text (and the way out)."""
    converted = {}
    for name, values in table.items():
        if name in categorical or not is_text(values):
            converted[name] = values
            continue
        try:
            converted[name] = np.array(
                [np.nan if v is None else float(v) for v in values], dtype=np.float64
            )
        except (TypeError, ValueError):
            raise DataError(
                f"column {name!r} holds text, not numbers; make it categorical "
                f"(categorical_features='from_dtype', or name it), or leave it out of X"
            ) from None
    return converted
