"""``deltaprop info``: a saved model's architecture, settings, history and metrics."""

import json
import textwrap

from deltaprop.commands.common import command, load, target_names

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
        "describe a saved model",
        "Show a saved model's architecture, parameter count, training settings and "
        "history, stored test metrics, and feature and target names.",
        INFO_EPILOG,
    )
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by deltaprop")
    p.add_argument("--json", action="store_true", help="print the metadata as JSON")


def info(args) -> int:
    from deltaprop.network import parameter_count

    model, meta = load(args.model)
    sizes = tuple(model.network_.sizes)
    if args.json:
        print(json.dumps({**meta, "parameter_count": parameter_count(sizes)}, indent=2))
        return 0
    print(describe_model(args.model, model, meta, parameter_count(sizes)))
    return 0


OUTPUT_WORDS = {"identity": "linear output", "exp": "exp output (poisson loss)"}


def describe_model(path, model, meta, n_params):
    """The text of `deltaprop info`: one ``key: value`` line per fact."""
    sizes = tuple(model.network_.sizes)
    training = meta.get("training") or {}
    extra = meta.get("extra") or {}
    lines = [
        f"model: {path} (format version {meta.get('format_version')})",
        f"architecture: {'-'.join(map(str, sizes))} ({model.network_.activation.name} hidden "
        f"layers, {OUTPUT_WORDS[model.network_.output.name]})",
        f"parameters: {n_params}",
        f"features ({sizes[0]}): {_shown(', '.join(meta.get('feature_names') or ['(unnamed)']))}",
        f"targets ({sizes[-1]}): {_shown(', '.join(target_names(model, meta)))}",
        f"settings: {_pairs(meta.get('settings') or {})}",
        f"training: {_pairs(training)}",
    ]
    if training.get("loss_curve"):
        lines.append(f"final losses: {_final_losses(training)}")
    if "data" in extra:
        lines.append(f"trained on: {_shown(extra['data'])}")
    if "split" in extra:
        lines.append(f"test split: {_pairs(extra['split'])}")
    for kind in ("test", "training"):
        for name, scores in (extra.get(f"{kind}_metrics") or {}).items():
            lines.append(f"{kind} metrics, {_shown(name)}: {_pairs(scores)}")
    return "\n".join(lines)


def _final_losses(training):
    text = f"training {training['loss_curve'][-1]:.4g} (lowest {min(training['loss_curve']):.4g})"
    val = training.get("validation_loss_curve")
    if val:
        text += f", validation {val[-1]:.4g} (lowest {min(val):.4g})"
    return text


def _pairs(mapping):
    text = ", ".join(f"{_shown(key)}={_short(value)}" for key, value in mapping.items())
    return textwrap.fill(text, width=96, subsequent_indent="    ", break_long_words=False)


def _short(value):
    if isinstance(value, float):
        return format(value, ".6g")
    if isinstance(value, list):
        shown = ", ".join(_short(v) for v in value)
        return f"[{len(value)} values]" if len(value) > 6 else f"[{shown}]"
    return _shown(str(value))


def _shown(text):
    """``text`` with control characters escaped: a model file never moves the cursor or adds
    lines to what `info` prints."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
