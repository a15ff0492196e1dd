"""The backprop derivation, shown and proven: ``explain``, ``prove`` and ``check``.

- :func:`explain` prints the forward and backward equations for one architecture with the
  shape of every term, generated from :data:`deltaprop.equations.EQUATIONS` and verified
  numerically;
- :func:`prove` proves them symbolically with SymPy (an optional dependency);
- :func:`check` reads a user's own equation and says whether, where and why it is wrong.
"""

from deltaprop.derivation.check import CheckResult, check
from deltaprop.derivation.explain import Derivation, explain
from deltaprop.derivation.prove import Proof, prove

__all__ = ["CheckResult", "Derivation", "Proof", "check", "explain", "prove"]
