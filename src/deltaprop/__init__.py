"""deltaprop: feed-forward regression networks trained by explicit backpropagation."""

from deltaprop.activations import ACTIVATIONS, Activation, get_activation
from deltaprop.errors import (
    ConfigError,
    DataError,
    DeltapropError,
    DivergenceError,
    ModelFileError,
)
from deltaprop.losses import LOSSES, Loss, get_loss
from deltaprop.network import Cache, Grad, Network, backward, forward, layer_views, parameter_count

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "Cache",
    "ConfigError",
    "DataError",
    "DeltapropError",
    "DivergenceError",
    "Grad",
    "Loss",
    "ModelFileError",
    "Network",
    "backward",
    "forward",
    "get_activation",
    "get_loss",
    "layer_views",
    "parameter_count",
]
