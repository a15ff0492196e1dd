"""deltaprop: feed-forward regression networks trained by explicit backpropagation."""

import importlib

from deltaprop.activations import ACTIVATIONS, Activation, get_activation
from deltaprop.errors import (
    ConfigError,
    DataError,
    DeltapropError,
    DivergenceError,
    ModelFileError,
)
from deltaprop.gradcheck import GradcheckReport, gradcheck
from deltaprop.losses import LOSSES, Loss, get_loss
from deltaprop.network import (
    Cache,
    Grad,
    Network,
    Workspace,
    backward,
    forward,
    layer_views,
    loss_and_grad,
    parameter_count,
)

__version__ = "0.1.0"

# Imported on first use: the estimator and the model files import scikit-learn, which takes
# most of a second; the derivation tools are modules of their own that most programs never use.
_LAZY = {
    "check": "deltaprop.derivation",
    "check_derivation": "deltaprop.derivation",
    "check_text": "deltaprop.derivation",
    "explain": "deltaprop.derivation",
    "prove": "deltaprop.derivation",
    "DeltapropRegressor": "deltaprop.estimator",
    "load_model": "deltaprop.io",
    "save_model": "deltaprop.io",
    "to_onnx": "deltaprop.interop",
    "from_sklearn": "deltaprop.interop",
    "to_sklearn": "deltaprop.interop",
    "to_torch": "deltaprop.interop",
    "from_torch": "deltaprop.interop",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'deltaprop' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])


__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "Cache",
    "ConfigError",
    "DataError",
    "DeltapropRegressor",
    "DeltapropError",
    "DivergenceError",
    "Grad",
    "GradcheckReport",
    "Loss",
    "ModelFileError",
    "Network",
    "Workspace",
    "backward",
    "check",
    "check_derivation",
    "check_text",
    "explain",
    "forward",
    "from_sklearn",
    "from_torch",
    "get_activation",
    "get_loss",
    "gradcheck",
    "layer_views",
    "load_model",
    "loss_and_grad",
    "parameter_count",
    "prove",
    "save_model",
    "to_onnx",
    "to_sklearn",
    "to_torch",
]
