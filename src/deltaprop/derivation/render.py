"""Text, Markdown, LaTeX and JSON for the derivation and for the checker's verdicts."""

import json
import math
import textwrap

import numpy as np

from deltaprop.derivation import notations
from deltaprop.derivation.notation import to_latex
from deltaprop.derivation.shapes import as_column, shape_json, shape_text

TRAP_NOTE = (
    "NumPy broadcasting trap: in NumPy, `*` does not fail where ⊙ is undefined; it broadcasts.\n"
    "With a single output unit (n_{l+1} = 1), `Theta.T * delta` gives exactly the numbers of\n"
    "`Theta.T @ delta`, so an element-wise product where a matrix product belongs passes\n"
    "unnoticed in single-output regression and shows only at layers where n_{l+1} > 1."
)
DIGITS = 4  # significant digits of every value printed for people


def number(x, digits=DIGITS):
    """``x`` with ``digits`` significant digits, in scientific notation when it is very large
    or very small: ``0.5909``, ``-12.35``, ``1.235e+07``, ``3.000e-05``, ``nan``."""
    x = float(x)
    if x == 0:
        return "0"
    if not np.isfinite(x):
        return f"{x:g}"
    x = float(f"{x:.{digits - 1}e}")  # rounded first: 0.99999 is 1.0, not 1.00
    if 1e-3 <= abs(x) < 1e5:
        decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
        return f"{x:.{decimals}f}"
    return f"{x:.{digits - 1}e}"


def rel_text(error):
    """A relative error with two significant digits: ``4.2e-12``, ``6.0e+00``, ``inf``."""
    return f"{error:.1e}"


def check_text(result):
    """The verdict of a :class:`~deltaprop.derivation.check.CheckResult` as plain text."""
    lines = [f"equation: {result.equation}", f"sizes:    {result.sizes_said()}"]
    if result.notation != "question":
        lines.append(f"notation: {notations.title(result.notation)}")
    lines += [f"  {note}" for note in result.notes]
    if result.verdict == "unparseable":
        return "\n".join([*lines, "verdict:  UNPARSEABLE", result.message])
    lines.append(f"verdict:  {_headline(result)}")
    if result.span is not None and result.verdict != "correct":  # carets under the span
        start, end = result.span
        lines += [f"  {result.equation}", f"  {' ' * start}{'^' * max(1, end - start)}"]
    if result.message and result.verdict != "correct":
        lines.append(f"  {result.message}")
    concrete = (result.failure or {}).get("concrete")
    if concrete:
        where = notations.binding_said(concrete["binding"], result.notation, result.equation)
        lines.append(f"  with these sizes ({where}): {concrete['message']}")
    if result.suggestion:
        lines.append(f"  did you mean {result.suggestion}?")
    if result.corrected:
        lines.append(f"  corrected: {result.corrected}   (checks correct)")
    lines += [f"  hint: {hint}" for hint in result.hints]
    lines += _layer_lines(result)
    lines += _trap_lines(result)
    return "\n".join(lines)


def _headline(result):
    if result.verdict == "correct" and result.rel_error is None:
        return f"CORRECT ({result.message})"
    if result.verdict == "correct":
        return f"CORRECT (relative error {rel_text(result.rel_error)} against the backward pass)"
    if result.verdict == "defined":
        return f"DEFINED ({result.message}; give 'LHS = RHS' or --for to check its value)"
    if result.verdict == "unsupported":
        return "CANNOT CHECK"
    reasons = {
        "dimension": "dimension error",
        "shape": "the two sides differ in shape",
        "range": "a symbol outside its layers",
        "value": "wrong value",
        "step": "a wrong step",
    }
    return f"WRONG: {reasons[result.reason]}"


def _layer_lines(result):
    if len(result.layers) < 2:
        return []
    notation, text = result.notation, result.equation
    rows = [
        f"{notations.layer_said(None, l, notation, text)}: {rel_text(e)}" for l, e in result.layers
    ]
    return ["  per layer: " + ", ".join(rows)]


def _trap_lines(result):
    if not result.trap:
        return []
    sizes = ",".join(map(str, result.trap_sizes))
    rows = [f"    layer {layer}: {status} — {detail}" for layer, status, detail in result.trap]
    return [TRAP_NOTE, f"  with NumPy's `*` for ⊙, sizes {sizes}:", *rows]


# ---------------------------------------------------------------- the derivation

WHY_MATRIX_PRODUCT = (
    "The chain rule for one entry: z^(l+1)_k = Σ_j Θ^(l)_kj a^(l)_j + b^(l+1)_k depends on\n"
    "a^(l)_j through every unit k of layer l+1, so ∂J/∂z^(l)_j sums over k:\n"
    "  δ^(l)_j = Σ_k ∂J/∂z^(l+1)_k · ∂z^(l+1)_k/∂a^(l)_j · ∂a^(l)_j/∂z^(l)_j\n"
    "          = Σ_k δ^(l+1)_k Θ^(l)_kj φ'(z^(l)_j)\n"
    "          = [(Θ^(l))ᵀ δ^(l+1)]_j · φ'(z^(l)_j)\n"
    "The sum over k is the matrix product (Θ^(l))ᵀ δ^(l+1); φ'(z^(l)_j) has the same index j\n"
    "as the result, so it multiplies entry by entry: that is the only ⊙. Likewise\n"
    "∂J/∂Θ^(l)_jk = δ^(l+1)_j a^(l)_k for every pair (j, k): the outer product δ^(l+1) (a^(l))ᵀ,\n"
    "an (n_{l+1} × 1)(1 × n_l) matrix product, never δ^(l+1) ⊙ (a^(l))ᵀ."
)
FORMS_NOTE = (
    "The Diag(φ') form writes φ' as a diagonal matrix P_l = Diag(φ'(z^(l))), so ⊙ disappears:\n"
    "δ^(l) = P_l (Θ^(l))ᵀ δ^(l+1) and G_l = δ^(l+1) (a^(l))ᵀ. The VJP form reads the same\n"
    "step as a vector-Jacobian product (δ^(l))ᵀ = (δ^(l+1))ᵀ ∂z^(l+1)/∂z^(l) with the Jacobian\n"
    "∂z^(l+1)/∂z^(l) = Θ^(l) P_l; backprop never forms the Jacobian, it applies it."
)
BATCHED_TITLE = "Batched over m samples (the columns of A^(l); --batch M verifies these)"
SECTIONS = (
    ("question", "The student's two derivations, corrected (general L, per sample)"),
    ("forward", "Forward pass"),
    ("cost", "Cost"),
    ("backward", "Backward pass"),
)


def sections(d):
    """``[(title, notes, rows, lines)]``: the sections of the derivation ``d`` after its
    notation, in print order, the same in text, Markdown and HTML; each shows its notes
    (preformatted text), then its rows (the batched forms, as text), then its lines."""
    out = []
    for key, title in SECTIONS:
        lines = [x for x in d.lines if x.section == key]
        out += [(title, [], [], lines)] if lines else []  # the question's: per sample only
    if d.batched:
        out.append((BATCHED_TITLE, [], [_batched_row(row) for row in d.batched], []))
    why = [WHY_MATRIX_PRODUCT] + ([_chain_text(d.chain)] if d.chain else [])
    out.append(("Why a matrix product and not ⊙", why, [], []))
    if d.forms:
        out.append(("The answers' forms give the same numbers", [FORMS_NOTE], [], d.forms))
    return out


def header_text(d):
    sizes = "-".join(map(str, d.sizes))
    samples = f"a batch of m = {d.batch} samples (columns)" if d.batch else "one sample (m = 1)"
    return (
        f"Backpropagation for sizes {sizes} (L = {len(d.sizes)}), φ = {d.activation}, "
        f"{d.loss} loss, {samples}, form: {d.form}"
    )


def shapes_text(line):
    operands = ", ".join(f"{text}: {shape_text(shape)}" for text, shape in line.operand_shapes)
    result = shape_text(line.shape)
    if line.param_shape is not None:
        result += f" = shape of {line.param} ✓"
    return f"{operands}  →  {result}" if operands else result


def verified_text(line):
    return f"rel. error {rel_text(line.rel_error)} ({line.verified_by})"


def derivation_text(d):
    out = [header_text(d), "", "Notation (Ng's; layer 1 is the input, layer L the output)"]
    out += [f"  {s:<12} {m:<34} {shape_text(g)} = {shape_text(c)}" for s, m, g, c in d.notation]
    for title, notes, rows, lines in sections(d):
        out += ["", title, *(textwrap.indent(note, "  ") for note in notes)]
        out += [f"  {row}" for row in rows]
        for line in lines:
            out += _text_line(line, d.example)
    out += ["", summary_text(d)]
    return "\n".join(out)


def _batched_row(row):
    lhs, rhs, layers, shape = row
    where = f"   [{layers}]" if layers else ""
    return f"{lhs} = {rhs}{where}  →  {shape_text(shape)}"


def _text_line(line, example):
    where = f"   [{line.where}]" if line.where else ""
    out = [f"  {line.lhs} = {line.rhs}{where}", f"      {shapes_text(line)}; {verified_text(line)}"]
    if line.same_as_hadamard is not None:
        out[-1] += f"; max |difference| from the ⊙ form {rel_text(line.same_as_hadamard)}"
    if example:  # = and the value, a number (J) or an array, its entries written by number
        value = np.asarray(line.value, dtype=float)
        shown = np.array2string(value, prefix="= ", max_line_width=90, formatter={"float": number})
        out.append(textwrap.indent("= " + shown, " " * 6))
    return out


def _chain_text(chain):
    l, terms = chain["l"], chain["terms"]
    written = " + ".join(f"({number(t)})" for t in terms)
    return (
        f"For this network, l = {l}, j = 1: Σ_k δ^({l + 1})_k Θ^({l})_k1 φ'(z^({l})_1) = "
        f"{written} = {number(chain['sum'])},\nand [(Θ^({l}))ᵀ δ^({l + 1}) ⊙ φ'(z^({l}))]_1 = "
        f"{number(chain['entry'])}."
    )


def summary_text(d):
    count = len(d.lines) + len(d.forms)
    text = (
        f"Verification in float64 on a seeded random network and sample: all {count} lines\n"
        f"checked, the backward ones against central differences of J (h = {d.step:g}); "
        f"max relative error {rel_text(d.max_rel_error)}."
    )
    if not d.ok:
        text += "\nVERIFICATION FAILED: a line's relative error exceeds 1e-06 (or is not finite)."
    return text


def derivation_markdown(d):
    out = [f"**{header_text(d)}**", "", "| symbol | meaning | shape |", "|---|---|---|"]
    out += [f"| {s} | {m} | {shape_text(g)} = {shape_text(c)} |" for s, m, g, c in d.notation]
    for title, notes, rows, lines in sections(d):
        out += ["", f"### {title}", "", *(f"```\n{note}\n```" for note in notes)]
        out += [f"- `{row}`" for row in rows]
        if lines:
            out += [*TABLE_HEAD, *map(_markdown_row, lines)]
    out += ["", summary_text(d)]
    return "\n".join(out)


TABLE_HEAD = ("| equation | shapes | check |", "|---|---|---|")


def _markdown_row(line):
    where = f" ({line.where})" if line.where else ""
    return f"| `{line.lhs} = {line.rhs}`{where} | {shapes_text(line)} | {verified_text(line)} |"


def derivation_latex(d):
    out = [f"% {header_text(d)}", r"\begin{align*}"]
    for line in d.lines + d.forms:
        lhs, rhs = map(to_latex, line.equation)
        if line.shape is not None:  # J is a scalar; the others lie in a space ℝ^{…}
            space = shape_text(line.shape, times=r"\times", minus="-")
            rhs += f" && \\in \\mathbb{{R}}^{{{space}}}"
        out.append(f"  {lhs} &= {rhs} \\\\")
    return "\n".join([*out, r"\end{align*}"])


def derivation_json(d):
    """``{"header": …, "lines": […]}``: the architecture and the worst verification error,
    then one object per line, its value (with ``example``) shaped as its ``shape``."""
    header = {key: getattr(d, key) for key in ("sizes", "activation", "loss", "alpha", "batch")}
    header |= {"form": d.form, "max_rel_error": _json_number(d.max_rel_error), "verified": d.ok}
    rows = [_json_row(line, d.example) for line in d.lines + d.forms]
    return json.dumps({"header": header, "lines": rows}, indent=2, ensure_ascii=False)


def _json_row(line, example):
    row = {key: getattr(line, key) for key in ("key", "section", "layer", "lhs", "rhs")}
    row["operand_shapes"] = [shape_json(shape) for _, shape in line.operand_shapes]
    row["operands"] = [text for text, _ in line.operand_shapes]
    row |= {"shape": shape_json(line.shape), "rel_error": _json_number(line.rel_error)}
    row["verified_by"] = line.verified_by
    if example:
        value = as_column(line.value)  # ∂J/∂b^(l): an n_l × 1 column
        row["value"] = np.where(np.isfinite(value), value, None).tolist()
    return row


def _json_number(x):
    """``x`` as a JSON number; None (null) for NaN and inf, which JSON cannot hold."""
    return float(x) if math.isfinite(x) else None
