"""``explain``: shapes equal the real arrays, every line verifies, generated from the records."""

import html
import importlib
import json
import re
from dataclasses import replace

import numpy as np
import pytest

import deltaprop
from deltaprop import equations as eq
from deltaprop.cli import main
from deltaprop.derivation import explain
from deltaprop.derivation.explain import FORMS, layer_indices, without_alpha
from deltaprop.derivation.notation import bind_layers, parse_expression, to_text
from deltaprop.derivation.render import number
from deltaprop.derivation.shapes import as_column
from deltaprop.errors import ConfigError
from deltaprop.losses import Loss
from deltaprop.network import Network

ARCHITECTURES = [(3, 5, 4, 2), (2, 1), (4, 3, 1), (1, 6, 2, 5, 3), (3, 3, 3)]
RECORDS = {record.key: record for record in eq.EQUATIONS}
explain_module = importlib.import_module("deltaprop.derivation.explain")


def random_architectures(count=6, seed=7):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 6, size=count)
    return [tuple(int(n) for n in rng.integers(1, 7, size=k)) for k in lengths]


def real_shapes(sizes, m):
    """Shapes of the real arrays of a Network's forward and backward passes, by symbol text."""
    net = Network(sizes, "tanh", rng=np.random.default_rng(0))
    X, Y = np.ones((sizes[0], m)), np.ones((sizes[-1], m))
    cache = net.forward(X)
    _, grad = net.loss_and_grad(X, Y)
    small = m == 1
    a, z, d = ("a", "z", "δ") if small else ("A", "Z", "Δ")
    shapes = {
        "x" if small else "X": X.shape,
        "y" if small else "Y": Y.shape,
        "1": (m, 1),
        "1ᵀ": (1, m),
    }
    for l, theta in net.theta.items():
        shapes |= {
            f"Θ^({l})": theta.shape,
            f"(Θ^({l}))ᵀ": theta.T.shape,
            f"∂J/∂Θ^({l})": grad.theta[l].shape,
        }
    for l in range(1, len(sizes) + 1):
        shapes |= {f"{a}^({l})": cache.a[l].shape, f"({a}^({l}))ᵀ": cache.a[l].T.shape}
    for l in range(2, len(sizes) + 1):
        column = cache.z[l].shape
        shapes |= {
            f"b^({l})": (sizes[l - 1], 1),
            f"{z}^({l})": column,
            f"φ({z}^({l}))": column,
            f"φ'({z}^({l}))": column,
            f"{d}^({l})": column,
            f"∂J/∂b^({l})": as_column(grad.b[l]).shape,
        }
    return shapes


@pytest.mark.parametrize("sizes", ARCHITECTURES + random_architectures())
@pytest.mark.parametrize("batch", [None, 3])
def test_reported_shapes_equal_the_shapes_of_the_real_arrays(sizes, batch):
    derivation = explain(sizes, batch=batch)
    real = real_shapes(sizes, batch or 1)
    for line in (x for x in derivation.lines if x.section in ("forward", "backward")):
        assert line.shape == as_column(line.value).shape, line
        if line.lhs in real:
            assert line.shape == real[line.lhs], line
        for text, shape in line.operand_shapes:
            assert shape == real[text], (line.lhs, text)
        if line.param_shape is not None:
            assert line.shape == line.param_shape == real[line.lhs]


@pytest.mark.parametrize("sizes", ARCHITECTURES)
@pytest.mark.parametrize("activation", list(deltaprop.ACTIVATIONS))
def test_every_explained_equation_verifies_below_1e_7(sizes, activation):
    derivation = explain(sizes, activation)
    assert derivation.max_rel_error < 1e-7
    by_differences = [x for x in derivation.lines if x.verified_by == "central differences"]
    backward = [x for x in derivation.lines if x.section == "backward"]
    assert len(by_differences) >= len(backward) > 0


@pytest.mark.parametrize("form", ["hadamard", "diag", "vjp", "seed"])
def test_each_form_verifies_and_matches_the_hadamard_form(form):
    derivation = explain((3, 5, 4, 2), "sigmoid", form=form)
    assert derivation.max_rel_error < 1e-7
    for line in derivation.forms:
        if line.key in ("diag", "vjp"):
            assert line.same_as_hadamard < 1e-14


def test_the_forms_are_compared_with_the_hadamard_form_whatever_form_prints():
    # δ^(l) of the forms section is the ⊙ form's, not the printed form's own δ
    same = [[x.same_as_hadamard for x in explain((3, 5, 4, 1), form=f).forms] for f in FORMS]
    assert same[1] == same[2] == same[0]


def test_a_block_of_more_than_60_entries_is_verified_on_60_of_them():
    derivation = explain((70, 3, 2))  # Θ^(1): 3 × 70 entries, checked on 60 drawn at random
    grad = next(x for x in derivation.lines if x.key == "grad_theta" and x.layer == 1)
    assert grad.verified_by == "central differences" and derivation.ok


def test_batched_with_regularization_and_huber_verify():
    assert explain((4, 6, 3), "relu", batch=5, alpha=0.3).max_rel_error < 1e-7
    assert explain((4, 6, 3), "elu", batch=4, loss="huber").max_rel_error < 1e-7


def test_verification_catches_a_wrong_equation_function(monkeypatch):
    def hadamard_free(theta, delta_next, dphi_z, out=None):  # missing φ'(z^(l))
        return theta.T @ delta_next

    wrong = replace(RECORDS["delta_hidden"], function=hadamard_free)
    monkeypatch.setitem(explain_module.RECORDS, "delta_hidden", wrong)
    assert explain((3, 5, 4, 2)).max_rel_error > 1e-3


def test_lines_are_generated_from_the_equation_records():
    derivation = explain((3, 5, 4, 2))
    lines = [x for x in derivation.lines if x.section != "question"]
    assert {x.key for x in lines} == set(RECORDS)
    for line in lines:
        record, indices = RECORDS[line.key], layer_indices(line.layer, 4)
        rhs = without_alpha(bind_layers(parse_expression(record.rhs), indices))  # α = 0
        assert line.rhs == to_text(rhs)
        assert line.lhs == to_text(bind_layers(parse_expression(record.lhs), indices))
    z = next(x for x in lines if x.key == "z" and x.layer == 3)
    assert (z.lhs, z.rhs) == ("z^(3)", "Θ^(2) a^(2) + b^(3)")


def test_the_student_derivations_appear_corrected_in_general_notation():
    derivation = explain((3, 5, 4, 1))
    general = {x.lhs: x for x in derivation.lines if x.section == "question"}
    assert general["∂J/∂Θ^(L−1)"].rhs == "δ^(L) (a^(L−1))ᵀ"
    assert general["δ^(L−1)"].rhs == "(Θ^(L−1))ᵀ δ^(L) ⊙ φ'(z^(L−1))"
    assert general["∂J/∂Θ^(L−2)"].rhs == "δ^(L−1) (a^(L−2))ᵀ"
    shapes = [(t, tuple(map(str, s))) for t, s in general["δ^(L−1)"].operand_shapes]
    assert shapes == [
        ("(Θ^(L−1))ᵀ", ("n_{L−1}", "n_L")),
        ("δ^(L)", ("n_L", "1")),
        ("φ'(z^(L−1))", ("n_{L−1}", "1")),
    ]
    assert "δ^(L−1) = (Θ^(L−1))ᵀ δ^(L) ⊙ φ'(z^(L−1))" in derivation.to_text()


def test_chain_rule_sum_equals_the_matrix_product_entry():
    chain = explain((3, 5, 4, 2)).chain
    assert len(chain["terms"]) == 2  # k runs over n_{l+1} = n_4 = 2 units
    assert chain["sum"] == pytest.approx(chain["entry"], rel=1e-12)


def test_renderings():
    derivation = deltaprop.explain((3, 4, 2), example=True)
    text = str(derivation)
    assert "Why a matrix product and not ⊙" in text and "= [[" in text
    markdown = derivation._repr_markdown_()
    assert "| symbol | meaning | shape |" in markdown
    latex = derivation._repr_latex_()
    body = latex.split(r"\begin{align*}")[1]
    assert body.isascii()
    assert r"\left(\Theta^{(2)}\right)^\top \delta^{(3)} \odot" in body
    rows = json.loads(derivation.to_json())["lines"]
    row = next(r for r in rows if r["lhs"] == "δ^(2)" and r["section"] == "backward")
    assert row["rhs"] == "(Θ^(2))ᵀ δ^(3) ⊙ φ'(z^(2))"
    assert row["operand_shapes"] == [[4, 2], [2, 1], [4, 1]] and row["shape"] == [4, 1]
    assert row["rel_error"] < 1e-7 and np.shape(row["value"]) == (4, 1)


def test_every_format_shows_the_chain_rule_sum_and_the_batched_forms():
    derivation = explain((3, 5, 4, 2))
    chain = derivation.chain
    sums = [
        "Σ_k δ^(4)_k Θ^(3)_k1 φ'(z^(3)_1) = ",
        f" = {number(chain['sum'])},",
        f"[(Θ^(3))ᵀ δ^(4) ⊙ φ'(z^(3))]_1 = {number(chain['entry'])}.",
    ]
    batched = [f"{lhs} = {rhs}" for lhs, rhs, _, _ in derivation.batched]
    assert "Δ^(l) = (Θ^(l))ᵀ Δ^(l+1) ⊙ φ'(Z^(l))" in batched
    for shown in (
        derivation.to_text(),
        derivation.to_markdown(),
        html.unescape(derivation.to_html()),
    ):
        assert "Batched over m samples" in shown and all(row in shown for row in batched)
        assert all(part in shown for part in sums)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"form": "jacobian"}, "form='jacobian' is not known"),
        ({"batch": 0}, "batch=0 must be a positive integer"),
        ({"alpha": 0.1}, "add --batch M"),
        ({"batch": 3, "form": "diag"}, "per sample"),
        ({"activation": "swish"}, "activation='swish' is not known"),
    ],
)
def test_bad_options_are_one_line_config_errors(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        explain((3, 4, 2), **kwargs)


def test_no_word_of_the_project_history_in_the_output_or_help(capsys):
    text = explain((3, 4, 2)).to_text() + explain((3, 4, 2), batch=2).to_markdown()
    assert main(["explain", "--help"]) == 0
    text += capsys.readouterr().out
    assert "seed" not in re.sub(r"--seed|random seed|seeded", "", text).lower()
    assert "greg" not in text.lower()
    assert "form: hadamard" in explain((3, 2), form="seed").to_text()  # the old name


def test_cli(capsys):
    assert main(["explain", "--sizes", "3,5,4,2", "--format", "json", "--batch", "4"]) == 0
    rows = json.loads(capsys.readouterr().out)["lines"]
    assert all(r["rel_error"] < 1e-7 for r in rows)
    assert main(["explain", "--sizes", "3,5,4,2", "--form", "diag"]) == 0
    assert "δ^(3) = P_3 (Θ^(3))ᵀ δ^(4)" in capsys.readouterr().out
    assert main(["explain", "--sizes", "3,x"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_per_sample_output_lists_every_batched_form_with_its_shape():
    rows = {
        lhs: (rhs, str(shape[0]), str(shape[1])) if shape else (rhs,)
        for lhs, rhs, _, shape in explain((3, 4, 2)).batched
    }
    assert len(rows) == len(eq.EQUATIONS)
    assert rows["Δ^(l)"] == ("(Θ^(l))ᵀ Δ^(l+1) ⊙ φ'(Z^(l))", "n_l", "m")
    assert rows["∂J/∂Θ^(l)"] == ("(1/m) (Δ^(l+1) (A^(l))ᵀ + α Θ^(l))", "n_{l+1}", "n_l")
    assert explain((3, 4, 2), batch=2).batched == []


def test_huber_prints_its_own_cost_and_clipped_delta_and_verifies_them():
    derivation = explain((3, 4, 2), loss="huber")
    text = derivation.to_text()
    assert "δ^(3) = clip(a^(3) − y, −1, 1)" in text
    assert "J = (1/m) Σ_i ℓ(a^(3) − y^(i))   [ℓ(r) sums" in text
    assert "ℓ(r) sums Piecewise((r**2/2, Abs(r) <= 1.0)" in text
    assert "½‖a^(3) − y^(i)‖²" not in text and "  Δ^(L) = clip(A^(L) − Y, −1, 1)" in text
    assert derivation.ok and derivation.max_rel_error < 1e-7
    batched = explain((3, 4, 2), loss="huber", batch=3)
    assert "Δ^(3) = clip(A^(3) − Y, −1, 1)" in batched.to_text()
    assert r"\operatorname{clip}\left(A^{(3)} - Y, -1, 1\right)" in batched.to_latex()


def exp_loss(delta_text):
    """A loss record that no module defines: ℓ(r) = exp(r) − r, δ^(L) = exp(a − y) − 1."""
    return Loss(
        "exponential",
        lambda a, y: float(np.sum(np.exp(a - y) - (a - y))),
        lambda a, y, out=None: np.subtract(np.exp(a - y), 1, out=out),
        "exp(r) - r",
        delta_text,
    )


def test_a_new_loss_record_renders_and_its_printed_delta_is_verified():
    derivation = explain((2, 3, 2), loss=exp_loss("exp(a^(L) − y) − 1"))
    assert "δ^(3) = exp(a^(3) − y) − 1" in derivation.to_text()
    assert derivation.ok
    wrong_text = explain((2, 3, 2), loss=exp_loss("exp(a^(L) − y)"))  # the text disagrees
    assert not wrong_text.ok and "VERIFICATION FAILED" in wrong_text.to_text()


def test_a_nan_never_passes_the_verification(monkeypatch, capsys):
    def nan_delta(theta, delta_next, dphi_z, out=None):
        return np.full((theta.shape[1], delta_next.shape[1]), np.nan)

    wrong = replace(RECORDS["delta_hidden"], function=nan_delta)
    monkeypatch.setitem(explain_module.RECORDS, "delta_hidden", wrong)
    derivation = explain((3, 5, 4, 2))
    assert derivation.max_rel_error == np.inf and not derivation.ok
    assert "max relative error inf" in derivation.to_text()
    assert main(["explain", "--sizes", "3,5,4,2"]) == 1
    assert "VERIFICATION FAILED" in capsys.readouterr().out


@pytest.mark.parametrize("alpha", [float("nan"), float("inf"), -0.5, "0.1"])
def test_alpha_must_be_a_finite_number(alpha):
    with pytest.raises(ConfigError, match="must be a finite number >= 0"):
        explain((3, 4, 2), batch=2, alpha=alpha)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--alpha", "nan", "--batch", "2"], "--alpha: 'nan' is not a finite number >= 0"),
        (["--seed", "-1"], "--seed: '-1' is not an integer >= 0"),
        (["--batch", "0"], "--batch: '0' is not a positive integer"),
    ],
)
def test_bad_numbers_are_usage_errors(capsys, argv, message):
    assert main(["explain", "--sizes", "3,4,2", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_sizes_beyond_the_work_bound_are_refused_before_allocating():
    with pytest.raises(ConfigError, match=r"400,040,001 parameters .* at most 1,000,000"):
        explain((20000, 20000, 1))
    with pytest.raises(ConfigError, match="at most 1,000,000 parameters and 50 layers"):
        explain((2,) * 60)
    with pytest.raises(ConfigError, match="seed=-1 must be an integer >= 0"):
        explain((3, 4, 2), seed=-1)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.590913, "0.5909"),
        (6, "6.000"),
        (-12.345678, "-12.35"),
        (1.23456e7, "1.235e+07"),
        (3.0e-5, "3.000e-05"),
        (1e200, "1.000e+200"),
        (0.0, "0"),
        (float("nan"), "nan"),
        (0.99996, "1.000"),  # rounding up to the next power of ten keeps four digits
        (-9.99996, "-10.00"),
        (99999.7, "1.000e+05"),
    ],
)
def test_numbers_are_printed_with_four_significant_digits(x, text):
    assert number(x) == text


@pytest.mark.parametrize(
    ("written", "text"),
    [
        (
            r"\partial (\Theta^{(l)} a^{(l)} + b^{(l+1)}) / \partial \Theta^{(l)}",
            "∂(Θ^(l) a^(l) + b^(l+1))/∂Θ^(l)",
        ),
        (r"\frac{\partial a^{(L)}}{\partial \Theta^{(L-1)}}", "∂a^(L)/∂Θ^(L−1)"),
        ("dz^(3)/dz^(2) @ delta^(3)", "(∂z^(3)/∂z^(2)) δ^(3)"),
    ],
)
def test_a_derivative_is_printed_with_its_numerator_grouped(written, text):
    assert to_text(parse_expression(written)) == text


def test_a_relative_error_just_below_one_prints_as_one():
    assert number(1 - 1e-12, 2) == number(1 + 1e-12, 2) == "1.0"


def test_example_values_are_printed_for_people():
    text = explain((2, 3, 1), example=True).to_text()
    values = [row for row in text.splitlines() if row.strip().startswith(("= [", "["))]
    assert values and all(len(row) <= 90 for row in values)
    for token in re.findall(r"\d+\.\d+", " ".join(values)):
        assert len(token.replace(".", "").lstrip("0")) == 4, token  # 4 significant digits


def test_json_has_a_header_and_values_shaped_as_their_shape():
    derivation = explain((3, 4, 2), batch=3, alpha=0.5, example=True)
    out = json.loads(derivation.to_json())
    header = out["header"]
    assert header["sizes"] == [3, 4, 2] and header["alpha"] == 0.5 and header["batch"] == 3
    assert (header["activation"], header["loss"], header["verified"]) == ("tanh", "squared", True)
    assert header["max_rel_error"] == pytest.approx(derivation.max_rel_error)
    for row in out["lines"]:
        if row["shape"] is not None:
            assert list(np.shape(row["value"])) == row["shape"], row["lhs"]
    gb = next(r for r in out["lines"] if r["lhs"] == "∂J/∂b^(3)")
    assert gb["shape"] == [2, 1] and np.shape(gb["value"]) == (2, 1)


def test_the_alpha_term_only_when_alpha_is_positive():
    plain = explain((3, 4, 2), batch=3).to_text()
    assert "α" not in plain.split("Why a matrix product")[0]
    assert "  ∂J/∂Θ^(2) = (1/m) Δ^(3) (A^(2))ᵀ" in plain
    assert "  J = (1/2m) ‖A^(3) − Y‖²_F\n" in plain
    regularized = explain((3, 4, 2), batch=3, alpha=0.5).to_text()
    assert "  ∂J/∂Θ^(2) = (1/m) (Δ^(3) (A^(2))ᵀ + α Θ^(2))" in regularized


def test_batch_output_has_no_empty_section():
    text = explain((3, 4, 2), batch=3).to_text()
    assert "The student's two derivations" not in text
    assert "The student's two derivations" in explain((3, 4, 2)).to_text()
    for title in ("Forward pass", "Cost", "Backward pass"):
        section = text.split(f"\n{title}\n")[1]
        assert section.startswith("  "), title  # at least one line under every title


def test_sizes_have_a_default_and_are_read_as_printed(capsys):
    assert main(["explain"]) == 0
    assert capsys.readouterr().out.startswith("Backpropagation for sizes 3-5-4-1 (L = 4)")
    assert main(["explain", "--sizes", "3-4-2"]) == 0
    assert capsys.readouterr().out.startswith("Backpropagation for sizes 3-4-2 (L = 3)")
    assert main(["explain", "--sizes", "3--4"]) == 2
    assert "--sizes '3--4'" in capsys.readouterr().err
