"""The import graph of ``src/deltaprop``: no cycle, no upward import, no private name used
across modules (the layers are those of docs/design.md)."""

import ast
from fnmatch import fnmatch
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# docs/design.md "Layers", bottom to top: a module imports only from its own layer or below.
LAYERS = [
    (
        "errors",
        "lazy",
        "printable",
        "relerror",
        "speed",
        "files",
        "tabular",
        "weights",
        "activations",
        "losses",
        "modelfile",
        "modelcheck",
    ),
    ("equations", "optim", "config", "scaling", "sparse_input", "data"),
    ("network", "gradcheck", "deltaprop"),
    ("trainingdata", "derivation", "derivation.*"),
    ("train", "distributed"),
    ("estimator",),
    ("io", "interop", "interop.*", "plots", "report"),
    ("commands", "commands.*"),
    ("cli", "__main__"),
]


def module_files():
    """{dotted name without the "deltaprop." prefix ("deltaprop" for the package): path}."""
    files = {}
    for path in (SRC / "deltaprop").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        files[".".join(parts[1:]) or "deltaprop"] = path
    return files


MODULES = module_files()


def imported(name, path, node):
    """The deltaprop modules (keys of ``MODULES``) that import statement ``node`` names."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "deltaprop":
        package = []
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: from the package, up level − 1
            base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [base])])
            base = f"deltaprop.{base}".rstrip(".")
        targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
    found = set()
    for target in targets:
        if target != "deltaprop" and not target.startswith("deltaprop."):
            continue
        short = target.removeprefix("deltaprop.") if target != "deltaprop" else "deltaprop"
        while short not in MODULES and "." in short:
            short = short.rsplit(".", 1)[0]
        if short in MODULES:
            found.add(short)
    if isinstance(node, ast.ImportFrom) and len(found) > 1:
        found.discard(node.module.removeprefix("deltaprop.") if node.module else "")
    return found


def import_graph():
    """{module: the modules it imports, at module level or inside functions}."""
    graph = {}
    for name, path in MODULES.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= imported(name, path, node)
        graph[name] = edges - {name}
    return graph


GRAPH = import_graph()


def layer(name):
    for i, patterns in enumerate(LAYERS):
        if any(fnmatch(name, pattern) for pattern in patterns):
            return i
    raise AssertionError(f"{name} is in no layer: add it to LAYERS and docs/design.md")


def cycle_from(start, graph):
    """A cycle through ``start`` as a list of modules, or None (depth-first search)."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in graph[node]:
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_the_graph_sees_function_level_imports():
    assert "sparse_input" in GRAPH["scaling"]  # imported inside check_finite_data
    assert "distributed" in GRAPH["estimator"]  # imported inside fit, for Dask input only


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_cycle(name):
    cycle = cycle_from(name, GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_the_layers(name):
    upward = sorted(target for target in GRAPH[name] if layer(target) > layer(name))
    assert not upward, f"{name} (layer {layer(name)}) imports from above: {upward}"


def defined_names(tree):
    """The names a module defines or binds: functions, classes, variables, attributes it
    assigns (``self._x = …``), arguments and imported aliases."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def private(name):
    return name.startswith("_") and not name.startswith("__")


def private_uses(trees):
    """(module, line, name) for each use of another deltaprop module's private name: imported
    (``from deltaprop.x import _y``) or read as an attribute (``obj._y``) that the module does
    not define itself but another deltaprop module does."""
    defined = {name: defined_names(tree) for name, tree in trees.items()}
    anywhere = set().union(*defined.values())
    uses = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("deltaprop"):
                uses += [(name, node.lineno, a.name) for a in node.names if private(a.name)]
            elif isinstance(node, ast.Attribute) and private(node.attr):
                if node.attr not in defined[name] and node.attr in anywhere:
                    uses.append((name, node.lineno, node.attr))
    return uses


def test_no_private_name_crosses_a_module_boundary():
    trees = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}
    assert private_uses(trees) == []


def test_the_private_name_check_sees_imports_and_attributes():
    trees = {
        "render": ast.parse("def _header(): pass\nclass M:\n    def f(self): self._y = 1"),
        "html": ast.parse("from deltaprop.render import _header\nmodel._y\nX._meta\n"),
    }
    assert private_uses(trees) == [("html", 1, "_header"), ("html", 2, "_y")]
