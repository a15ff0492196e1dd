"""``deltaprop info``: a saved model's architecture, settings, history and metrics."""

import json
import math
import textwrap

from deltaprop.commands.common import command, target_names
from deltaprop.printable import printable

INFO_EPILOG = """\
examples:
  deltaprop info model.npz
  deltaprop info model.npz --json
"""


def register(subparsers):
    """Add `deltaprop info` to ``subparsers``."""
    p = command(
        subparsers,
        "info",
        info,
        "Show a saved model's architecture, parameter count, training settings and "
        "history, stored test metrics, and feature and target names.",
        INFO_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by deltaprop")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the metadata as standard JSON (a NaN or infinite number as null)",
    )


def info(args) -> int:
    from deltaprop.io import read_model  # without scikit-learn: a second of imports
    from deltaprop.network import parameter_count

    model, meta = read_model(args.model)
    n_params = parameter_count(model.network_.sizes)
    if args.json:
        shown = {**meta, "parameter_count": n_params}
        print(json.dumps(finite_json(shown), indent=2, allow_nan=False))
    else:
        print(describe_model(args.model, model, meta, n_params))
    return 0


OUTPUT_WORDS = {"identity": "linear output", "exp": "exp output (poisson loss)"}


def describe_model(path, model, meta, n_params):
    """The text of `deltaprop info`: one ``key: value`` line per fact."""
    sizes = tuple(model.network_.sizes)
    training = meta.get("training") or {}
    extra = meta.get("extra") or {}
    encoder = model.encoder
    n_columns = sizes[0] if encoder is None else len(encoder.columns)
    lines = [
        f"model: {path} (format version {meta.get('format_version')})",
        f"architecture: {'-'.join(map(str, sizes))} ({model.network_.activation.name} hidden "
        f"layers, {OUTPUT_WORDS[model.network_.output.name]})",
        f"parameters: {n_params}",
        f"features ({n_columns}): {_names(meta.get('feature_names') or ['(unnamed)'])}",
        *([] if encoder is None else preprocessing_lines(encoder)),
        f"targets ({sizes[-1]}): {_names(target_names(model, meta))}",
        f"settings: {_pairs(meta.get('settings') or {})}",
        f"training: {_pairs(training)}",
    ]
    if training.get("loss_curve"):
        lines.append(f"final losses: {_final_losses(training)}")
    if "data" in extra:
        lines.append(f"trained on: {printable(extra['data'])}")
    if "split" in extra:
        lines.append(f"test split: {_pairs(extra['split'])}")
    for kind in ("test", "training"):
        for name, scores in (extra.get(f"{kind}_metrics") or {}).items():
            lines.append(f"{kind} metrics, {printable(name)}: {_pairs(scores)}")
    return "\n".join(lines)


def preprocessing_lines(encoder):
    """How each column becomes inputs of the network (``deltaprop.tabular.Encoder``)."""
    from deltaprop.tabular import CELLS_SHOWN, NumericColumn, shown_category

    lines = [f"inputs ({encoder.n_encoded}), from the columns:"]
    for column in encoder.columns:
        if isinstance(column, NumericColumn):
            how = f"number, (x - {column.mean:.6g}) / {column.scale:.6g}"
            how += f", missing cells {column.fill:.6g} (the median)"
            how += ", with a was-missing column" if column.indicator else ""
        else:
            shown = [shown_category(c) for c in column.categories[:CELLS_SHOWN]]
            more = column.width - len(shown)
            how = f"{column.width} categories, one-hot: {', '.join(shown)}"
            how += f" and {more} more" if more else ""
        lines.append(f"    {printable(column.name)}: {printable(how)}")
    return lines


def _names(names):
    return printable(", ".join(names))


def _final_losses(training):
    text = f"training {training['loss_curve'][-1]:.4g} (lowest {min(training['loss_curve']):.4g})"
    val = training.get("validation_loss_curve")
    if val:
        text += f", validation {val[-1]:.4g} (lowest {min(val):.4g})"
    return text


def _pairs(mapping):
    text = ", ".join(f"{printable(key)}={_short(value)}" for key, value in mapping.items())
    return textwrap.fill(text, width=96, subsequent_indent="    ", break_long_words=False)


def _short(value):
    if isinstance(value, float):
        return format(value, ".6g")
    if isinstance(value, list):
        shown = ", ".join(_short(v) for v in value)
        return f"[{len(value)} values]" if len(value) > 6 else f"[{shown}]"
    return printable(str(value))


def finite_json(value):
    """``value`` (parsed JSON) with NaN and ±inf as None: standard JSON has no such numbers (an
    untrained loss is NaN; a file's ``extra`` may hold anything)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite_json(v) for key, v in value.items()}
    if isinstance(value, list):
        return [finite_json(v) for v in value]
    return value
