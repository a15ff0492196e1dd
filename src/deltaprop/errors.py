"""The errors deltaprop raises for bad input.

Every error is a ``ValueError`` subclass whose message is one line that names the problem and
says what to do. The command line prints the message and exits with ``exit_code``: 1 for a
problem with the data or a model file, 2 for a usage problem (a bad argument or hyperparameter).
"""


class DeltapropError(ValueError):
    """Base class of deltaprop's input errors."""

    exit_code = 1


class DataError(DeltapropError):
    """The data cannot be used: missing values, non-numeric entries, wrong columns, too few rows."""


class ModelFileError(DeltapropError):
    """A model file is missing, corrupted, truncated, not deltaprop's, or from a newer version."""


class DivergenceError(DeltapropError):
    """Training blew up: a non-finite loss or parameter, or a loss far above its start."""


class ClusterLostError(DeltapropError):
    """The Dask cluster went away in the middle of training: no worker left for
    ``deltaprop.lost-after`` seconds, the scheduler unreachable, or a task whose workers kept
    dying. Training handles it as Ctrl-C: ``history`` is the training record up to the last
    complete epoch (iteration) and the network holds the best parameters so far."""

    history = None


class ConfigError(DeltapropError):
    """An invalid argument or hyperparameter."""

    exit_code = 2


class UnseenCategoryWarning(UserWarning):
    """``predict`` met categories that ``fit`` did not see: their rows get an all-zero block."""


def __getattr__(name):
    """``PoorFitWarning`` is made on first use: its base class comes from scikit-learn, which
    takes most of a second to import, and only training needs it."""
    if name == "PoorFitWarning":
        globals()[name] = _poor_fit_warning()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _poor_fit_warning():
    from sklearn.exceptions import ConvergenceWarning

    class PoorFitWarning(ConvergenceWarning):
        """Training ended with a loss above that of predicting the mean of the training targets.

        A scikit-learn ``ConvergenceWarning``: training has not got far enough to be useful.
        """

    PoorFitWarning.__module__, PoorFitWarning.__qualname__ = __name__, "PoorFitWarning"
    return PoorFitWarning


def require(module, extra, *, name=None, hint=None):
    """Import the optional ``module``, or raise ``ConfigError`` naming how to install it
    (``pip install 'deltaprop[extra]'`` unless ``hint`` says otherwise)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        hint = hint or f"pip install 'deltaprop[{extra}]'"
        name = name or module.split(".")[0]
        raise ConfigError(f"{name} is not installed; install it with: {hint}") from None
