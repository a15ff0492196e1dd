"""Tabular data for the command line: CSV and Parquet files, the bundled dataset, the test split.

A data file has a header of unique column names and one sample per row: a CSV file (comma,
semicolon or tab separated) or a Parquet file (``.parquet``). Both are parsed by pyarrow, in
C++ (a CSV file in the calling thread: see ``BLOCK``); only the columns a command uses must
hold numbers, so a file may carry other columns (an id, a comment) that the command ignores.
Every problem raises ``DataError`` with one line that names the column, the line of the file
(the row of a Parquet file) and the value. The fast parse does not say where a bad value is,
so the file is scanned again with the ``csv`` module only when there is one, to name its line.
"""

import contextlib
import csv
import dataclasses
import math
import os
import re
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import ConfigError, DataError
from deltaprop.files import STDOUT, atomic_open, check_input
from deltaprop.printable import printable

DEFAULT_TARGET = "progression"
DEFAULT_SOURCE = "bundled diabetes data (scikit-learn)"
SEPARATORS = (",", ";", "\t")
SHOWN = 60  # characters of a cell or a column name that a message shows
MAX_LINE = 1 << 24  # characters of one line of a CSV file: a header of 10^6 columns
SCHEMA_BLOCK = 1 << 16  # bytes whose cells tell a numeric column from a text one
# Bytes of a CSV file that pyarrow parses at once, in the calling thread: on a shared machine
# its worker threads wait for the scheduler at each hand-off (measured: benchmarks/NOTES.md).
BLOCK = 1 << 22

# A decimal number as people write it: Python's float() syntax without its underscores
# ("1_000" is a typo in data, not one thousand); inf is read, then refused as not finite; nan is
# a missing cell in the commands that fill them (``Table.raw``), else refused as inf is.
NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.I)
DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")  # "197169,0": a decimal comma
# Numbers with thousands separators, by decimal mark: "1,234.5", "12,345,678"; "1.234,5"
THOUSANDS = {
    ".": re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"),
    ",": re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"),
}
# Cells of a column of numbers that mean "missing" (besides an empty cell), lowercased: pandas'
# default na_values (Excel's #N/A, pandas' own <NA>, …), separated by "|"
MISSING_MARKERS = frozenset(
    "na|n/a|nan|null|none|#n/a|#n/a n/a|#na|<na>|1.#ind|-1.#ind|1.#qnan|-1.#qnan".split("|")
)
# What to do about a target cell that is not a number
TARGET_HINT = (
    "fix the value, or choose a target column of numbers (deltaprop does regression, not "
    "classification)"
)


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


@dataclass(frozen=True)
class Table:
    """A data file parsed by pyarrow: ``arrow`` holds one column per name in ``columns``.

    ``sep`` is the CSV separator (None for Parquet). Every line after the header is a data
    row, but empty lines; a line of blanks is a row of empty cells.
    """

    path: str
    columns: tuple
    arrow: object  # pyarrow.Table
    sep: str | None = ","
    decimal: str = "."

    @property
    def n_rows(self):
        return self.arrow.num_rows

    @property
    def is_parquet(self):
        return self.sep is None

    def column(self, name, hint=None, out=None):
        """Column ``name`` as a float64 array (m,), written into ``out`` when given; a bad cell
        raises ``DataError``."""
        import pyarrow.types as pat

        x = np.empty(self.n_rows) if out is None else out  # (m,)
        values = self.arrow.column(self.columns.index(name))
        kind = values.type
        if pat.is_decimal(kind):  # a Parquet decimal column
            values = values.cast("float64")
            kind = values.type
        if _is_text(kind):
            x[:] = self._parse_text(name, values.to_pylist(), hint)
        elif not _is_number(kind):
            self._bad_cell(name, 0, hint)  # bool, date, all empty: the first cell is not a number
        elif values.null_count:
            self._bad_cell(name, _first_null(values), hint)
        else:
            _copy_numbers(values, x)
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            self._bad_cell(name, bad[0], hint)
        return x

    def matrix(self, names, hint=None):
        """Columns ``names`` stacked as a float64 array (m, len(names))."""
        X = np.empty((self.n_rows, len(names)), order="F")  # (m, len(names)), X.T C-ordered
        for j, name in enumerate(names):
            self.column(name, hint, out=X[:, j])
        return X

    def missing(self, names):
        """The entries of ``names`` that are not columns of this file."""
        return [name for name in names if name not in self.columns]

    def non_numeric(self, names):
        """The columns among ``names`` that hold a cell that is not a number (cheap for numeric
        columns: pyarrow typed them on reading)."""
        found = []
        for name in names:
            values = self.arrow.column(self.columns.index(name))
            if _is_number(values.type):
                continue
            text = values.to_pylist()
            if not _is_text(values.type) or any(
                cell is not None and cell.strip() and not NUMBER.fullmatch(cell.strip())
                for cell in text
            ):
                found.append(name)
        return found

    def _parse_text(self, name, cells, hint):
        cells = [self._point(cell) for cell in cells]
        for i, cell in enumerate(cells):
            if cell is None or not NUMBER.fullmatch(cell.strip()):
                self._bad_cell(name, i, hint)
        return np.fromiter(map(float, cells), np.float64, len(cells))  # (m,)

    def _point(self, cell):
        """A text cell with its decimal comma (``--decimal ,``) written as a point."""
        return cell.replace(",", ".") if self.decimal == "," and cell is not None else cell

    def raw(self, name):
        """Column ``name`` as ``deltaprop.tabular`` takes it: float64 (m,) with NaN for a
        missing cell (empty, or one of ``MISSING_MARKERS``: NA, NaN, #N/A, …) when it holds
        numbers, else an object array of str and None (text). A column of numbers with a few
        cells that are not, or with an infinite number, raises one ``DataError`` naming the
        cells."""
        import pyarrow.types as pat

        values = self.arrow.column(self.columns.index(name))
        kind = values.type
        if _is_number(kind) and not values.null_count:
            x = np.empty(self.n_rows)  # (m,) NaN where the file says nan
            _copy_numbers(values, x)
        elif _is_number(kind) or pat.is_decimal(kind):
            x = np.array(values.cast("float64").to_pylist(), dtype=np.float64)  # None: NaN
        elif _is_text(kind):
            x = self._raw_text(name, values.to_pylist())
        else:
            return np.array([None if v is None else str(v) for v in values.to_pylist()], object)
        if x.dtype == np.float64 and np.isinf(x).any():
            self._bad_cell(name, int(np.argmax(np.isinf(x))), None)
        return x

    def _raw_text(self, name, cells):
        """Numbers with NaN for missing cells when most cells are numbers, else text."""
        written = [None if c is None or not c.strip() else c.strip() for c in cells]
        text = [self._point(c) for c in written]
        number = [
            c is None or c.lower() in MISSING_MARKERS or bool(NUMBER.fullmatch(c)) for c in text
        ]
        filled = sum(c is not None for c in text)
        bad = [i for i, ok in enumerate(number) if not ok]
        if filled and len(bad) < filled / 2:
            if bad:
                self._bad_cells(name, bad, [written[i] for i in bad])
            x = [np.nan if c is None or c.lower() in MISSING_MARKERS else float(c) for c in text]
            return np.array(x, dtype=np.float64)  # (m,)
        if filled and all(c is None or DECIMAL_COMMA.fullmatch(c) for c in text):
            self._bad_cells(name, bad, [written[i] for i in bad])
        return np.array(text, dtype=object)  # (m,)

    def _bad_cells(self, name, rows, cells):
        """One ``DataError`` naming the cells ``cells`` of data rows ``rows`` of column
        ``name`` (at most ``CELLS_SHOWN``, then how many more), with the likely fix."""
        from deltaprop.tabular import CELLS_SHOWN

        named = rows[:CELLS_SHOWN]
        lines = self.lines(named)
        shown = ", ".join(f"{_short(c)!r} ({lines[i]})" for i, c in zip(named, cells, strict=False))
        more = f", and {len(rows) - CELLS_SHOWN} more" if len(rows) > CELLS_SHOWN else ""
        raise DataError(
            f"column {_short(name)!r} of {self.path} has {len(rows)} cell(s) that are not "
            f"numbers: {shown}{more}; {_number_hint(cells, self.decimal) or FIX_HINT}"
        )

    def lines(self, rows):
        """``{row: "line N"}`` (CSV) or ``{row: "row N"}`` (Parquet) for data rows ``rows``."""
        if self.is_parquet:
            return {i: f"row {i + 1}" for i in rows}
        wanted, found = set(rows), {}
        for k, (line, _) in enumerate(_records(self.path, self.sep)):
            if k - 1 in wanted:  # record 0 is the header
                found[k - 1] = f"line {line}"
        return {i: found.get(i, f"data row {i + 1}") for i in rows}

    def _bad_cell(self, name, i, hint):
        """Raise the ``DataError`` that names data row ``i`` of column ``name``, its line and
        its text (found by scanning the file again, only now that something is wrong)."""
        where, text = self._locate(name, i)
        text = text.strip()
        if not text:
            raise DataError(
                f"{where} is empty; fill in or remove the missing value (deltaprop needs a "
                f"number in every used cell)"
            )
        if NUMBER.fullmatch(text):
            raise DataError(
                f"{where} is {_short(text)!r}, not a finite number; remove or impute the "
                f"missing or infinite values first"
            )
        hint = _number_hint([text], self.decimal) or hint
        hint = hint or "fix the value, or leave a non-numeric column out of the features"
        raise DataError(f"{where} is {_short(text)!r}, not a number; {hint}")

    def _locate(self, name, i):
        """``(where, text)``: the place of data row ``i`` of column ``name`` in words, and the
        cell as written in the file."""
        label = f"column {_short(name)!r}"
        if self.is_parquet:
            value = self.arrow.column(self.columns.index(name))[int(i)].as_py()
            return f"{label}, row {i + 1} of {self.path}", "" if value is None else str(value)
        j = self.columns.index(name)
        records = _records(self.path, self.sep)
        for k, (line, row) in enumerate(records):
            if k == i + 1:  # record 0 is the header
                return f"{label}, line {line} of {self.path} (data row {i + 1})", row[j]
        raise DataError(f"{self.path} changed while it was read; read it again")


FIX_HINT = "fix them, or leave them empty to have them imputed (--missing impute)"


def _number_hint(cells, decimal):
    """The fix for cells, as written, that are numbers written another way than with the
    decimal mark ``decimal`` (a decimal comma, thousands separators); else None."""
    if decimal == "." and any(DECIMAL_COMMA.fullmatch(cell) for cell in cells):
        return (
            "they look like numbers with a decimal comma: read the file with --decimal , "
            "(and --sep ';' when semicolons separate the columns)"
        )
    if any(THOUSANDS[decimal].fullmatch(cell) for cell in cells):
        example = "1234.5" if decimal == "." else "1234,5"
        return (
            f"they look like numbers with thousands separators: write them without them ({example})"
        )
    return None


def _is_number(kind):
    """Whether the pyarrow type ``kind`` is an integer or a float."""
    import pyarrow.types as pat

    return pat.is_integer(kind) or pat.is_floating(kind)


def _is_text(kind):
    import pyarrow.types as pat

    return pat.is_string(kind) or pat.is_large_string(kind)


def _copy_numbers(values, x):
    """The pyarrow integer or float column ``values`` (no nulls) into x (m,), each chunk copied
    once from its Arrow buffer (``to_numpy`` would import pandas, 0.7 s, when installed)."""
    import pyarrow.types as pat

    kind = values.type
    letter = "f" if pat.is_floating(kind) else "u" if pat.is_unsigned_integer(kind) else "i"
    dtype, start = np.dtype(f"{letter}{kind.bit_width // 8}"), 0
    for chunk in values.chunks:
        stop = start + len(chunk)
        x[start:stop] = np.frombuffer(
            chunk.buffers()[1], dtype, count=len(chunk), offset=chunk.offset * dtype.itemsize
        )
        start = stop


def _first_null(values):
    import pyarrow.compute as pc  # slow to import (1 s): only when a cell is missing

    return int(np.argmax(pc.is_null(values).to_numpy(zero_copy_only=False)))


def read_table(path, sep=None, decimal="."):
    """Read the CSV or Parquet file at ``path`` (``.parquet``: Parquet); check its header and
    that it has rows of equal length.

    Parameters
    ----------
    path : str or Path
    sep : str, optional
        The CSV separator; by default detected from the header: ``,`` unless the header has
        no comma and exactly one of ``;`` and tab.
    decimal : {".", ","}
        The decimal mark of the CSV file's numbers (``,``: "3,5" is 3.5).
    """
    path = str(path)
    check_input(path)
    if decimal not in (".", ","):
        raise ConfigError(f"--decimal {decimal!r} must be '.' or ','")
    try:
        if is_parquet(path):
            return _read_parquet(path)
        sep = check_separator(sep) if sep else detect_separator(path)
        header_line(path)  # bounded: a 2 GB line of NUL bytes is refused before pyarrow reads it
        if decimal == "," and sep == ",":
            raise ConfigError(
                "--decimal , needs another column separator than the comma: give --sep ';' "
                "(or --sep tab)"
            )
        check_fits_in_memory(path, _csv_values(path, sep))
        table = _read_csv_fast(path, sep, decimal) or _read_csv_scan(path, sep)
        return dataclasses.replace(table, decimal=decimal)
    except OSError as err:  # e.g. no permission to read it
        raise DataError(
            f"cannot read data file {path!r} ({_short(err.strerror or str(err))}); check that "
            f"it can be read"
        ) from None


DATA_COPIES = 3  # float64 copies of a table's values while training: its columns, X, X scaled


def check_fits_in_memory(path, n_values):
    """Before reading: a ``DataError`` when ``n_values`` numbers, held ``DATA_COPIES`` times
    as float64, need more than this machine's memory (the process would be killed or pyarrow
    abort, without a word), with what to do instead."""
    need, have = n_values * 8 * DATA_COPIES, physical_memory()
    if need > have:
        raise DataError(
            f"{path} holds about {n_values:,} values, about {need / 2**30:.3g} GiB to train "
            f"on, more than this machine's {have / 2**30:.3g} GiB of memory; split it into "
            "files and train on Dask (--dask local:2, see docs/scaling.md)"
        )


def physical_memory():
    """Bytes of memory of this machine (2**40 where the system does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return 2**40


SAMPLE_BYTES = 1 << 16  # the start of a CSV file that its number of rows is estimated from


def _csv_values(path, sep):
    """About how many values the CSV file holds: its size over the bytes of a row at its
    start, times the columns of its header."""
    with open(path, "rb") as file:
        sample = file.read(SAMPLE_BYTES)
        size = os.fstat(file.fileno()).st_size
    lines = sample.split(b"\n")
    columns = lines[0].count(sep.encode()) + 1
    rows = size * max(len(lines) - 1, 1) / max(len(sample), 1)
    return int(rows * columns)


def check_separator(sep):
    """``sep`` as one character; ``\\t`` and ``tab`` stand for a tab."""
    sep = {"\\t": "\t", "tab": "\t"}.get(sep, sep)
    if len(sep) != 1 or not sep.isascii() or sep in '"\r\n':
        raise ConfigError(
            f"--sep {sep!r} must be one ASCII character other than a quote or a line break, "
            f"e.g. ';' or '\\t' (tab)"
        )
    return sep


def is_parquet(path):
    """Whether ``path`` names a Parquet file (by its extension)."""
    return str(path).lower().endswith(".parquet")


def header_line(path):
    """The first non-empty line of the CSV file at ``path``, read with bounded memory: a line
    longer than ``MAX_LINE`` characters or holding a NUL byte is no CSV header (``DataError``)."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            header = next((line for line in _lines(file, path) if line.strip()), "")
    except UnicodeDecodeError as err:
        _unreadable(path, err)
    if "\0" in header:
        raise DataError(
            f"{path} holds NUL bytes: a binary file, not CSV text; give a CSV or Parquet file"
        )
    return header


def _lines(file, path):
    """The lines of the text ``file``, each read with at most ``MAX_LINE`` characters (a longer
    one is a ``DataError``)."""
    while line := file.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise DataError(
                f"{path} has a line longer than {MAX_LINE:,} characters: not a CSV file with "
                f"one row per line; give a CSV or Parquet file"
            )
        yield line


def detect_separator(path):
    """``,``, ``;`` or tab: the one the header line of the CSV file at ``path`` uses."""
    header = header_line(path)
    if "," in header:
        return ","
    found = [sep for sep in SEPARATORS if sep in header]
    if len(found) > 1:
        raise ConfigError(
            f"the header of {path} has both semicolons and tabs; say which one separates "
            f"the columns with --sep"
        )
    return found[0] if found else ","


def _read_csv_fast(path, sep, decimal="."):
    """The CSV file parsed by pyarrow, or None when pyarrow refuses it (the scan says why).

    Every column is read as float64 or, when its first ``SCHEMA_BLOCK`` bytes are not all
    numbers, as text. A column whose later rows are not numbers is read again as text, so that
    its bad cell can be found. (pyarrow's own inference would take ``0x10`` for sixteen.)
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    parse = pcsv.ParseOptions(delimiter=sep)
    try:
        first = pcsv.ReadOptions(block_size=SCHEMA_BLOCK)
        with arrow_source(path) as source:
            schema = pcsv.open_csv(source, first, parse, _convert(decimal=decimal)).schema
        columns = _check_header(path, schema.names)
        types = {f.name: pa.float64() if _is_number(f.type) else pa.string() for f in schema}
        for _ in range(len(types) + 1):
            failed = _try_read(path, parse, types, decimal)
            if isinstance(failed, pa.Table):
                break
            if failed is None or types[failed] == pa.string():
                return None
            types[failed] = pa.string()
    except (pa.ArrowInvalid, UnicodeDecodeError):  # ragged, empty, not text: the scan says which
        return None
    _check_rows(path, failed.num_rows)
    return Table(path, columns, failed, sep)


def _try_read(path, parse, types, decimal="."):
    """The table, or the name of the column that did not convert (None: another problem)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        blocks = pcsv.ReadOptions(block_size=BLOCK, use_threads=False)  # see BLOCK
        with arrow_source(path) as source:
            return pcsv.read_csv(source, blocks, parse, _convert(types, decimal))
    except pa.ArrowInvalid as err:
        found = re.match(r"In CSV column #(\d+): CSV conversion error", str(err))
        return list(types)[int(found[1])] if found else None


def _convert(types=None, decimal="."):
    import pyarrow.csv as pcsv

    return pcsv.ConvertOptions(
        column_types=types, null_values=[""], strings_can_be_null=True, decimal_point=decimal
    )


def _read_csv_scan(path, sep):
    """The CSV file read as text by the ``csv`` module, naming the first problem precisely."""
    import pyarrow as pa

    records = list(_records(path, sep))
    if not records:
        raise DataError(
            f"data file {path!r} is empty; expected a header row of column names "
            f"and then one row of numbers per sample"
        )
    (_, header), body = records[0], records[1:]
    columns = _check_header(path, header)
    _check_rows(path, len(body))
    for line, row in body:
        if len(row) != len(columns):
            raise DataError(
                f"line {line} of {path} has {len(row)} fields but the header has "
                f"{len(columns)}; every row needs one value per column"
            )
    arrow = pa.table(
        [pa.array([row[j] for _, row in body]) for j in range(len(columns))],
        names=[str(j) for j in range(len(columns))],
    )
    return Table(path, columns, arrow, sep)


def _records(path, sep):
    """``(line number, cells)`` of the records of the CSV file at ``path``, empty lines left
    out (as pyarrow does)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(_lines(file, path), delimiter=sep)
            for row in reader:
                if row:
                    yield reader.line_num, row
    except (UnicodeDecodeError, csv.Error) as err:
        _unreadable(path, err)


def _unreadable(path, err):
    raise DataError(
        f"{path} is not a readable CSV text file ({_short(str(err))}); save it as UTF-8 CSV "
        f"with a header row"
    ) from None


def _read_parquet(path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with arrow_source(path) as source:  # the page checksums, where the file has them
            shape = pq.read_metadata(source)  # the footer: rows and columns, before any page
            check_fits_in_memory(path, shape.num_rows * shape.num_columns)
            arrow = pq.read_table(source, page_checksum_verification=True)
        names = arrow.column_names  # decoded here: a name may not be UTF-8
    except OSError as err:
        if err.errno is not None:  # cannot be read at all (permissions): read_table says so
            raise
        raise DataError(_parquet_problem(path, err)) from None
    except (pa.ArrowException, UnicodeDecodeError) as err:  # not Parquet, corrupt, unsupported
        raise DataError(_parquet_problem(path, err)) from None
    columns = _check_header(path, names)
    _check_rows(path, arrow.num_rows)
    return Table(path, columns, _decoded(arrow), sep=None)


def _parquet_problem(path, err):
    """The message for a Parquet file that pyarrow cannot read: a page whose checksum does not
    match (deltaprop writes checksums), or not Parquet at all."""
    if "CRC" in str(err):
        return f"{path} is corrupted: a page's checksum does not match its data; write it again"
    return (
        f"{path} is not a readable Parquet file ({_short(' '.join(str(err).split()))}); check "
        f"the file, or give a CSV file (any other extension than .parquet)"
    )


def _decoded(arrow):
    """``arrow`` with its dictionary-encoded columns (a pandas category) as plain columns of
    their values, so that ``"1.5"`` in one is read as the text it is."""
    import pyarrow.types as pat

    for j, field in enumerate(arrow.schema):
        if pat.is_dictionary(field.type):
            arrow = arrow.set_column(j, field.name, arrow.column(j).cast(field.type.value_type))
    return arrow


@contextlib.contextmanager
def arrow_source(path):
    """``path`` as pyarrow can open it: pyarrow takes file names as UTF-8 only, so a name that
    is not (bytes that Python holds as lone surrogates) is opened here and given as a file."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        with open(path, "rb") as file:
            yield file
        return
    yield path


def _check_rows(path, n_rows):
    if not n_rows:
        raise DataError(
            f"data file {path!r} has a header but no data rows; add one row of numbers per sample"
        )


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
            f"the header of {path} names column(s) {listed_names(duplicates)} more "
            f"than once; column names must be unique"
        )
    return columns


def split_names(text):
    """``"a, b,c"`` → ``("a", "b", "c")``; None stays None; a name given twice is refused."""
    if text is None:
        return None
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise ConfigError(f"{text!r} names no columns; give comma-separated column names")
    _check_unique(f"{_short(text)!r} names", names)
    return names


def read_dataset(path, target, features=None, exclude=(), sep=None, decimal="."):
    """Read ``X`` and ``y`` from a CSV or Parquet file.

    Parameters
    ----------
    path : str or Path
    target : sequence of str
        Target column(s); ``y`` gets one column per name, shape (m, k).
    features : sequence of str, optional
        Feature columns in this order; by default every column that is neither a target nor
        in ``exclude``.
    exclude : sequence of str
        Columns left out of the default features (an id, a text column).
    sep : str, optional
        CSV separator (default: detected from the header, see ``read_table``).
    decimal : {".", ","}
        The decimal mark (see ``read_table``).
    """
    given = features is not None
    table, features = dataset_columns(path, target, features, exclude, sep, decimal)
    y = target_matrix(table, target)  # (m, k)
    X = table.matrix(features, None if given else _exclude_hint(table, features))  # (m, n)
    return Dataset(X, y, features, tuple(target), table.path)


def dataset_columns(path, target, features=None, exclude=(), sep=None, decimal="."):
    """``(table, features)``: the file read (``read_table``) and the names of its feature
    columns (``read_dataset``'s parameters), every name checked."""
    target, exclude = tuple(target), tuple(exclude)
    check_column_options(target, features, exclude)
    table = read_table(path, sep, decimal)
    _check_exists(table, "target", target)
    if features is None:
        _check_exists(table, "excluded", exclude)
        features = tuple(n for n in table.columns if n not in target and n not in exclude)
    else:
        features = tuple(features)
        _check_exists(table, "feature", features)
    if not features:
        raise DataError(
            f"{table.path} has no feature columns besides the target(s) "
            f"{_quoted(target)}; the model needs at least one input column"
        )
    return table, features


def check_column_options(target, features=None, exclude=()):
    """The usage errors of the column options, found without reading a file (``ConfigError``):
    a name given twice, --features with --exclude, a column both a feature and a target."""
    for what, names in (("target", target), ("feature", features or ()), ("excluded", exclude)):
        _check_unique(f"the {what} columns name", tuple(names))
    if features is not None and exclude:
        raise ConfigError(
            "give the feature columns (--features) or the columns to exclude (--exclude), not both"
        )
    both = [name for name in features or () if name in target]
    if both:
        raise ConfigError(
            f"column(s) {_quoted(both)} cannot be both a feature and a target; "
            f"leave them out of --features"
        )


def _exclude_hint(table, features):
    """The advice for a non-numeric cell among default features: exclude those columns."""
    text = table.non_numeric(features)
    if not text:
        return None
    return (
        f"column(s) {_quoted(text)} of {table.path} are not numeric: leave them out with "
        f"--exclude {_short(','.join(text))}, or fix the values"
    )


def _check_unique(subject, names):
    """Refuse a name given twice: "``subject`` 'a' more than once"."""
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ConfigError(f"{subject} {_quoted(twice)} more than once; name each column once")


def target_matrix(table, target):
    """``y`` (m, k): the columns ``target`` of ``table``; a missing one lists the columns."""
    _check_exists(table, "target", target)
    return table.matrix(tuple(target), TARGET_HINT)


def check_targets(table, target):
    """``DataError`` listing the columns of ``table`` unless it has every ``target`` column."""
    _check_exists(table, "target", target)


def _check_exists(table, what, names):
    absent = table.missing(names)
    if absent:
        raise DataError(
            f"{what} column(s) {_quoted(absent)} not in {table.path}{meant(absent, table)}; "
            f"the columns are: {listed_names(table.columns)}{separator_hint(table)}"
        )


def meant(absent, table):
    """The hint ' (did you mean 'price'?)' naming the columns of ``table`` that the names
    ``absent`` are misspellings of, or are in another case; "" when none is close."""
    import difflib

    folded = {name.casefold(): name for name in table.columns}
    close = [
        folded.get(name.casefold())
        or next(iter(difflib.get_close_matches(name, table.columns, 1)), None)
        for name in absent
    ]
    close = [name for name in close if name is not None]
    return f" (did you mean {_quoted(close)}?)" if close else ""


def separator_hint(table):
    """When the header was read as one column holding another separator: which --sep reads
    it (else "")."""
    if table.is_parquet or len(table.columns) != 1:
        return ""
    found = [sep for sep in (*SEPARATORS, "|") if sep != table.sep and sep in table.columns[0]]
    if not found:
        return ""
    shown = {"\t": "tab"}.get(found[0], found[0])
    return (
        f" (the header was read as one column: its names seem separated by {shown!r}; "
        f"read it with --sep {shown!r}, or leave --sep out to detect it)"
    )


def model_features(table, feature_names):
    """``X`` (m, n) from the columns of ``table`` named ``feature_names``, in that order
    (the file's column order and any extra columns do not matter)."""
    model_columns(table, feature_names)
    return table.matrix(tuple(feature_names))


def model_columns(table, names, what=None):
    """``DataError`` unless every one of ``names`` is a column of ``table``: the feature
    columns of a model, or those that option ``what`` names."""
    absent = table.missing(names)
    if absent and what is not None:
        raise DataError(
            f"{what} names {_quoted(absent)}, not a column of {table.path}{meant(absent, table)}; "
            f"the columns are: {listed_names(table.columns)}"
        )
    if absent:
        raise DataError(
            f"{table.path} lacks the feature column(s) {_quoted(absent)} that the "
            f"model was trained on{meant(absent, table)}; the model needs: {listed_names(names)}"
        )


def _short(text):
    """``text`` cut to ``SHOWN`` characters for a message."""
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def listed_names(names):
    """Column names for a message or a line of output: as they are when printable, else quoted
    (never a raw newline), each cut to ``SHOWN`` characters."""
    return ", ".join(n if n.isprintable() else f"'{printable(n)}'" for n in map(_short, names))


def _quoted(names):
    return ", ".join(repr(_short(name)) for name in names)


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


def write_parquet(path, header, values):
    """Write ``header`` and the columns of ``values`` (m, c) to the Parquet file ``path``
    (atomically), one float64 column per name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = np.asarray(values, dtype=np.float64)  # (m, c)
    table = pa.table([values[:, j] for j in range(values.shape[1])], names=list(header))
    with atomic_open(path, "wb") as file:  # with page checksums, which the reader verifies
        pq.write_table(table, file, write_page_checksum=True)


def train_test_split(data, test_size, seed):
    """Shuffle the rows with ``numpy.random.default_rng(seed)`` and hold out a test split.

    The test split has ``ceil(test_size * m)`` rows; both splits need at least 2 rows (R² of a
    single row is undefined). Returns ``(train, test)``; ``test_size = 0`` returns
    ``(data, None)``: every row trains.
    """
    if not 0.0 <= test_size < 1.0:
        raise ConfigError(
            f"--test-size {test_size} must be at least 0 and below 1, e.g. 0.2 to hold out "
            f"a fifth of the rows, or 0 to train on every row"
        )
    m = data.n_samples
    m_test = math.ceil(test_size * m)
    if m - m_test < 2 or m_test == 1:
        raise DataError(
            f"{data.source} has {m} rows, too few for a test split of {test_size} "
            f"({m - m_test} to train, {m_test} to test); both need at least 2 rows: "
            f"add rows or change --test-size"
        )
    if m_test == 0:
        return data, None
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
