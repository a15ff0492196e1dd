"""``deltaprop export``: a saved model as ONNX, a scikit-learn pipeline or PyTorch weights,
written only once converted, atomically (``interop.common.write_files_atomically``)."""

from pathlib import Path

from deltaprop.commands.common import command
from deltaprop.files import check_output

FORMATS = {"onnx": ".onnx", "sklearn": ".skops", "torch": ".pt"}

EXPORT_EPILOG = """\
examples:
  deltaprop export model.npz                      # ONNX: model.onnx beside it
  deltaprop export model.npz --to onnx -o serve/model.onnx
  deltaprop export model.npz --to sklearn -o model.skops
  deltaprop export model.npz --to torch -o net.pt   # net.pt (state dict) and net.json

onnx: input "X" (batch, n_features) and output "Y" (batch, n_targets), of the model's dtype; the
feature and target names are in the model's metadata_props. Serve it with onnxruntime. A model
with categorical columns or missing values takes each raw column as an input of its name,
(batch, 1): numbers as float64 (NaN when missing), categories as strings ("" when missing); the
one-hot blocks (ai.onnx.ml OneHotEncoder), the medians and the was-missing columns are in the
graph. The other formats refuse such a model.
sklearn: a fitted MLPRegressor (a Pipeline with a StandardScaler when the model scales its
inputs) in skops format, which loads without running code: skops.io.load("model.skops").
Only the activations scikit-learn has (identity, sigmoid, tanh, relu) export this way.
torch: the state dict of an nn.Sequential (torch.save of tensors only) and its architecture as
JSON beside it, the scalers folded into the first and last Linear; rebuild it with
deltaprop.interop.load_torch("net.pt"). Needs PyTorch installed.
See docs/interop.md for the layouts and for the way back (from_sklearn, from_torch).
"""


def register(subparsers):
    """Add ``export`` to ``subparsers``."""
    p = command(
        subparsers,
        "export",
        export_command,
        "Write a saved model in another library's format: ONNX (served by onnxruntime) with the "
        "input scaling and the output de-standardization inside the graph, scikit-learn's "
        "MLPRegressor saved with skops, or PyTorch weights and architecture.",
        EXPORT_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by deltaprop")
    p.add_argument(
        "--to", choices=tuple(FORMATS), default="onnx", help="the format (default: onnx)"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default: MODEL with the format's suffix, e.g. model.onnx)",
    )


def export_command(args) -> int:
    from deltaprop.interop.common import write_files_atomically  # the interop package: ~40 ms
    from deltaprop.io import load_model

    out = args.output or str(Path(args.model).with_suffix(FORMATS[args.to]))
    check_output(out, [("the model file", args.model)])
    model, meta = load_model(args.model)
    contents = EXPORTERS[args.to](model, meta, out)  # {path: bytes}
    for path in contents:
        check_output(path, [("the model file", args.model)])
    write_files_atomically(contents)
    print(f"{args.to} model written to {', '.join(contents)}")
    return 0


def _onnx(model, meta, out):
    from deltaprop.interop import to_onnx

    onnx_model = to_onnx(
        model, feature_names=meta.get("feature_names"), target_names=meta.get("target_names")
    )
    return {out: onnx_model.SerializeToString()}


def _sklearn(model, meta, out):
    from deltaprop.errors import require
    from deltaprop.interop import to_sklearn

    converted = to_sklearn(model)
    return {out: require("skops.io", "skops").dumps(converted)}


def _torch(model, meta, out):
    from deltaprop.interop.torch_nn import save_torch

    return save_torch(model, out, meta.get("feature_names"), meta.get("target_names"))


EXPORTERS = {"onnx": _onnx, "sklearn": _sklearn, "torch": _torch}
