"""PyTorch: ``to_torch(estimator)`` → ``nn.Sequential``; ``from_torch(module)`` → an estimator.

``nn.Linear(n_l, n_{l+1}).weight`` is Θ^(l) as is (n_{l+1} × n_l, ``out_features × in_features``)
and ``.bias`` is b^(l+1); PyTorch computes ``a @ weight.T + bias`` on rows, the transpose of
z^(l+1) = Θ^(l) a^(l) + b^(l+1). ``to_torch`` folds the scalers into the first and last Linear
(``folded_weights``) so that the result is a plain Sequential to fine-tune or serve. PyTorch is
optional and imported only inside these functions.

Files (``save_torch``/``load_torch``): ``torch.save`` of the state dict (tensors only, loaded with
``weights_only=True``) and a JSON of the architecture beside it; no pickled code.
"""

import json
import os
import pickle

import numpy as np

from deltaprop.activations import LEAKY_SLOPE
from deltaprop.errors import ConfigError, ModelFileError, require
from deltaprop.interop.common import estimator_parts
from deltaprop.modelfile import MALFORMED, open_regular
from deltaprop.network import Network, check_dtype
from deltaprop.printable import printable

# Above this, PyTorch's Softplus returns z itself: log(1 + e^z) − z = log(1 + e^−z) < 5e-18 there,
# below float64's resolution of z. (PyTorch's default, 20, differs by up to 2.1e-9.)
SOFTPLUS_THRESHOLD = 40.0
# deltaprop's activation → (torch.nn class name, its arguments): φ exactly.
ACTIVATION_MODULES = {
    "identity": ("Identity", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("ReLU", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": LEAKY_SLOPE}),
    "elu": ("ELU", {"alpha": 1.0}),
    "softplus": ("Softplus", {"beta": 1.0, "threshold": SOFTPLUS_THRESHOLD}),
}
FROM_MODULE = {cls: name for name, (cls, _) in ACTIVATION_MODULES.items()}
# The module after the last Linear, by output activation (see common.OUTPUT_ACTIVATIONS); None:
# none. Only the identity lets the output scaler fold into the last Linear (``folded_weights``).
OUTPUT_MODULES = {"identity": None}
FORMAT = "deltaprop-torch"
SUPPORTED = "Linear and one of: " + ", ".join(FROM_MODULE)
MAX_SPEC_BYTES = 1 << 20  # the architecture JSON: ~100 bytes a layer
MAX_LAYERS = 2 * 1000  # Linear and activation modules (a model file has at most 1000 layers)
MAX_WIDTH = 2**31 - 1


def _torch():
    return require("torch", "torch", hint="pip install torch")


def architecture(net, output="identity"):
    """The layers of ``net`` as JSON-ready dicts: Linear, φ, Linear, …, Linear (, output)."""
    if output not in OUTPUT_MODULES:
        raise ConfigError(
            f"PyTorch has no module for the output activation {output!r} (loss='poisson'); "
            "export this model to ONNX or scikit-learn instead"
        )
    cls, kwargs = ACTIVATION_MODULES[net.activation.name]
    layers = []
    for l in range(1, net.L):
        if l > 1:
            layers.append({"type": cls, **kwargs})
        layers.append(
            {"type": "Linear", "in_features": net.sizes[l - 1], "out_features": net.sizes[l]}
        )
    if OUTPUT_MODULES[output] is not None:
        layers.append({"type": OUTPUT_MODULES[output]})
    return layers


def build(layers, dtype):
    """An ``nn.Sequential`` from ``architecture``'s dicts, its parameters of ``dtype``."""
    torch = _torch()
    modules = []
    for layer in layers:  # as ``architecture`` writes them, or checked by ``check_spec``
        kind = layer["type"]
        modules.append(getattr(torch.nn, kind)(**{k: v for k, v in layer.items() if k != "type"}))
    return torch.nn.Sequential(*modules).to(getattr(torch, str(np.dtype(dtype))))


def folded_weights(parts):
    """[(Θ^(l), b^(l+1))] in float64 (then cast to the network's dtype) with the scalers folded
    in; the output scaler needs a linear output (``OUTPUT_MODULES``):

        Θ^(1) ← Θ^(1) diag(1/x_scale),      b^(2) ← b^(2) − Θ^(1) diag(1/x_scale) x_mean
        Θ^(L−1) ← diag(y_scale) Θ^(L−1),    b^(L) ← y_scale ⊙ b^(L) + y_mean
    """
    net = parts.network
    weights = [
        (net.theta[l].astype(np.float64), net.b[l + 1].astype(np.float64)) for l in range(1, net.L)
    ]
    theta, b = weights[0]
    theta = theta / parts.x_scale.astype(np.float64)  # Θ^(1) diag(1/x_scale): (n_2, n_1)
    weights[0] = (theta, b - theta @ parts.x_mean.astype(np.float64))
    theta, b = weights[-1]
    y_scale = parts.y_scale.astype(np.float64)  # (n_L,)
    weights[-1] = (y_scale[:, None] * theta, y_scale * b + parts.y_mean.astype(np.float64))
    return weights


def to_torch(estimator):
    """An ``nn.Sequential`` of Linear and activation modules that predicts as the fitted
    ``estimator``: of the network's dtype, input (batch, n_1), output (batch, n_L), the scalers
    folded into the first and last Linear."""
    torch = _torch()
    parts = estimator_parts(estimator)
    module = build(architecture(parts.network, parts.output), parts.network.dtype)
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for linear, (theta, b) in zip(linears, folded_weights(parts), strict=True):
            linear.weight.copy_(torch.from_numpy(theta))  # Θ^(l): (n_{l+1}, n_l)
            linear.bias.copy_(torch.from_numpy(b))  # b^(l+1): (n_{l+1},)
    return module


def from_torch(module):
    """A fitted ``DeltapropRegressor`` with the weights of a PyTorch ``nn.Sequential``: Linear
    layers with one kind of activation between them (Identity, Sigmoid, Tanh, ReLU,
    LeakyReLU(0.01), ELU(1.0) or Softplus(beta=1)), float32 or float64, a linear output.
    Θ^(l) is the l-th Linear's ``weight`` and b^(l+1) its ``bias``; no scalers."""
    linears, activation = _parse(module)
    sizes = (linears[0].in_features, *(linear.out_features for linear in linears))
    dtypes = {linear.weight.dtype for linear in linears}
    dtype = check_dtype(str(dtypes.pop()).removeprefix("torch.")) if len(dtypes) == 1 else None
    if dtype is None:
        raise ConfigError(
            "the Linear layers have different dtypes; convert the module with .double()"
        )
    net = Network(sizes, activation, dtype=dtype)
    for l, linear in enumerate(linears, start=1):
        net.theta[l][...] = linear.weight.detach().cpu().numpy()  # (n_{l+1}, n_l)
        if linear.bias is not None:
            net.b[l + 1][...] = linear.bias.detach().cpu().numpy()  # (n_{l+1},)
    from deltaprop.estimator import DeltapropRegressor

    return DeltapropRegressor.from_network(
        net, hidden_layer_sizes=net.sizes[1:-1], standardize=False
    )


def _parse(module):
    """``(linears, activation name)`` of a supported Sequential; ``ConfigError`` naming a layer."""
    torch = _torch()
    if not isinstance(module, torch.nn.Sequential):
        raise ConfigError(
            f"from_torch takes an nn.Sequential of {SUPPORTED}; got {type(module).__name__}"
        )
    linears, names, last = [], {}, None
    for i, layer in enumerate(module):
        if isinstance(layer, torch.nn.Linear):
            if linears and linears[-1].out_features != layer.in_features:
                raise ConfigError(
                    f"layer {i} (Linear) takes {layer.in_features} inputs but the previous Linear "
                    f"gives {linears[-1].out_features}"
                )
            linears.append(layer)
        else:
            names[i] = _activation_name(i, layer)
        last = layer
    if not linears:
        raise ConfigError(f"the module has no Linear layer; from_torch takes {SUPPORTED}")
    if not isinstance(last, torch.nn.Linear) or not isinstance(module[0], torch.nn.Linear):
        where = "after the last" if module[0] is linears[0] else "before the first"
        raise ConfigError(
            f"an activation {where} Linear is not supported; a deltaprop network starts with a "
            "Linear and has a linear output"
        )
    return linears, _one_activation(module, names)


def _activation_name(i, layer):
    """deltaprop's name of an activation module, checking its arguments against φ's."""
    kind = type(layer).__name__
    if kind not in FROM_MODULE:
        raise ConfigError(f"layer {i} ({kind}) is not supported; from_torch takes {SUPPORTED}")
    name = FROM_MODULE[kind]
    for arg, value in ACTIVATION_MODULES[name][1].items():
        ok = getattr(layer, arg) >= 20 if arg == "threshold" else getattr(layer, arg) == value
        if not ok:
            raise ConfigError(
                f"layer {i} is {kind}({arg}={getattr(layer, arg)}); deltaprop's {name} has "
                f"{arg}={value}" + (" or more" if arg == "threshold" else "")
            )
    return name


def _one_activation(module, names):
    """The hidden activation: one kind for all layers (none between two Linears: identity)."""
    kinds = sorted(set(names.values()))
    if len(kinds) > 1:
        shown = ", ".join(f"layer {i} {type(module[i]).__name__}" for i in names)
        raise ConfigError(f"a deltaprop network has one hidden activation; this module has {shown}")
    return kinds[0] if kinds else "identity"


def save_torch(estimator, path, feature_names=None, target_names=None):
    """``{path: state-dict bytes, path.json: architecture}`` for ``write_files_atomically``."""
    import io

    torch = _torch()
    module = to_torch(estimator)
    net = estimator.network_
    spec = {
        "format": FORMAT,
        "format_version": 1,
        "dtype": str(net.dtype),
        "layers": architecture(net, estimator_parts(estimator).output),
        "state_dict": os.path.basename(path),
        "feature_names": feature_names,
        "target_names": target_names,
    }
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return {path: buffer.getvalue(), architecture_path(path): json.dumps(spec, indent=2).encode()}


def architecture_path(path):
    """The JSON beside a state dict file: ``model.pt`` → ``model.json``."""
    root, ext = os.path.splitext(path)
    if ext == ".json":
        raise ConfigError(f"{path!r} ends in .json, the name of the architecture file; use .pt")
    return root + ".json"


def load_torch(path):
    """The ``nn.Sequential`` written by ``deltaprop export --to torch``: weights and JSON.

    Both files are untrusted input: the JSON is read up to ``MAX_SPEC_BYTES`` and checked in
    full (``check_spec``: the layers, their arguments and their sizes) before any tensor is
    made, and the architecture may not declare more parameters than the state dict file holds
    bytes for, so a small file never makes ``load_torch`` allocate much. Every failure is one
    ``ModelFileError``.
    """
    torch = _torch()
    path = os.fspath(path)
    try:
        with open_regular(architecture_path(path)) as file:
            text = file.read(MAX_SPEC_BYTES + 1)
        layers, dtype = check_spec(text)
        with open_regular(path) as file:
            check_size(layers, dtype, os.fstat(file.fileno()).st_size)
            module = build(layers, dtype)
            state = torch.load(file, weights_only=True, map_location="cpu")
            module.load_state_dict(state)
    except ModelFileError as err:
        raise ModelFileError(f"cannot load PyTorch model {path!r}: {err}") from None
    except (*MALFORMED, pickle.UnpicklingError, RuntimeError) as err:  # torch: a bad state
        reason = " ".join(str(err).split())[:200] or type(err).__name__
        raise ModelFileError(f"cannot load PyTorch model {path!r}: {reason}") from None
    return module


def check_spec(text):
    """``(layers, dtype)`` of the architecture JSON ``text`` (bytes), every field checked:
    the format, the dtype, and the layers as ``architecture`` writes them (Linear with integer
    widths that chain, activations with exactly their arguments). ``ModelFileError`` otherwise."""
    if len(text) > MAX_SPEC_BYTES:
        raise ModelFileError(f"the architecture JSON is longer than {MAX_SPEC_BYTES} bytes")
    try:
        spec = json.loads(text)
    except (ValueError, RecursionError):
        raise ModelFileError("the architecture file is not JSON") from None
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise ModelFileError("not a deltaprop-torch architecture")
    if spec.get("format_version") != 1 or spec.get("dtype") not in ("float32", "float64"):
        raise ModelFileError("the architecture's format_version or dtype is not one this reads")
    layers = spec.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ModelFileError(f"layers must be a list of 1 to {MAX_LAYERS} layers")
    width = None
    for i, layer in enumerate(layers):
        width = _check_layer(i, layer, width)
    return layers, spec["dtype"]


def _check_layer(i, layer, width):
    """Check layer ``i``; return the width after it (``width``: the width before it)."""
    kind = layer.get("type") if isinstance(layer, dict) else None
    if kind == "Linear":
        expected = {"type": kind, "in_features": None, "out_features": None}
    elif kind in FROM_MODULE:
        expected = {"type": kind, **ACTIVATION_MODULES[FROM_MODULE[kind]][1]}
    else:
        raise ModelFileError(
            f"layer type {printable(repr(kind))[:60]} is not supported; use {SUPPORTED}"
        )
    if set(layer) != set(expected):
        extra = sorted(set(layer) ^ set(expected))[0]
        raise ModelFileError(
            f"layer {i} ({kind}) has an unexpected or missing key {printable(extra[:60])!r}"
        )
    if kind != "Linear":
        if any(layer[key] != value for key, value in expected.items()):
            raise ModelFileError(
                f"layer {i} ({kind}) has arguments other than deltaprop's {expected}"
            )
        return width
    n_in, n_out = layer["in_features"], layer["out_features"]
    for n in (n_in, n_out):
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_WIDTH:
            raise ModelFileError(
                f"layer {i} (Linear) has a width {str(n)[:40]}, not 1 to {MAX_WIDTH}"
            )
    if width is not None and n_in != width:
        raise ModelFileError(
            f"layer {i} (Linear) takes {n_in} inputs but the layer before gives {width}"
        )
    return n_out


def check_size(layers, dtype, file_size):
    """Refuse an architecture whose parameters take more bytes than the state dict file has."""
    count = sum(
        layer["out_features"] * (layer["in_features"] + 1)
        for layer in layers
        if layer["type"] == "Linear"
    )
    if count * np.dtype(dtype).itemsize > file_size:
        raise ModelFileError(
            f"the architecture declares {count:,} parameters but the state dict file has only "
            f"{file_size:,} bytes; export the model again"
        )
