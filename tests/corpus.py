"""The notation corpora (tests/data/notation_corpus*.tsv): one equation a row, tab-separated
source, notation, activation, sizes, expected verdict, equation; '#' lines are comments."""

from deltaprop.derivation import check


def read_rows(*paths):
    """The rows of the corpora at ``paths``, in order: lists of the six fields."""
    return [
        line.split("\t")
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def run(row, notation=None):
    """(check's result on the row's equation, the expected verdict); ``notation`` overrides
    the row's."""
    source, named, activation, sizes, expected, equation = row
    sizes = tuple(int(n) for n in sizes.split(",")) if sizes else None
    return check(equation, sizes, activation, notation=notation or named), expected


def assert_verdict(row):
    """The row's expected verdict, and a wrong equation never accepted (said first)."""
    result, expected = run(row)
    if expected == "wrong":
        assert result.verdict != "correct", result.to_text()
    assert result.verdict == expected, result.to_text()
