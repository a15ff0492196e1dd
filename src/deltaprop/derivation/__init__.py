"""The backprop derivation, shown and proven: ``explain``, ``prove`` and ``check``.

- :func:`explain` prints the forward and backward equations for one architecture with the
  shape of every term, generated from :data:`deltaprop.equations.EQUATIONS` and verified
  numerically;
- :func:`prove` proves them symbolically with SymPy (an optional dependency);
- :func:`check` reads a user's own equation and says whether, where and why it is wrong;
  :func:`check_derivation` judges a whole derivation step by step and :func:`check_text`
  every formula of a post, a ``.tex`` file or plain text.
"""

from deltaprop.derivation.chain import DerivationResult, check_derivation, is_derivation
from deltaprop.derivation.check import CheckResult, check
from deltaprop.derivation.explain import Derivation, explain
from deltaprop.derivation.prove import Proof, prove
from deltaprop.derivation.scan import TextResult, check_text, read_text

__all__ = [
    "CheckResult",
    "Derivation",
    "DerivationResult",
    "Proof",
    "TextResult",
    "check",
    "check_derivation",
    "check_text",
    "explain",
    "is_derivation",
    "prove",
    "read_text",
]
