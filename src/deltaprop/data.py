"""Tabular data for the command line: CSV files, the bundled default dataset, the test split.

A CSV file has a header row of column names and one sample per line. Only the columns a command
uses are converted to numbers, so a file may carry other columns (an id, a comment) that the
command ignores. Every problem raises ``DataError`` with one line that names the column, the line
of the file and the value, so the user can fix the file.
"""

import csv
import math
import os
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import ConfigError, DataError
from deltaprop.files import STDOUT, atomic_open

DEFAULT_TARGET = "progression"
DEFAULT_SOURCE = "bundled diabetes data (scikit-learn)"


@dataclass(frozen=True)
class Dataset:
    """Samples as rows: ``X`` (m, n) and ``y`` (m, k), both float64, with their column names."""

    X: np.ndarray  # (m, n)
    y: np.ndarray  # (m, k)
    feature_names: tuple
    target_names: tuple
    source: str

    @property
    def n_samples(self):
        return self.X.shape[0]

    def take(self, rows):
        """The samples at index array ``rows``, same names and source."""
        return Dataset(
            self.X[rows], self.y[rows], self.feature_names, self.target_names, self.source
        )

    def to_csv(self, path):
        """Write features then targets as one CSV file (atomically)."""
        header = self.feature_names + self.target_names
        write_csv(path, header, np.hstack([self.X, self.y]))


@dataclass(frozen=True)
class Table:
    """A CSV file read as text: ``columns`` (names), ``rows`` (lists of str), ``lines`` (numbers
    of the file's lines that hold each row, for error messages)."""

    path: str
    columns: tuple
    rows: list
    lines: list

    def column(self, name):
        """Column ``name`` as a float64 array (m,); a bad cell raises ``DataError``."""
        j = self.columns.index(name)
        cells = [row[j] for row in self.rows]
        try:
            values = np.array(cells, dtype=np.float64)  # (m,)
        except ValueError:
            values = self._parse_one_by_one(name, cells)  # names the first bad cell
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            i = bad[0]
            raise DataError(
                f"{self._where(name, i)} is {cells[i].strip()!r}, not a finite number; "
                f"remove or impute the missing or infinite values first"
            )
        return values

    def matrix(self, names):
        """Columns ``names`` stacked as a float64 array (m, len(names))."""
        return np.column_stack([self.column(name) for name in names])

    def missing(self, names):
        """The entries of ``names`` that are not columns of this file."""
        return [name for name in names if name not in self.columns]

    def _parse_one_by_one(self, name, cells):
        values = np.empty(len(cells))  # (m,)
        for i, cell in enumerate(cells):
            if not cell.strip():
                raise DataError(
                    f"{self._where(name, i)} is empty; fill in or remove the "
                    f"missing value (deltaprop needs a number in every used cell)"
                )
            try:
                values[i] = float(cell)
            except ValueError:
                raise DataError(
                    f"{self._where(name, i)} is {cell!r}, not a number; fix the "
                    f"value, or leave a non-numeric column out of the features"
                ) from None
        return values

    def _where(self, name, i):
        return f"column {name!r}, line {self.lines[i]} of {self.path} (data row {i + 1})"


def read_table(path):
    """Read the CSV file at ``path`` as text; check it has a header and rows of equal length."""
    path = str(path)
    if not os.path.isfile(path):
        raise DataError(f"data file {path!r} does not exist; check the path")
    records = _read_records(path)
    if not records:
        raise DataError(
            f"data file {path!r} is empty; expected a header row of column names "
            f"and then one row of numbers per sample"
        )
    (_, header), body = records[0], records[1:]
    columns = _check_header(path, header)
    if not body:
        raise DataError(
            f"data file {path!r} has a header but no data rows; add one row of numbers per sample"
        )
    for line, row in body:
        if len(row) != len(columns):
            raise DataError(
                f"line {line} of {path} has {len(row)} fields but the header has "
                f"{len(columns)}; every row needs one value per column"
            )
    return Table(path, columns, [row for _, row in body], [line for line, _ in body])


def _read_records(path):
    """``[(line number, cells)]`` for the non-blank records of the CSV file at ``path``."""
    records = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file)
            for row in reader:
                if any(cell.strip() for cell in row):
                    records.append((reader.line_num, row))
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(
            f"{path} is not a readable CSV text file ({err}); save it as UTF-8 CSV "
            f"with a header row"
        ) from None
    return records


def _check_header(path, header):
    columns = tuple(name.strip() for name in header)
    if "" in columns:
        raise DataError(
            f"the header of {path} has an unnamed column (number "
            f"{columns.index('') + 1}); give every column a name"
        )
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise DataError(
            f"the header of {path} names column(s) {', '.join(duplicates)} more "
            f"than once; column names must be unique"
        )
    return columns


def split_names(text):
    """``"a, b,c"`` → ``("a", "b", "c")``; None stays None."""
    if text is None:
        return None
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise ConfigError(f"{text!r} names no columns; give comma-separated column names")
    return names


def read_dataset(path, target, features=None):
    """Read ``X`` and ``y`` from a CSV file.

    Parameters
    ----------
    path : str or Path
    target : sequence of str
        Target column(s); ``y`` gets one column per name, shape (m, k).
    features : sequence of str, optional
        Feature columns in this order; by default every column that is not a target.
    """
    table = read_table(path)
    target = tuple(target)
    y = target_matrix(table, target)  # (m, k)
    if features is None:
        features = tuple(name for name in table.columns if name not in target)
    features = tuple(features)
    _check_features(table, features, target)
    return Dataset(table.matrix(features), y, features, target, table.path)


def target_matrix(table, target):
    """``y`` (m, k): the columns ``target`` of ``table``; a missing one lists the columns."""
    absent = table.missing(target)
    if absent:
        raise DataError(
            f"target column(s) {_quoted(absent)} not in {table.path}; the columns "
            f"are: {', '.join(table.columns)}"
        )
    return table.matrix(tuple(target))


def model_features(table, feature_names):
    """``X`` (m, n) from the columns of ``table`` named ``feature_names``, in that order
    (the file's column order and any extra columns do not matter)."""
    absent = table.missing(feature_names)
    if absent:
        raise DataError(
            f"{table.path} lacks the feature column(s) {_quoted(absent)} that the "
            f"model was trained on; the model needs: {', '.join(feature_names)}"
        )
    return table.matrix(tuple(feature_names))


def _check_features(table, features, target):
    absent = table.missing(features)
    if absent:
        raise DataError(
            f"feature column(s) {_quoted(absent)} not in {table.path}; the columns "
            f"are: {', '.join(table.columns)}"
        )
    both = [name for name in features if name in target]
    if both:
        raise ConfigError(
            f"column(s) {_quoted(both)} cannot be both a feature and a target; "
            f"leave them out of --features"
        )
    if not features:
        raise DataError(
            f"{table.path} has no feature columns besides the target(s) "
            f"{_quoted(target)}; the model needs at least one input column"
        )


def _quoted(names):
    return ", ".join(repr(name) for name in names)


def load_default():
    """The bundled dataset: scikit-learn's diabetes data, raw units (442 patients, 10 features).

    The target ``progression`` is a measure of disease progression one year after baseline.
    Shipped with scikit-learn, so nothing is downloaded.
    """
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    X = np.asarray(bunch.data, dtype=np.float64)  # (442, 10)
    y = np.asarray(bunch.target, dtype=np.float64).reshape(-1, 1)  # (442, 1)
    return Dataset(X, y, tuple(bunch.feature_names), (DEFAULT_TARGET,), DEFAULT_SOURCE)


def train_test_split(data, test_size, seed):
    """Shuffle the rows with ``numpy.random.default_rng(seed)`` and hold out a test split.

    The test split has ``ceil(test_size * m)`` rows; both splits need at least 2 rows (R² of a
    single row is undefined). Returns ``(train, test)``.
    """
    if not 0.0 < test_size < 1.0:
        raise ConfigError(
            f"--test-size {test_size} must be strictly between 0 and 1, "
            f"e.g. 0.2 to hold out a fifth of the rows"
        )
    m = data.n_samples
    m_test = math.ceil(test_size * m)
    if m_test < 2 or m - m_test < 2:
        raise DataError(
            f"{data.source} has {m} rows, too few for a test split of {test_size} "
            f"({m - m_test} to train, {m_test} to test); both need at least 2 rows: "
            f"add rows or change --test-size"
        )
    order = np.random.default_rng(seed).permutation(m)  # (m,)
    return data.take(np.sort(order[m_test:])), data.take(np.sort(order[:m_test]))


def write_csv(path, header, values):
    """Write ``header`` and the rows of ``values`` (m, c) to ``path`` with the one safe writer
    (``deltaprop.files.atomic_open``), or to stdout when ``path`` is None or ``"-"``. Numbers
    are written so that they read back exactly."""
    with atomic_open(STDOUT if path is None else path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(np.asarray(values, dtype=np.float64).tolist())  # floats as repr: exact
