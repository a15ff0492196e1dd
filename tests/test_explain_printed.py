"""explain's "verified" is true of the printed text: every printed right side (text and LaTeX,
per sample and batched, every form) is parsed back and evaluated against the computed value,
so a corrupted printed equation fails even when the code behind it is right."""

import importlib

import pytest

from deltaprop.derivation import explain
from deltaprop.derivation.notation import parse_expression

explain_module = importlib.import_module("deltaprop.derivation.explain")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"batch": 4},
        {"form": "diag"},
        {"form": "vjp"},
        {"batch": 3, "alpha": 0.1},
        {"loss": "huber"},
        {"loss": "poisson"},
        {"activation": "relu"},
    ],
)
def test_every_printed_line_verified(options):
    derivation = explain((3, 5, 4, 2), **options)
    assert derivation.ok, [
        (x.key, x.layer, x.rel_error) for x in derivation.lines + derivation.forms
    ]


@pytest.mark.parametrize(
    ("key", "corrupt", "options"),
    [
        ("delta_hidden", "(Θ^(l))ᵀ δ^(l+1) ⊙ φ(z^(l))", {}),  # φ printed for φ'
        ("grad_theta", "δ^(l+1) (a^(l+1))ᵀ", {}),  # a layer index off by one
        ("z", "Θ^(l−1) a^(l−1)", {}),  # the bias dropped from the forward line
    ],
)
def test_a_corrupted_printed_equation_fails(monkeypatch, key, corrupt, options):
    per_sample, batched = explain_module.TEMPLATES[key]
    wrong = explain_module.Template(per_sample.lhs, parse_expression(corrupt))
    monkeypatch.setitem(explain_module.TEMPLATES, key, (wrong, batched))
    derivation = explain((3, 5, 4, 2), **options)
    assert not derivation.ok
    bad = [line for line in derivation.lines if line.rel_error > 1e-6]
    assert bad and {line.key for line in bad} == {key}


def test_a_corrupted_batched_equation_fails(monkeypatch):
    per_sample, batched = explain_module.TEMPLATES["grad_b"]
    wrong = explain_module.Template(batched.lhs, parse_expression("Δ^(l) 1"))  # 1/m lost
    monkeypatch.setitem(explain_module.TEMPLATES, "grad_b", (per_sample, wrong))
    assert not explain((3, 5, 4, 2), batch=4).ok
    assert explain((3, 5, 4, 2)).ok  # the per-sample line is still right
