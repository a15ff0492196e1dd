"""Every example in README.md and docs/usage.md runs, and prints what the page shows.

``console`` blocks hold ``$ deltaprop …`` lines, each followed by its output; they run in order
in a scratch folder holding a copy of ``examples/``. A final ``...`` line stands for the rest
of the output. ``python`` blocks are executed; a ``print`` whose comment is ``# → text`` must
print ``text``. Numbers are compared to a tolerance (BLAS differs between machines); the
gradcheck table is compared without its numbers (round-off-level errors and their positions).
"""

import contextlib
import io
import math
import re
import shlex
import shutil
from pathlib import Path

import pytest

from deltaprop.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "docs" / "usage.md"]
NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(page, language):
    return [body for lang, body in FENCE.findall(page.read_text()) if lang == language]


def console_examples(page):
    """``[(command, expected output lines)]`` of every console block, in order."""
    examples = []
    for body in blocks(page, "console"):
        for line in body.splitlines():
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line)
    return examples


def skeleton(line):
    return " ".join(NUMBER.sub("#", line).split())


def numbers(line):
    return [float(n.replace("−", "-")) for n in NUMBER.findall(line)]


def assert_same_lines(actual, expected, what, compare_numbers=True):
    if expected and expected[-1] == "...":
        expected, actual = expected[:-1], actual[: len(expected) - 1]
    assert len(actual) == len(expected), f"{what}: got\n" + "\n".join(actual)
    for got, want in zip(actual, expected, strict=True):
        assert skeleton(got) == skeleton(want), f"{what}:\n got  {got}\n want {want}"
        if compare_numbers:
            for a, b in zip(numbers(got), numbers(want), strict=True):
                assert math.isclose(a, b, rel_tol=0.02, abs_tol=0.01), f"{what}: {got} vs {want}"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_console_examples_print_what_the_page_shows(page, scratch, capsys):
    examples = console_examples(page)
    assert examples, f"no console examples in {page.name}"
    for command, expected in examples:
        argv = shlex.split(command)
        assert argv[0] == "deltaprop", command
        main(argv[1:])
        captured = capsys.readouterr()
        actual = (captured.out + captured.err).splitlines()
        assert_same_lines(actual, expected, command, compare_numbers=argv[1] != "gradcheck")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_examples_run_and_print_what_the_page_shows(page, scratch):
    for code in blocks(page, "python"):
        expected = re.findall(r"^\s*print\(.*# → (.*)$", code, re.MULTILINE)
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            exec(compile(code, str(page), "exec"), {"__name__": "__doc_example__"})
        assert_same_lines(stdout.getvalue().splitlines(), expected, f"python in {page.name}")


def test_examples_csv_is_the_bundled_data():
    from deltaprop.data import load_default, read_dataset

    bundled = load_default()
    shipped = read_dataset(ROOT / "examples" / "diabetes.csv", ["progression"])
    assert shipped.X.tolist() == bundled.X.tolist() and shipped.y.tolist() == bundled.y.tolist()
    assert shipped.feature_names == bundled.feature_names


def test_format_versions_in_the_docs_are_the_current_one():
    """Every "format version N" that an example prints is the version files are written in
    (checked here without running the examples, so also where torch is missing)."""
    from deltaprop.io import FORMAT_VERSION

    pages = [*PAGES, ROOT / "docs" / "interop.md"]
    found = [
        int(v) for page in pages for v in re.findall(r"format version (\d+)\)", page.read_text())
    ]
    assert found and set(found) == {FORMAT_VERSION}


def test_readme_prose_quotes_the_r2_its_example_prints():
    text = (ROOT / "README.md").read_text()
    quoted = float(re.search(r"on the fixed split \(seed 0\) it reaches R² (\d\.\d+)", text)[1])
    printed = float(re.search(r"^  progression +(\d\.\d+) ", text, re.MULTILINE)[1])
    assert quoted == round(printed, 3)
