"""scikit-learn's ``MLPRegressor`` (alone or after a ``StandardScaler``) to deltaprop and back.

scikit-learn stores layer l's weights samples-as-rows: ``coefs_[l−1]`` is Θ^(l)ᵀ (n_l × n_{l+1})
and ``intercepts_[l−1]`` is b^(l+1); its forward pass is ``a @ coefs_[i] + intercepts_[i]``,
the transpose of z^(l+1) = Θ^(l) a^(l) + b^(l+1). A ``StandardScaler`` computes
(X − mean_) / scale_, deltaprop's input scaler. scikit-learn has no output scaler (a Pipeline
does not transform y): ``to_sklearn`` folds it into the last layer (``_fold_output_scaler``).
The exp output of ``loss="poisson"`` (scikit-learn's ``out_activation_ = "exp"``) converts both
ways.
"""

import numbers

import numpy as np

from deltaprop.errors import ConfigError
from deltaprop.interop.common import estimator_parts, is_trivial
from deltaprop.network import Network, check_dtype

# deltaprop's name → scikit-learn's, for the activations scikit-learn has.
TO_SKLEARN = {"identity": "identity", "sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}
FROM_SKLEARN = {sk: name for name, sk in TO_SKLEARN.items()}
# Hyperparameters that mean the same in both estimators; only ``predict`` does not need them.
SHARED_PARAMS = (
    "alpha",
    "batch_size",
    "learning_rate",
    "learning_rate_init",
    "power_t",
    "max_iter",
    "shuffle",
    "tol",
    "momentum",
    "nesterovs_momentum",
    "early_stopping",
    "validation_fraction",
    "beta_1",
    "beta_2",
    "epsilon",
    "n_iter_no_change",
    "max_fun",
)
SKLEARN_SOLVERS = ("sgd", "adam", "lbfgs")  # deltaprop also has "gd"
ACCEPTED = "MLPRegressor or Pipeline(StandardScaler, MLPRegressor)"


def from_sklearn(model):
    """A fitted ``DeltapropRegressor`` with the weights (and scaler) of a fitted
    ``MLPRegressor`` or ``Pipeline(StandardScaler, MLPRegressor)``, ``loss="squared_error"``
    (linear output) or ``"poisson"`` (exp output): it predicts what ``model.predict`` does (to
    rounding), with Θ^(l) = ``coefs_[l−1].T``."""
    scaler, mlp = _split(model)
    net = Network(
        _sizes(mlp),
        _activation(mlp),
        dtype=check_dtype(mlp.coefs_[0].dtype),
        output=mlp.out_activation_,
    )
    for l in range(1, net.L):
        net.theta[l][...] = mlp.coefs_[l - 1].T  # (n_{l+1}, n_l) ← (n_l, n_{l+1})
        net.b[l + 1][...] = mlp.intercepts_[l - 1]  # (n_{l+1},)
    from deltaprop.estimator import DeltapropRegressor

    return DeltapropRegressor.from_network(
        net,
        x_mean=None if scaler is None or not scaler.with_mean else scaler.mean_,
        x_scale=None if scaler is None or not scaler.with_std else scaler.scale_,
        y_1d=mlp.n_outputs_ == 1,
        feature_names_in=getattr(model, "feature_names_in_", None),
        hidden_layer_sizes=net.sizes[1:-1],
        standardize=scaler is not None,
        loss="poisson" if mlp.out_activation_ == "exp" else "squared",
        **shared_params(mlp),
    )


def shared_params(source):
    """The hyperparameters both estimators have and accept, read from ``source`` (either)."""
    params = {name: getattr(source, name) for name in SHARED_PARAMS}
    if source.solver in SKLEARN_SOLVERS:
        params["solver"] = source.solver
    if source.random_state is None or isinstance(source.random_state, numbers.Integral):
        params["random_state"] = source.random_state
    return params


def _split(model):
    """``(scaler or None, mlp)`` of an accepted model; ``ConfigError`` naming what is not."""
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    steps = [step for _, step in model.steps] if isinstance(model, Pipeline) else [model]
    steps = [step for step in steps if step is not None and step != "passthrough"]
    *scalers, mlp = steps or [None]
    for step in scalers:
        if not isinstance(step, StandardScaler) or len(scalers) > 1:
            raise ConfigError(
                f"pipeline step {type(step).__name__} is not supported; from_sklearn takes a "
                f"fitted {ACCEPTED}"
            )
    if not isinstance(mlp, MLPRegressor):
        raise ConfigError(f"from_sklearn takes a fitted {ACCEPTED}, got {type(mlp).__name__}")
    if not hasattr(mlp, "coefs_") or any(not hasattr(s, "scale_") for s in scalers):
        raise ConfigError("the scikit-learn model is not fitted; call fit(X, y) first")
    if mlp.out_activation_ not in ("identity", "exp"):
        raise ConfigError(
            f"MLPRegressor output activation {mlp.out_activation_!r} (loss={mlp.loss!r}) is not "
            "supported; deltaprop converts loss='squared_error' and loss='poisson'"
        )
    return (scalers[0] if scalers else None), mlp


def _sizes(mlp):
    """(n_1, …, n_L) from the shapes of ``coefs_``."""
    return (mlp.coefs_[0].shape[0], *(coef.shape[1] for coef in mlp.coefs_))


def _activation(mlp):
    if mlp.activation not in FROM_SKLEARN:
        raise ConfigError(f"MLPRegressor activation {mlp.activation!r} is not known to deltaprop")
    return FROM_SKLEARN[mlp.activation]


def to_sklearn(estimator):
    """A fitted scikit-learn model that predicts what the fitted ``estimator`` does (to
    rounding), whose hidden activation scikit-learn has (identity, sigmoid as its "logistic",
    tanh or relu): an ``MLPRegressor``, or ``Pipeline(StandardScaler, MLPRegressor)`` when the
    input scaler is not the identity; the output scaler is folded into the last layer."""
    from sklearn.pipeline import Pipeline

    parts = estimator_parts(estimator)
    mlp = _mlp(estimator, parts)
    if is_trivial(parts.x_mean, parts.x_scale):
        if parts.feature_names is not None:
            mlp.feature_names_in_ = np.asarray(parts.feature_names, dtype=object)
        return mlp
    scaler = _standard_scaler(parts)
    return Pipeline([("standardscaler", scaler), ("mlpregressor", mlp)])


def _mlp(estimator, parts):
    """The ``MLPRegressor`` with Θ^(l)ᵀ as ``coefs_`` and y's scaler folded into the last."""
    from sklearn.neural_network import MLPRegressor

    net = parts.network
    name = net.activation.name
    if name not in TO_SKLEARN:
        raise ConfigError(
            f"scikit-learn's MLPRegressor has no activation {name!r} (it has identity, logistic, "
            "tanh, relu); export this model to ONNX or PyTorch instead"
        )
    mlp = MLPRegressor(
        hidden_layer_sizes=net.sizes[1:-1],
        activation=TO_SKLEARN[name],
        loss="poisson" if parts.output == "exp" else "squared_error",
        **shared_params(estimator),
    )
    mlp.coefs_ = [net.theta[l].T.copy() for l in range(1, net.L)]  # (n_l, n_{l+1})
    mlp.intercepts_ = [net.b[l].copy() for l in range(2, net.L + 1)]  # (n_l,)
    _fold_output_scaler(mlp, parts)
    mlp.n_layers_, mlp.n_outputs_ = net.L, net.sizes[-1]
    mlp.n_features_in_ = net.sizes[0]
    mlp.out_activation_ = parts.output  # "identity" or "exp", scikit-learn's names too
    mlp.n_iter_, mlp.t_ = estimator.n_iter_, estimator.t_
    return mlp


def _fold_output_scaler(mlp, parts):
    """y_mean + y_scale · a^(L) into the last layer: Θ^(L−1)ᵀ diag(y_scale) and y_scale ⊙ b^(L)
    + y_mean for a linear output; b^(L) + log y_scale for the exp one (y_scale · exp(z) =
    exp(z + log y_scale); a y_mean cannot fold, it must be 0)."""
    if parts.output == "exp":
        if np.any(parts.y_mean):
            raise ConfigError(
                "an exp output with a y_mean cannot fold into MLPRegressor's last layer; "
                "export this model to ONNX instead"
            )
        mlp.intercepts_[-1] = mlp.intercepts_[-1] + np.log(parts.y_scale)  # (n_L,)
        return
    mlp.coefs_[-1] *= parts.y_scale  # Θ^(L−1)ᵀ diag(y_scale)
    mlp.intercepts_[-1] = mlp.intercepts_[-1] * parts.y_scale + parts.y_mean


def _standard_scaler(parts):
    """A fitted ``StandardScaler`` computing (X − x_mean) / x_scale."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler()
    scaler.mean_, scaler.scale_ = parts.x_mean.copy(), parts.x_scale.copy()
    scaler.var_ = parts.x_scale**2
    scaler.n_features_in_ = len(parts.x_mean)
    scaler.n_samples_seen_ = 0  # not known: the scaler's statistics came from deltaprop
    if parts.feature_names is not None:
        scaler.feature_names_in_ = np.asarray(parts.feature_names, dtype=object)
    return scaler
