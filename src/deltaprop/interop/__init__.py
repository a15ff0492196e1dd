"""Weights in and out of deltaprop: ONNX export, scikit-learn's MLPRegressor, PyTorch (the
layouts side by side: docs/interop.md). The optional libraries (onnx, skops, torch) are
imported only inside the functions that use them."""

from deltaprop.interop.onnx_graph import to_onnx
from deltaprop.interop.sklearn_mlp import from_sklearn, to_sklearn
from deltaprop.interop.torch_nn import from_torch, load_torch, to_torch

__all__ = ["from_sklearn", "from_torch", "load_torch", "to_onnx", "to_sklearn", "to_torch"]
