"""``explain``: shapes equal the real arrays, every line verifies, generated from the records."""

import importlib
import json
from dataclasses import replace

import numpy as np
import pytest

import deltaprop
from deltaprop import equations as eq
from deltaprop.cli import main
from deltaprop.derivation import explain
from deltaprop.derivation.explain import as_matrix, instantiate
from deltaprop.errors import ConfigError
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
            f"∂J/∂b^({l})": as_matrix(grad.b[l]).shape,
        }
    return shapes


@pytest.mark.parametrize("sizes", ARCHITECTURES + random_architectures())
@pytest.mark.parametrize("batch", [None, 3])
def test_reported_shapes_equal_the_shapes_of_the_real_arrays(sizes, batch):
    derivation = explain(sizes, batch=batch)
    real = real_shapes(sizes, batch or 1)
    for line in (x for x in derivation.lines if x.section in ("forward", "backward")):
        assert line.shape == as_matrix(line.value).shape, line
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


@pytest.mark.parametrize("form", ["seed", "diag", "vjp"])
def test_each_form_verifies_and_matches_the_seed_form(form):
    derivation = explain((3, 5, 4, 2), "sigmoid", form=form)
    assert derivation.max_rel_error < 1e-7
    for line in derivation.forms:
        if line.key in ("diag", "vjp"):
            assert line.same_as_seed < 1e-14


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
    lines = [x for x in derivation.lines if x.section != "seed"]
    assert {x.key for x in lines} == set(RECORDS)
    for line in lines:
        record = RECORDS[line.key]
        assert line.rhs == instantiate(record.rhs, line.layer, 4)
        assert line.lhs == instantiate(record.lhs, line.layer, 4)


def test_the_student_derivations_appear_corrected_in_general_notation():
    derivation = explain((3, 5, 4, 1))
    seed = {x.lhs: x for x in derivation.lines if x.section == "seed"}
    assert seed["∂J/∂Θ^(L−1)"].rhs == "δ^(L) (a^(L−1))ᵀ"
    assert seed["δ^(L−1)"].rhs == "(Θ^(L−1))ᵀ δ^(L) ⊙ φ'(z^(L−1))"
    assert seed["∂J/∂Θ^(L−2)"].rhs == "δ^(L−1) (a^(L−2))ᵀ"
    shapes = [(t, tuple(map(str, s))) for t, s in seed["δ^(L−1)"].operand_shapes]
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
    rows = json.loads(derivation.to_json())
    row = next(r for r in rows if r["lhs"] == "δ^(2)" and r["section"] == "backward")
    assert row["rhs"] == "(Θ^(2))ᵀ δ^(3) ⊙ φ'(z^(2))"
    assert row["operand_shapes"] == [[4, 2], [2, 1], [4, 1]] and row["shape"] == [4, 1]
    assert row["rel_error"] < 1e-7 and np.shape(row["value"]) == (4, 1)


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


def test_cli(capsys):
    assert main(["explain", "--sizes", "3,5,4,2", "--format", "json", "--batch", "4"]) == 0
    rows = json.loads(capsys.readouterr().out)
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
