"""The calculus a derivation uses, evaluated with numbers on a random network: ``∂/∂X [expr]``,
``∂expr/∂X`` and ``∇_X expr`` by central differences through the network's equations (by a
matrix, a vector's Jacobian has three indices: ∂a^(L)/∂Θ^(L−1) is n_L × n_L × n_{L−1}, and only
the chain rule's contraction vᵀ J is defined with it, else :class:`ChainRuleError`); a
differential ``dX`` as the first-order change along random directions; letters without a layer
(``A:B = Tr(AᵀB)``) as random matrices of shapes that fit. Everything else is
:func:`deltaprop.derivation.shapes.evaluate` on a :class:`State` of the network.
"""

import copy
import functools
from types import SimpleNamespace

import numpy as np

from deltaprop.derivation import shapes
from deltaprop.derivation.notation import (
    LAYERED,
    Bin,
    Call,
    Deriv,
    Differential,
    Neg,
    SumOver,
    Sym,
    Transpose,
    children,
    operand_text,
    to_text,
)
from deltaprop.derivation.sample import RandomNetwork, passes

EPSILON = 1e-6  # the central-difference step
MAX_ENTRIES = 400  # entries of X that ∂/∂X differentiates by numbers (2 forward passes each)
MOVABLE = {"Θ", "b", "z", "a", "Z", "A", "x", "y", "X", "Y"}  # what ∂/∂X may differentiate by
PARAMETERS = ("Θ", "b", "x", "y")  # what a differential may move


class ChainRuleError(shapes.ShapeError):
    """⊙ (or ·) between a vector and a Jacobian with three indices: the chain rule contracts."""

    def describe(self, text=to_text):
        """What the Jacobian is, what the chain rule does with it, what the product should
        be; the nodes written by ``text`` (a notation's names)."""
        left, right = self.left, self.right
        tensor, other = (right, left) if np.ndim(right.value) > 2 else (left, right)
        jac, v = tensor.node, operand_text(other.node, text)
        shape = " × ".join(jacobian_shape(jac) or map(str, np.shape(tensor.value)))
        what = f"{text(jac)} is a Jacobian with three indices ({shape})"
        if isinstance(jac, Deriv):
            what += f": the derivative of each entry of the vector {text(jac.num)} by each entry"
            what += f" of the matrix {text(jac.den)}"
        op = "⊙" if self.node.op in ("⊙", "*") else "the matrix product"
        return (
            f"{what}; the chain rule contracts it with {v}: the vector-Jacobian product "
            f"({v})ᵀ {operand_text(jac, text)} sums {v}'s entries against the Jacobian's first "
            f"index and has the shape of what it is differentiated by; {op} between {v} and a "
            "three-index Jacobian does not exist (⊙ multiplies the entries of two arrays of one "
            "shape)"
        )


# ---------------------------------------------------------------- the network, moved


class State(RandomNetwork):
    """The random ``network`` with some of its values moved: ``changes`` maps
    ``(name, layer)`` to an added array (Θ, b: their shape; z, a, x, y: (n_l, m)). Its values
    are the network's (:meth:`RandomNetwork.value`) after the forward and backward passes
    run again on the moved values, for the squared loss and a linear output."""

    def __init__(self, network, changes=None):  # the network's arrays, shared until moved
        self.__dict__.update(network.__dict__)
        self.original, self.changes = network, changes or {}
        if self.changes:
            self._move()

    def moved(self, directions, step):
        """This state moved by ``step`` along ``directions`` (key → change), all at once."""
        moved = {key: self.changes.get(key, 0) + step * d for key, d in directions.items()}
        return State(self.original, self.changes | moved)

    def value(self, name, k, column=0):
        if self.changes and name.startswith("Acc"):  # Ng's Δ sums the samples' gradients
            raise shapes.SymbolError(None, f"cannot move the network under {name}")
        return super().value(name, k, column)

    def _move(self):
        """Θ, b, x, y moved, then z and a (a^(1) = X; a^(L) = z^(L)), each plus its own
        change (:func:`sample.passes`), then δ^(l) and each sample's ∂J/∂Θ, ∂J/∂b and J."""
        c, L, net = self.changes, len(self.sizes), copy.copy(self.net)
        net.theta = {k: v + c.get(("Θ", k), 0) for k, v in net.theta.items()}
        net.b = {k: v + c[("b", k)][:, 0] if ("b", k) in c else v for k, v in net.b.items()}
        self.X, self.Y = self.X + c.get(("x", None), 0), self.Y + c.get(("y", None), 0)
        z, a, self.Delta = passes(net.theta, net.b, self.X, self.Y, net.activation, c)
        self.net, self.cache = net, SimpleNamespace(z=z, a=a)
        self.grad_each = [self._gradient(i) for i in range(self.m)]
        self.J_each = [self.loss_of(a[L][:, i] - self.Y[:, i]) for i in range(self.m)]

    def _gradient(self, i):
        """∂J^(i)/∂Θ^(k) = δ^(k+1) (a^(k))ᵀ and ∂J^(i)/∂b^(k) = δ^(k) of sample ``i``."""
        delta, a = self.Delta, self.cache.a
        theta = {k: delta[k + 1][:, [i]] @ a[k][:, [i]].T for k in self.net.theta}
        return SimpleNamespace(theta=theta, b={k: delta[k][:, i] for k in self.net.b})


# ---------------------------------------------------------------- evaluation


KINDS = {Deriv: "derivative", Differential: "differential", Bin: "binary", SumOver: "entry_sum"}


class Calculus:
    """Evaluates trees with derivatives, differentials and generic matrices at one layer
    binding of the random ``network``."""

    def __init__(self, network, binding, directions=None, generic=None):
        self.network, self.binding = network, binding
        self.directions = directions or {}  # (name, layer) → the direction of a differential
        self.generic = generic or {}  # letter → its random matrix

    def domain(self, state):
        """The values of ``state``; a derivative that is no named quantity, by numbers."""
        sizes, m = self.network.sizes, self.network.m
        numbers = functools.partial(self.evaluate, state=state)
        return shapes.ConcreteDomain(
            sizes, self.binding, m, sample=state, generic=self.generic, numbers=numbers
        )

    def entries(self, node):
        """``(array, indices)`` of ``node`` written entry by entry (Bishop's ∂a_j/∂w_{ji} =
        z_i): :func:`shapes.evaluate_entries`."""
        return shapes.evaluate_entries(node, self.domain(State(self.network)))

    def evaluate(self, node, state=None):
        """The :class:`Term` of ``node``: its value has one axis per index of a Jacobian."""
        state = state or State(self.network)
        if not needs_calculus(node, self.generic):
            try:
                return shapes.evaluate(node, self.domain(state))
            except shapes.RangeError:  # ∂a^(L)/∂z^(L) is no P_l (hidden layers only): by numbers
                if not any(isinstance(n, Deriv) for n in shapes.walk(node)):
                    raise
        if isinstance(node, Sym):
            return _term(self.generic[node.name], node)
        kind = KINDS.get(type(node))
        if kind is None:
            return self.unary(node, self.evaluate(node.arg, state), state)
        return getattr(self, kind)(node, state)

    def unary(self, node, arg, state):
        """A one-argument node: as :func:`shapes.unary`; only − takes a three-index Jacobian."""
        if isinstance(node, Neg):
            return shapes.Term(arg.shape, -np.asarray(arg.value, dtype=float), node)
        if np.ndim(arg.value) > 2:
            raise shapes.SymbolError(node, f"{to_text(node)}: a Jacobian with three indices")
        return shapes.unary(node, as_matrix(arg), self.domain(state))

    def binary(self, node, state):
        left, right = self.evaluate(node.left, state), self.evaluate(node.right, state)
        if max(np.ndim(left.value), np.ndim(right.value)) <= 2:
            return shapes.binary(node, as_matrix(left), as_matrix(right))
        return jacobian_product(node, left, right)

    def derivative(self, node, state):
        """∂num/∂den by central differences: one axis for each index of num, then of den."""
        den = node.den
        if not (isinstance(den, Sym) and den.name in MOVABLE):
            raise shapes.SymbolError(node, f"cannot differentiate by {to_text(den)}")
        key, base, column = self.variable(den)
        if base.size > MAX_ENTRIES:
            raise shapes.SymbolError(
                node,
                f"{to_text(den)} has {base.size} entries, more than the {MAX_ENTRIES} that "
                "are differentiated by numbers: give smaller --sizes (or none)",
            )
        units = np.eye(base.size).reshape(base.size, *base.shape)  # each entry moved alone
        if column is not None:  # one sample's column vector, in its column of an (n, m) change
            units = np.pad(units, ((0, 0), (0, 0), (column, self.network.m - column - 1)))
        out = [self.central(node.num, state, {key: u}) for u in units]
        value = np.stack(out, axis=-1).reshape(_axes(np.shape(out[0]), base.shape))
        return _term(value, node)

    def variable(self, sym):
        """``(key, value, column)`` of the variable ``sym`` differentiates by: column 0 for
        one sample's z, a, x, y; None for Θ, b and the batch."""
        layer = None if sym.layer is None else sym.layer.bind(self.binding)
        name = shapes.ONE_SAMPLE.get(sym.name, sym.name)
        if name == "a" and layer == 1:
            name, layer = "x", None
        base = np.asarray(self.evaluate(sym).value, dtype=float)
        column = 0 if sym.name in ("z", "a", "x", "y") else None
        return (name, layer), base, column

    def differential(self, node, state):
        """d(arg): the first-order change of ``arg`` along ``directions``."""
        if not self.directions:
            raise shapes.SymbolError(node, f"{to_text(node)} needs something that moves")
        return _term(self.central(node.arg, state, self.directions), node)

    def central(self, node, state, directions):
        """The central difference of ``node``'s value along ``directions`` (key → change)."""
        plus, minus = state.moved(directions, EPSILON), state.moved(directions, -EPSILON)
        high, low = (np.asarray(self.evaluate(node, s).value, dtype=float) for s in (plus, minus))
        return (high - low) / 2 / EPSILON

    def entry_sum(self, node, state):
        """Σ_i Σ_j A_ij B_ij of generic matrices: an einsum over the entry indices."""
        value, indices = shapes.evaluate_entries(node, self.domain(state))
        if indices:
            raise shapes.SymbolError(node, f"{to_text(node)} leaves the indices {indices} free")
        return shapes.Term(None, float(value), node)


def as_matrix(term):
    """A term as ``shapes``' binary operations take it: a scalar has shape None, a vector is
    a column."""
    return _term(shapes.as_column(term.value), term.node)


def _term(value, node):
    """The Term of an array, or of a float (shape None) when ``value`` is a scalar."""
    if np.ndim(value) == 0:
        return shapes.Term(None, float(value), node)
    return shapes.Term(np.shape(value), value, node)


def _axes(num_shape, den_shape):
    """The axes of the Jacobian ∂num/∂den, a column vector's trailing 1 dropped: ∂z/∂Θ is
    (n, p, q), ∂z/∂z a matrix, ∂J/∂z a column."""
    num = num_shape[:1] if num_shape[1:] == (1,) else num_shape
    return num + (den_shape[:1] if num and den_shape[1:] == (1,) else den_shape)


def jacobian_product(node, left, right):
    """An operation with a Jacobian of three indices: only ``vᵀ J`` (and sums, scalings)."""
    a, b = np.asarray(left.value, dtype=float), np.asarray(right.value, dtype=float)
    if node.op in ("+", "-") and a.shape == b.shape:
        return _term(a + b if node.op == "+" else a - b, node)
    if node.op in ("@", "*", "/") and (a.ndim == 0 or (b.ndim == 0 and node.op != "@")):
        return _term(a * b if node.op != "/" else a / b, node)
    if node.op == "@" and a.ndim == 2 and a.shape[0] == 1 and a.shape[1] == b.shape[0]:
        return _term(np.tensordot(a[0], b, axes=1), node)  # vᵀ J: the chain rule's contraction
    raise ChainRuleError(node, left, right, "the chain rule contracts a Jacobian")


def jacobian_shape(node):
    """The symbolic shape of the derivative ``node`` (∂num/∂den) as texts, a vector's 1
    dropped: ``["n_L", "n_L", "n_{L−1}"]``; [] for anything else."""
    try:
        num, den = (shapes.evaluate(n, shapes.SymbolicDomain()).shape for n in (node.num, node.den))
    except (AttributeError, shapes.ShapeError, shapes.SymbolError):
        return []
    dims = [d for shape in (num, den) if shape is not None for d in shape[: 1 + (shape[1] != 1)]]
    return [str(d) for d in dims]


# ---------------------------------------------------------------- what needs this module


def needs_calculus(node, generic=()):
    """Whether ``node`` holds a derivative that is not a named quantity, a differential, a
    generic matrix (or an entry sum of them)."""
    for n in shapes.walk(node):
        if isinstance(n, Deriv) and (shapes.quantity(n) or (None,))[0] is None:
            return True
        if isinstance(n, Differential) or (isinstance(n, Sym) and n.name in generic):
            return True
    return False


def directions(network, nodes, rng):
    """Where the differentials written in ``nodes`` move the network: a random direction for
    every weight matrix, and for b, x, y when their differential is written (db, dx, dy);
    none when no differential is written."""
    moved = [n.arg for node in nodes for n in shapes.walk(node) if isinstance(n, Differential)]
    if not moved:
        return {}
    written = {shapes.ONE_SAMPLE.get(n.name, n.name) for n in moved if isinstance(n, Sym)}
    names = written & set(PARAMETERS)
    out = {("Θ", k): rng.normal(size=v.shape) for k, v in network.net.theta.items()}
    if "b" in names:
        out |= {("b", k): rng.normal(size=(v.shape[0], 1)) for k, v in network.net.b.items()}
    for name, data in (("x", network.X), ("y", network.Y)):
        if name in names:
            out[(name, None)] = rng.normal(size=data.shape)
    return out


# ---------------------------------------------------------------- generic matrices


def generic_matrices(nodes, rng):
    """Random matrices for the letters written without the layer they need (A, Z, Δ) or
    outside the notation (B, C): the generic matrices of an identity such as
    C:(AB) = (CBᵀ):A, of shapes that make every operation in ``nodes`` defined."""
    syms = [n for node in nodes for n in shapes.walk(node) if isinstance(n, Sym)]
    letters = list(dict.fromkeys(n.name for n in syms if n.layer is None and _generic(n.name)))
    found = generic_shapes(nodes, letters)
    return {letter: rng.normal(size=shape) for letter, shape in found.items()}


def _generic(name):
    return name in LAYERED - {"a", "z", "b", "δ", "w"} or (
        len(name) == 1 and name.isupper() and name not in ("J", "L", "X", "Y")
    )


def generic_shapes(nodes, letters):
    """Shapes for ``letters`` that make every operation in ``nodes`` defined: dimensions
    joined by the operations (union-find), then distinct sizes 2, 3, 4, …"""
    parent = {}

    def find(d):
        while parent.setdefault(d, d) != d:
            d = parent[d]
        return d

    def join(p, q):
        parent[find(p)] = find(q)

    def shape(node):  # (rows, columns) of a generic matrix's expression, as dimension keys
        if isinstance(node, Sym):
            return ((node.name, 0), (node.name, 1)) if node.name in letters else None
        inner = [shape(child) for child in children(node)]
        if isinstance(node, Bin):
            return _joined(node, *inner, join)
        if isinstance(node, Call) and node.func == "Tr" and inner[0] is not None:
            join(*inner[0])  # the trace of a square matrix
        if isinstance(node, Transpose | Neg) and inner[0] is not None:
            return inner[0][::-1] if isinstance(node, Transpose) else inner[0]
        return None

    for node in nodes:
        shape(node)
    sizes, out = {}, {}
    for letter in letters:
        dims = [find((letter, 0)), find((letter, 1))]
        out[letter] = tuple(sizes.setdefault(d, 2 + len(sizes)) for d in dims)
    return out


def _joined(node, left, right, join):
    if left is None or right is None:
        return left or right if node.op in ("@", "*", "/", "⊙") else None
    if node.op == "@":
        join(left[1], right[0])
        return left[0], right[1]
    join(left[0], right[0])
    join(left[1], right[1])
    return None if node.op == ":" else left
