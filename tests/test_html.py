"""explain --format html: one self-contained page, its math laid out by a real browser."""

import re
import shutil
import subprocess

import pytest

from deltaprop.cli import main
from deltaprop.derivation import explain
from deltaprop.derivation.render import number

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def page(sizes=(3, 5, 4, 1), **kwargs):
    derivation = explain(sizes, example=True, **kwargs)
    return derivation, derivation.to_html()


def test_the_page_is_self_contained_and_has_every_equation_and_number():
    derivation, html = page()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<title>Backpropagation for sizes 3-5-4-1 (L = 4)" in html
    assert not re.search(r"<link|\bsrc=|https?://(?!www\.w3\.org/2000/svg)", html)
    assert html.count("<math") == len(derivation.lines) + len(derivation.forms)
    assert html.count("<circle") == 3 + 5 + 4 + 1 and "layer 2: n = 5" in html
    theta = derivation.parameters["Θ^(1)"]
    assert f"<td>{number(theta[0, 0])}</td>" in html and "<p>x =</p>" in html
    assert "Why a matrix product and not ⊙" in html and "<msup><mi>δ</mi>" in html


def test_wide_layers_are_drawn_with_an_ellipsis_and_batches_render():
    _, html = page((2, 20, 1), batch=3)
    assert html.count("<circle") == 2 + 8 + 1 and "n = 20 ⋮" in html
    assert "<p>X =</p>" in html


def test_cli_writes_html(capsys):
    assert main(["explain", "--sizes", "2,3,1", "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert out.count("<math") > 10 and "Worked example" in out


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium package (headless)")
def test_a_headless_browser_lays_out_the_math_without_errors(tmp_path):
    derivation, html = page()
    path = tmp_path / "derivation.html"
    path.write_text(html, encoding="utf-8")
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    body = re.search(r"<body([^>]*)>", run.stdout).group(1)
    found = dict(re.findall(r'data-([a-z-]+)="(\d+)"', body))
    count = len(derivation.lines) + len(derivation.forms)
    assert int(found["maths"]) == count
    assert int(found["math-width"]) > 50 * count and int(found["math-height"]) > 10 * count
    assert "Uncaught" not in run.stderr
