"""Subcommands of the ``deltaprop`` command line, one module per group (see ``deltaprop.cli``)."""

# Each command: the module of this package that registers it, and its line in ``deltaprop
# --help``. The list of commands is printed from this table, so that ``--help`` imports no
# command's module (the derivation's notation tables and the data helpers are most of its
# start-up); a command's module is imported when that command runs.
COMMANDS = {
    "train": ("train", "train a network on a CSV or Parquet file, or the bundled data"),
    "predict": ("predict", "predict with a saved model"),
    "evaluate": ("evaluate", "score a saved model on labelled data"),
    "info": ("info", "describe a saved model"),
    "gradcheck": ("gradcheck", "check backprop against central finite differences"),
    "explain": (
        "derivation",
        "print the backprop derivation for an architecture, every shape, verified",
    ),
    "prove": (
        "derivation",
        "prove with SymPy that backprop's gradient equals ∂J/∂Θ entry by entry",
    ),
    "check": (
        "derivation",
        "check your own backprop equation: shapes, value, and the NumPy broadcasting trap",
    ),
    "exercise": (
        "derivation",
        "write the backward equations yourself, graded by check, with hints",
    ),
    "export": ("export", "export a saved model to ONNX, scikit-learn or PyTorch"),
}
