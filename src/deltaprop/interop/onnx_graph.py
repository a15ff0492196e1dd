"""ONNX export: ``to_onnx(estimator)``, an ``onnx.ModelProto`` that predicts as deltaprop does.

For a batch X (m, n_1), samples as rows (ONNX's convention), the graph computes

    a^(1)   = (X − x_mean) / x_scale      Sub, Div
    z^(l+1) = a^(l) Θ^(l)ᵀ + b^(l+1)      Gemm(transB=1), Θ^(l) stored as is (n_{l+1} × n_l)
    a^(l+1) = φ(z^(l+1)) (hidden l+1)     Relu, Tanh, Sigmoid, LeakyRelu, Elu, Softplus, Identity
    Y       = y_mean + y_scale · a^(L)    Mul, Add (a^(L) = z^(L): the output is linear)

The scalers are explicit nodes, not folded into Θ^(1) and Θ^(L−1), and in float64 elu,
softplus and leaky_relu are written with elementary ops (``FLOAT64_OPS``): docs/interop.md says
why.

A model with preprocessing (``encoder_``: categorical columns, missing values) takes the raw
columns as named inputs, each (batch, 1): a number as float64 (NaN where missing), a category as
a string ("" where missing, text as ``fit`` saw it after stripping blanks), and makes a^(1) as
``deltaprop.tabular.Encoder.transform`` does:

    x̃     = x where x is a number, else the median     IsNaN, Where (float64)
    a      = (x̃ − mean) / scale, then the dtype        Sub, Div, Cast
    [miss] = 1 where x was NaN                          Cast (the was-missing column)
    onehot = 1 in the column of the category            OneHotEncoder (ai.onnx.ml), zeros=1:
                                                        all zeros for a category not seen
    a^(1)  = the blocks side by side                    Concat
"""

import json

import numpy as np

from deltaprop import __version__
from deltaprop.activations import LEAKY_SLOPE
from deltaprop.errors import ConfigError, require
from deltaprop.interop.common import estimator_parts
from deltaprop.io import names_list
from deltaprop.tabular import NumericColumn

OPSET = 17  # Gemm, the activations and Min broadcasting all exist there: old runtimes load it
ML_OPSET = 1  # ai.onnx.ml: OneHotEncoder
IR_VERSION = 8  # the IR version that goes with opset 17


class _Graph:
    """Nodes and initializers of one dtype, with a fresh output name for every node."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.nodes, self.initializers = [], {}

    def const(self, name, array, dtype=None):
        """An initializer (made once per name) of the graph's dtype, or of ``dtype``."""
        from onnx import numpy_helper

        if name not in self.initializers:
            tensor = numpy_helper.from_array(np.asarray(array, dtype or self.dtype), name)
            self.initializers[name] = tensor
        return name

    def op(self, op_type, inputs, name=None, **attrs):
        from onnx import helper

        out = name or f"{op_type.lower()}_{len(self.nodes)}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def cast(self, x):
        """x as the graph's dtype."""
        from onnx import helper

        return self.op("Cast", [x], to=helper.np_dtype_to_tensor_dtype(np.dtype(self.dtype)))


def _native(op_type, **attrs):
    """φ as ONNX's own op."""
    return lambda g, z: g.op(op_type, [z], **attrs)


def _elu_elementary(g, z):
    """elu(z) = relu(z) + exp(min(z, 0)) − 1."""
    zero, one = g.const("zero", 0.0), g.const("one", 1.0)
    expm1 = g.op("Sub", [g.op("Exp", [g.op("Min", [z, zero])]), one])
    return g.op("Add", [g.op("Relu", [z]), expm1])


def _leaky_relu_elementary(g, z):
    """leaky_relu(z) = max(z, 0.01 z) (the slope is below 1), the slope in float64."""
    return g.op("Max", [z, g.op("Mul", [z, g.const("leaky_slope", LEAKY_SLOPE)])])


def _softplus_elementary(g, z):
    """softplus(z) = relu(z) + log(1 + exp(−|z|)), as ``np.logaddexp(0, z)``."""
    one = g.const("one", 1.0)
    log1p = g.op("Log", [g.op("Add", [one, g.op("Exp", [g.op("Neg", [g.op("Abs", [z])])])])])
    return g.op("Add", [g.op("Relu", [z]), log1p])


HIDDEN_OPS = {
    "identity": _native("Identity"),
    "sigmoid": _native("Sigmoid"),
    "tanh": _native("Tanh"),
    "relu": _native("Relu"),
    "leaky_relu": _native("LeakyRelu", alpha=LEAKY_SLOPE),
    "elu": _native("Elu", alpha=1.0),
    "softplus": _native("Softplus"),
}
# In float64, the same functions from elementary ops: onnxruntime's CPU provider has no float64
# Elu and Softplus, and LeakyRelu's alpha is a float32 attribute (0.01 rounds to 0.0099999998).
FLOAT64_OPS = {
    "elu": _elu_elementary,
    "leaky_relu": _leaky_relu_elementary,
    "softplus": _softplus_elementary,
}
# a^(L) from z^(L), by output activation (see deltaprop.interop.common.OUTPUT_ACTIVATIONS).
OUTPUT_OPS = {"identity": lambda g, z: z, "exp": lambda g, z: g.op("Exp", [z])}


def hidden_op(name, dtype):
    """The node builder of φ = ``name`` in ``dtype``; ``ConfigError`` when ONNX lacks it."""
    if np.dtype(dtype) == np.float64 and name in FLOAT64_OPS:
        return FLOAT64_OPS[name]
    if name not in HIDDEN_OPS:
        raise ConfigError(
            f"activation {name!r} has no ONNX export; export supports: {', '.join(HIDDEN_OPS)}"
        )
    return HIDDEN_OPS[name]


def to_onnx(estimator, *, feature_names=None, target_names=None):
    """An ``onnx.ModelProto`` of a fitted ``DeltapropRegressor`` (or one loaded with
    ``load_model``, or converted with ``from_sklearn``/``from_torch``), of the network's dtype:
    input ``X`` (batch, n_1), or with preprocessing one input per raw column (module
    docstring); output ``Y`` (batch, n_L), also for one output; the batch dimension is dynamic.
    ``metadata_props`` hold the sizes, the activation, and the feature and target names (JSON
    lists; the feature names by default the estimator's ``feature_names_in_``)."""
    onnx = require("onnx", "onnx")
    parts = estimator_parts(estimator, encoded=True)
    net = parts.network
    g = _Graph(net.dtype)
    x, inputs = _raw_inputs(g, parts.encoder, net)
    a = g.op(
        "Div",
        [g.op("Sub", [x, g.const("x_mean", parts.x_mean)]), g.const("x_scale", parts.x_scale)],
    )  # a^(1): (batch, n_1)
    phi = hidden_op(net.activation.name, net.dtype)
    for l in range(1, net.L):
        theta, b = g.const(f"theta_{l}", net.theta[l]), g.const(f"b_{l + 1}", net.b[l + 1])
        z = g.op("Gemm", [a, theta, b], name=f"z_{l + 1}", transB=1)  # (batch, n_{l+1})
        a = phi(g, z) if l + 1 < net.L else OUTPUT_OPS[parts.output](g, z)
    y = g.op("Mul", [a, g.const("y_scale", parts.y_scale)])
    g.op("Add", [y, g.const("y_mean", parts.y_mean)], name="Y")  # (batch, n_L)
    _check_names(g, inputs)
    opsets = [onnx.helper.make_opsetid("", OPSET)]
    if parts.encoder is not None:
        opsets.append(onnx.helper.make_opsetid("ai.onnx.ml", ML_OPSET))
    model = onnx.helper.make_model(
        _graph_proto(g, net, inputs),
        opset_imports=opsets,
        producer_name="deltaprop",
        producer_version=__version__,
    )
    model.ir_version = IR_VERSION
    onnx.helper.set_model_props(model, _metadata(parts, feature_names, target_names))
    onnx.checker.check_model(model, full_check=True)
    return model


def _raw_inputs(g, encoder, net):
    """``(a, inputs)``: the graph's input X (batch, n_1), or with ``encoder`` the raw
    columns and a^(1) made from them (``_preprocessing``)."""
    from onnx import helper

    if encoder is None:
        elem = helper.np_dtype_to_tensor_dtype(net.dtype)
        return "X", [helper.make_tensor_value_info("X", elem, ["batch", net.sizes[0]])]
    return _preprocessing(g, encoder)


def _preprocessing(g, encoder):
    """a^(1) (batch, n_1) from the raw columns, one graph input each (module docstring)."""
    from onnx import TensorProto, helper

    blocks, inputs = [], []
    for k, column in enumerate(encoder.columns):
        if isinstance(column, NumericColumn):
            kind = TensorProto.DOUBLE
            blocks.extend(_numeric_block(g, column, k))
        else:
            kind = TensorProto.STRING
            blocks.append(_one_hot_block(g, column, k))
        inputs.append(helper.make_tensor_value_info(column.name, kind, ["batch", 1]))
    return (g.op("Concat", blocks, axis=1) if len(blocks) > 1 else blocks[0]), inputs


def _numeric_block(g, column, k):
    """[(x̃ − mean) / scale] and, with an indicator, [1 where x is NaN], each (batch, 1)."""
    absent = g.op("IsNaN", [column.name])  # (batch, 1) bool
    filled = g.op("Where", [absent, g.const(f"fill_{k}", column.fill, np.float64), column.name])
    centred = g.op("Sub", [filled, g.const(f"mean_{k}", column.mean, np.float64)])
    a = g.cast(g.op("Div", [centred, g.const(f"scale_{k}", column.scale, np.float64)]))
    return [a, g.cast(absent)] if column.indicator else [a]


def _one_hot_block(g, column, k):
    """The one-hot block (batch, k) of a string column; all zeros for an unseen category."""
    onehot = g.op(
        "OneHotEncoder",
        [column.name],
        domain="ai.onnx.ml",
        cats_strings=list(column.categories),
        zeros=1,
    )  # (batch, 1, k) float32
    shape = g.const(f"block_shape_{k}", [-1, column.width], np.int64)
    return g.cast(g.op("Reshape", [onehot, shape]))  # (batch, k)


def _check_names(g, inputs):
    """``ConfigError`` when a column's name is also the name of a value inside the graph."""
    inside = set(g.initializers) | {out for node in g.nodes for out in node.output}
    taken = sorted(info.name for info in inputs if info.name in inside)
    if taken:
        raise ConfigError(
            f"column {taken[0]!r} has the name of a value inside the ONNX graph; rename the "
            "column and retrain to export it"
        )


def _graph_proto(g, net, inputs):
    from onnx import helper

    elem = helper.np_dtype_to_tensor_dtype(net.dtype)
    return helper.make_graph(
        g.nodes,
        "deltaprop",
        inputs,
        [helper.make_tensor_value_info("Y", elem, ["batch", net.sizes[-1]])],
        initializer=list(g.initializers.values()),
        doc_string=f"deltaprop network {net}: Y = y_mean + y_scale * a^(L)((X - x_mean) / x_scale)",
    )


def _metadata(parts, feature_names, target_names):
    net = parts.network
    meta = {
        "sizes": json.dumps(list(net.sizes)),
        "activation": net.activation.name,
        "output_activation": parts.output,
    }
    n_columns = net.sizes[0] if parts.encoder is None else len(parts.encoder.columns)
    names = {
        "feature_names": (feature_names or parts.feature_names, n_columns),
        "target_names": (target_names, net.sizes[-1]),
    }
    for key, (given, n) in names.items():
        if given is not None:
            meta[key] = json.dumps(names_list(key, given, n))
    return meta
