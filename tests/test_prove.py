"""``prove``: SymPy's derivatives equal backprop's entry by entry, and a wrong formula fails."""

import json
import subprocess
import sys

import pytest

import deltaprop
from deltaprop.cli import main
from deltaprop.derivation import prove
from deltaprop.errors import ConfigError

pytest.importorskip("sympy")  # the dev environment has it: deltaprop[symbolic]


@pytest.mark.parametrize("activation", list(deltaprop.ACTIVATIONS))
def test_proof_passes_for_every_activation(activation):
    proof = prove((2, 2, 2, 1), activation)
    assert proof.ok, proof.to_text()
    names = [block.name for block in proof.blocks]
    assert names == ["b^(4)", "Θ^(3)", "b^(3)", "Θ^(2)", "b^(2)", "Θ^(1)"]
    assert all(block.proven == block.shape[0] * block.shape[1] for block in proof.blocks)


@pytest.mark.parametrize(
    "sizes", [(1, 1), (3, 2), (2, 3, 1), (3, 2, 2), (2, 3, 2, 1), (1, 2, 3, 2)]
)
def test_proof_passes_for_several_small_nets(sizes):
    assert prove(sizes, "tanh").ok


def test_proof_fails_for_a_deliberately_wrong_formula():
    def no_dphi(theta, delta_next, dphi_z, out=None):  # forgets ⊙ φ'(z^(l))
        return theta.T @ delta_next

    proof = prove((2, 2, 2, 1), "tanh", functions={"delta_hidden": no_dphi})
    assert not proof.ok
    failing = {block.name for block in proof.blocks if not block.ok}
    assert failing == {"b^(3)", "Θ^(2)", "b^(2)", "Θ^(1)"}  # below the first recursion step
    assert "NOT PROVEN" in proof.to_text()


def test_proof_fails_for_a_gradient_twice_too_large():
    def doubled(delta_next, a, theta, alpha, m, out=None):  # forgets the ½ of J^(i)
        return 2 * (delta_next @ a.T)

    proof = prove((2, 2, 1), "sigmoid", functions={"grad_theta": doubled})
    assert {block.name for block in proof.blocks if not block.ok} == {"Θ^(2)", "Θ^(1)"}


def test_numpy_broadcast_outer_product_is_proven_equal():
    def broadcast(delta_next, a, theta, alpha, m, out=None):  # (n, 1) * (1, k): the outer product
        return delta_next * a.T

    assert prove((2, 2, 1), "tanh", functions={"grad_theta": broadcast}).ok


def test_default_proof_text_and_json():
    proof = prove()
    assert proof.sizes == (2, 3, 2, 1) and proof.ok
    text = proof.to_text()
    assert "φ'(z) = 1 - tanh(z)**2" in text
    assert "δ^(2)_1 = (δ^(3)_1 θ^(2)_11 + δ^(3)_2 θ^(2)_21) φ'(z^(2)_1)" in text
    assert json.loads(proof.to_json())["ok"] is True


def test_piecewise_activation_is_proven_piece_by_piece():
    proof = prove((2, 2, 1), "relu")
    assert proof.ok and proof.piecewise
    assert "on each piece" in proof.to_text()


def test_too_large_sizes_are_refused():
    with pytest.raises(ConfigError, match="too large for a symbolic proof"):
        prove((4, 3, 1))


def test_missing_sympy_gives_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # import sympy now raises ImportError
    with pytest.raises(ConfigError, match=r"pip install 'deltaprop\[symbolic\]'"):
        prove((2, 1))


def test_import_deltaprop_does_not_import_sympy():
    code = "import sys, deltaprop; sys.exit('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_cli(capsys):
    assert main(["prove", "--sizes", "2,2,1", "--activation", "softplus"]) == 0
    assert "PROVEN" in capsys.readouterr().out
    assert main(["prove", "--sizes", "9,9"]) == 2
    assert "too large" in capsys.readouterr().err
