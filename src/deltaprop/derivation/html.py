"""``explain --format html``: the derivation as one self-contained page.

The math is MathML written here from the equation trees (``notation.to_mathml``), so the page
needs no network and no script to show it; the network is drawn as inline SVG. A short inline
script only records in ``<body data-…>`` how many formulas were laid out and how wide they are,
which the tests read back from a headless browser.
"""

from html import escape

import numpy as np

from deltaprop.derivation.notation import to_mathml
from deltaprop.derivation.render import (
    header_text,
    number,
    sections,
    shapes_text,
    summary_text,
    verified_text,
)
from deltaprop.derivation.shapes import shape_text

STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; line-height: 1.4; }
math[display=block] { font-size: 1.2em; margin: 0.6em 0 0.2em; }
.shapes, .check { margin: 0 0 0 2em; color: #444; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th { background: #f4f4f4; }
pre { background: #f8f8f8; padding: 0.8em; }
"""
MEASURE = """
<script>
const box = [...document.querySelectorAll("math")].map((m) => m.getBoundingClientRect());
document.body.dataset.maths = box.length;
document.body.dataset.mathWidth = Math.round(box.reduce((s, r) => s + r.width, 0));
document.body.dataset.mathHeight = Math.round(box.reduce((s, r) => s + r.height, 0));
</script>
"""
MAX_UNITS = 8  # units drawn per layer; wider layers show the first ones and a "⋮"


def derivation_html(d):
    """The whole page for the :class:`~deltaprop.derivation.explain.Derivation` ``d``."""
    title = escape(header_text(d))
    notation = [(s, m, shape_text(g), shape_text(c)) for s, m, g, c in d.notation]
    body = [f"<h1>{title}</h1>", network_svg(d.sizes), "<h2>Notation</h2>"]
    body.append(_table(notation, head=("symbol", "meaning", "shape", "here")))
    for heading, notes, rows, lines in sections(d):
        body.append(f"<h2>{escape(heading)}</h2>")
        body += [f"<pre>{escape(text)}</pre>" for text in notes + rows]
        body += [_equation(line) for line in lines]
    body += ["<h2>Worked example</h2>", _worked_example(d), f"<p>{escape(summary_text(d))}</p>"]
    head = f'<meta charset="utf-8"><title>{title}</title><style>{STYLE}</style>'
    page = [f'<!DOCTYPE html>\n<html lang="en"><head>{head}</head><body>', *body, MEASURE]
    return "\n".join(page) + "</body></html>\n"


def _equation(line):
    lhs, rhs = to_mathml(line.equation.lhs), to_mathml(line.equation.rhs)
    where = f" <span>[{escape(line.where)}]</span>" if line.where else ""
    math = f'<math display="block"><mrow>{lhs}<mo>=</mo>{rhs}</mrow></math>'
    shapes = f'<p class="shapes">{escape(shapes_text(line))}{where}</p>'
    return f'<div class="eq">{math}{shapes}<p class="check">{escape(verified_text(line))}</p></div>'


def _table(body, head=()):
    """A <table> of the text cells of ``body``, under a row of the column titles ``head``."""
    rows = [[f"<th>{title}</th>" for title in head]] if head else []
    rows += [[f"<td>{escape(cell)}</td>" for cell in row] for row in body]
    return "<table>" + "".join(f"<tr>{''.join(row)}</tr>" for row in rows) + "</table>"


def _worked_example(d):
    """The numbers of Θ, b, x, y, then of every line, to redo the derivation by hand."""
    out = ["<p>The random network and sample every line was computed on:</p>"]
    out += [_matrix(name, value) for name, value in d.parameters.items()]
    out.append("<p>and the value of each line:</p>")
    out += [_matrix(f"{line.lhs}", line.value) for line in d.lines if line.section != "question"]
    return "\n".join(out)


def _matrix(name, value):
    value = np.atleast_2d(np.asarray(value, dtype=float))
    return f"<p>{escape(name)} =</p>" + _table([map(number, row) for row in value])


def network_svg(sizes):
    """The network as SVG: one column of units per layer, labelled with its width n_l."""
    gap, height = 140, 60 + 40 * min(max(sizes), MAX_UNITS)
    width = 140 + gap * (len(sizes) - 1)
    columns = [_units(n, 70 + gap * k, height) for k, n in enumerate(sizes)]
    edges = [
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#bbb"/>'
        for left, right in zip(columns, columns[1:], strict=False)
        for x1, y1 in left
        for x2, y2 in right
    ]
    units = [
        f'<circle cx="{x}" cy="{y}" r="12" fill="#fff" stroke="#333"/>'
        for column in columns
        for x, y in column
    ]
    labels = [
        f'<text x="{70 + gap * k}" y="{height - 8}" text-anchor="middle">'
        f"layer {k + 1}: n = {n}{' ⋮' if n > MAX_UNITS else ''}</text>"
        for k, n in enumerate(sizes)
    ]
    parts = "".join(edges + units + labels)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="the network, layer by layer">{parts}</svg>'
    )


def _units(n, x, height):
    shown = min(n, MAX_UNITS)
    top = (height - 30 - 40 * shown) / 2 + 20
    return [(x, round(top + 40 * j)) for j in range(shown)]
