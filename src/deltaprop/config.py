"""``TrainConfig``: the training settings, each checked once by its rule in ``RULES``, so that
a typo such as ``TrainConfig(solver="sdg")`` is a ``ConfigError`` naming the field and the
allowed values, never a silent fallback."""

import math
import numbers
from dataclasses import dataclass, fields

import numpy as np

from deltaprop.errors import ConfigError
from deltaprop.losses import get_loss

SOLVERS = ("gd", "sgd", "adam", "lbfgs")
SCHEDULES = ("constant", "invscaling", "adaptive")


def check_number(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a float in the interval, else ``ConfigError`` naming it."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if ok:
        return float(value)
    if high is None:
        allowed = f"{'>' if low_open else '>='} {low:g}"
    else:
        allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    raise ConfigError(f"{name}={value!r} must be a number {allowed}")


def check_int(name, value, low=1):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low:
        return int(value)
    raise ConfigError(f"{name}={value!r} must be an integer >= {low}")


def check_patience(name, value):
    """An integer >= 1, or ``np.inf`` (never stop early), as scikit-learn's ``n_iter_no_change``."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value == math.inf:
        return math.inf
    try:
        return check_int(name, value)
    except ConfigError:
        raise ConfigError(f"{name}={value!r} must be an integer >= 1 or numpy.inf") from None


def check_bool(name, value):
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{name}={value!r} must be True or False")
    return bool(value)


def check_choice(name, value, allowed):
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{name}={value!r} is not known; use one of: {', '.join(allowed)}")
    return value


def check_batch_size(name, value):
    """None ("auto": min(200, m)) or a positive int."""
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise ConfigError(f"{name}={value!r} must be 'auto' or an integer >= 1")


def check_loss(name, value):
    get_loss(value)  # ConfigError naming the allowed losses
    return value


def number(**bounds):
    return lambda name, value: check_number(name, value, **bounds)


PROBABILITY = number(low=0, high=1, high_open=True)  # [0, 1)
RULES = {  # field -> check(name, value) returning the value to store
    "solver": lambda name, value: check_choice(name, value, SOLVERS),
    "learning_rate_init": number(low=0, low_open=True),
    "learning_rate": lambda name, value: check_choice(name, value, SCHEDULES),
    "power_t": number(low=0),
    "alpha": number(low=0),
    "loss": check_loss,
    "batch_size": check_batch_size,
    "max_iter": check_int,
    "shuffle": check_bool,
    "tol": number(low=0),
    "n_iter_no_change": check_patience,
    "early_stopping": check_bool,
    "validation_fraction": number(low=0, high=1, low_open=True, high_open=True),
    "momentum": number(low=0, high=1),
    "nesterovs_momentum": check_bool,
    "beta_1": PROBABILITY,
    "beta_2": PROBABILITY,
    "epsilon": number(low=0, low_open=True),
    "max_fun": check_int,
    "verbose": lambda name, value: bool(value),  # scikit-learn allows verbosity levels
}


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; names and meanings as scikit-learn's ``MLPRegressor``.

    Validated on construction: ``ConfigError`` names the first invalid field.
    """

    solver: str = "adam"  # "gd", "sgd", "adam" or "lbfgs"
    learning_rate_init: float = 1e-3  # η₀
    learning_rate: str = "constant"  # "constant", "invscaling" or "adaptive"
    power_t: float = 0.5
    alpha: float = 0.0  # L2 strength: J += (α/2m) Σ_l ‖Θ^(l)‖²_F
    loss: str = "squared"
    batch_size: int | None = None  # None: min(200, m); "gd" always uses the full batch
    max_iter: int = 200  # epochs (L-BFGS: iterations)
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int | float = 10  # math.inf: never stop on a plateau
    early_stopping: bool = False
    validation_fraction: float = 0.1
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    max_fun: int = 15000
    verbose: bool = False

    def __post_init__(self):
        for f in fields(self):
            value = RULES[f.name](f.name, getattr(self, f.name))
            object.__setattr__(self, f.name, value)  # normalized: float, int, bool


CONFIG_FIELDS = tuple(f.name for f in fields(TrainConfig))
