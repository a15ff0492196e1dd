"""Data files as untrusted input, round three: a separator pyarrow cannot take, a file name
that is not UTF-8, a binary file or a huge line read with bounded memory, Parquet dictionary
columns, and Parquet page checksums (what a flipped byte does, with and without them)."""

import os

import numpy as np
import pytest

from deltaprop import data
from deltaprop.cli import main
from deltaprop.data import read_dataset, read_table, write_parquet
from deltaprop.errors import DataError


@pytest.fixture
def xy(rng):
    X = rng.standard_normal((30, 2))  # (m, 2): columns a, y
    return X


def test_a_non_ascii_separator_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("aéy\n1é2\n")
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--sep", "é"]) == 2
    assert "--sep 'é' must be one ASCII character" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_name_that_is_not_utf8(tmp_path, xy, suffix):
    path = os.path.join(tmp_path, os.fsdecode(b"d\xff") + suffix)
    if suffix == ".csv":
        data.write_csv(path, ["a", "y"], xy)
    else:
        write_parquet(path, ["a", "y"], xy)
    got = read_dataset(path, ["y"])
    np.testing.assert_array_equal(np.hstack([got.X, got.y]), xy)


def test_a_file_of_nul_bytes_is_not_csv(tmp_path):
    (tmp_path / "z.csv").write_bytes(bytes(3000))
    with pytest.raises(DataError, match=r"z.csv holds NUL bytes: a binary file, not CSV text"):
        read_table(tmp_path / "z.csv")


@pytest.mark.parametrize("sep", [None, ","])
@pytest.mark.parametrize("content", [b"\0" * 70_000, b"a," * 35_000 + b"y\n1,2\n"])
def test_a_line_longer_than_max_line_is_refused_without_reading_it_whole(
    tmp_path, monkeypatch, sep, content
):
    """A 2 GB line (of NUL bytes, or a header) used to be read whole: a MemoryError. The line is
    read MAX_LINE characters at a time, here made small."""
    import tracemalloc

    monkeypatch.setattr(data, "MAX_LINE", 4096)
    (tmp_path / "big.csv").write_bytes(content)
    tracemalloc.start()
    with pytest.raises(DataError, match=r"big.csv has a line longer than 4,096 characters"):
        read_table(tmp_path / "big.csv", sep)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 4096 * 4 + 200_000  # a few lines' worth, not the file


def test_a_parquet_dictionary_column_is_read_as_its_values(tmp_path, xy):
    """A pandas category of number strings used to be called "not a finite number"."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = pa.array([repr(float(v)) for v in xy[:, 0]]).dictionary_encode()
    pq.write_table(pa.table({"a": text, "y": xy[:, 1]}), tmp_path / "d.parquet")
    got = read_dataset(tmp_path / "d.parquet", ["y"])
    np.testing.assert_array_equal(got.X[:, 0], xy[:, 0])
    bad = pa.array(["1.5", "x", "2"]).dictionary_encode()
    pq.write_table(pa.table({"a": bad, "y": [1.0, 2.0, 3.0]}), tmp_path / "b.parquet")
    with pytest.raises(DataError, match=r"column 'a', row 2 of .*b.parquet is 'x', not a number"):
        read_dataset(tmp_path / "b.parquet", ["y"])


def flip_every_byte(path, columns, expected):
    """``{outcome: count}`` over a flip of each byte of the file at ``path``: ``refused`` (a
    DataError), ``same`` or ``changed`` (the values read differ); anything else fails."""
    original = path.read_bytes()
    outcomes = {"refused": 0, "same": 0, "changed": 0}
    for i in range(len(original)):
        flipped = bytearray(original)
        flipped[i] ^= 0xFF
        path.write_bytes(flipped)
        try:
            values = read_table(path).matrix(columns)
        except DataError as err:
            assert "\n" not in str(err), i
            outcomes["refused"] += 1
            continue
        outcomes["same" if np.array_equal(values, expected) else "changed"] += 1
    path.write_bytes(original)
    return outcomes


def test_fuzz_parquet_with_page_checksums(tmp_path, xy):
    """deltaprop writes page checksums and verifies them: no flipped byte changes a value
    unnoticed (a flip in the footer's unused fields may leave the values the same)."""
    write_parquet(tmp_path / "d.parquet", ["a", "y"], xy)
    outcomes = flip_every_byte(tmp_path / "d.parquet", ("a", "y"), xy)
    assert outcomes["changed"] == 0 and outcomes["refused"] > 2 * outcomes["same"]


def test_fuzz_parquet_without_checksums_is_a_data_error_or_a_read(tmp_path, xy):
    """A file written without page checksums (pyarrow's default): a flip in a data page changes
    a value undetected (what Parquet cannot tell), but never ends in another error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"a": xy[:, 0], "y": xy[:, 1]}), tmp_path / "n.parquet")
    outcomes = flip_every_byte(tmp_path / "n.parquet", ("a", "y"), xy)
    assert outcomes["changed"] > 0 and outcomes["refused"] > 0


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_table_larger_than_memory_is_refused_before_it_is_read(tmp_path, monkeypatch, suffix):
    """Estimated before reading (Parquet: its footer; CSV: its size over the bytes of its
    first rows): 358 M rows used to make pyarrow abort the process (exit 134, no message)."""
    rng = np.random.default_rng(0)
    values = rng.standard_normal((20_000, 3))  # 60,000 values: 1.4 MB as 3 float64 copies
    path = tmp_path / f"big{suffix}"
    (data.write_parquet if suffix == ".parquet" else data.write_csv)(path, "abc", values)
    monkeypatch.setattr(data, "physical_memory", lambda: 2**20)
    with pytest.raises(DataError, match=r"big\.\w+ holds about (59|60),\d{3} values, about 0.0013"):
        data.read_table(path)
    monkeypatch.setattr(data, "physical_memory", lambda: 2**21)
    assert data.read_table(path).matrix(["a"]).shape == (20_000, 1)
