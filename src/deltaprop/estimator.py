"""``DeltapropRegressor``: the scikit-learn estimator around ``Network`` and ``train``.

Parameter names and meanings follow scikit-learn's ``MLPRegressor``. Samples are the ROWS of X
here, as in the rest of the ecosystem; the estimator hands ``X.T`` (samples as columns) to the
core. The network ``network_`` works in standardized space and ``predict`` maps back.
"""

import contextlib
import dataclasses
import math
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from deltaprop.activations import get_activation
from deltaprop.config import CONFIG_FIELDS, TrainConfig, check_bool
from deltaprop.errors import (
    ClusterLostError,
    ConfigError,
    DataError,
    PoorFitWarning,
    UnseenCategoryWarning,
)
from deltaprop.lazy import is_dask_collection, issparse
from deltaprop.losses import get_loss
from deltaprop.network import Network, check_dtype, check_sizes
from deltaprop.scaling import Columns, check_finite_data, standardized
from deltaprop.tabular import (
    MISSING_CHOICES,
    categorical_names,
    check_choice,
    fit_encoder,
    numbers_only,
    raw_table,
    unscaled,
    unseen_text,
)
from deltaprop.train import History, TrainState, train_on
from deltaprop.trainingdata import Rows, outputs
from deltaprop.weights import check_sample_weight, without_zero_weights

FLOATS = (np.float64, np.float32)  # input dtypes kept as they are; others become float64
SPARSE_ROWS = 4096  # rows densified at once to predict a sparse X with a centering scaler
SCALERS = ("x_mean", "x_scale", "y_mean", "y_scale")  # partial_fit(scalers=...) keys
X_RULES = {  # X as ``check_array`` takes it, in ``fit`` and ``predict``
    "ensure_all_finite": False,  # our own NaN/inf check names the row
    "dtype": FLOATS,
    "accept_sparse": ("csr", "csc"),  # kept sparse to the first layer
}


def _has_step_rule(estimator):
    """``partial_fit`` exists for "gd", "sgd" and "adam" (``available_if``); scikit-learn's
    ``AttributeError`` for "lbfgs"."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. lbfgs is not "
            "stochastic; use solver='sgd' or 'adam' (or 'gd')"
        )
    return True


def layers_property(name, doc, views):
    """A property ``name`` of the estimator: the list ``views(network_)`` of views of
    ``network_.params``, one per layer; assigning a list of arrays of their shapes writes
    them in (``ConfigError``, nothing written, unless each is finite and of its view's shape)."""

    def get(self):
        return views(self.network_)

    def set(self, arrays):
        check_is_fitted(self, "network_")
        layers = get(self)
        if not isinstance(arrays, list | tuple) or len(arrays) != len(layers):
            got = len(arrays) if isinstance(arrays, list | tuple) else type(arrays).__name__
            raise ConfigError(
                f"{name} needs a list of {len(layers)} arrays, one per layer; got {got}"
            )
        arrays = [np.asarray(value) for value in arrays]
        for i, (value, view) in enumerate(zip(arrays, layers, strict=True)):
            if value.shape != view.shape:
                raise ConfigError(
                    f"{name}[{i}] has shape {value.shape}; the network needs {view.shape}"
                )
            if not np.all(np.isfinite(value)):
                raise ConfigError(f"{name}[{i}] holds NaN or inf; assign finite values")
        for value, view in zip(arrays, layers, strict=True):
            view[...] = value

    return property(get, set, doc=doc)


class DeltapropRegressor(RegressorMixin, BaseEstimator):
    """A feed-forward regression network trained by explicit backpropagation.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Widths of the hidden layers n_2 … n_{L−1}; ``()`` is a linear model.
    activation : str, default="relu"
        φ of the hidden layers: identity, sigmoid (logistic), tanh, relu, leaky_relu, elu,
        softplus. The output layer is linear (exp with ``loss="poisson"``).
    solver : {"gd", "sgd", "adam", "lbfgs"}, default="adam"
        Full-batch gradient descent, mini-batch SGD with momentum, Adam, or SciPy's L-BFGS-B.
    alpha : float, default=1e-4
        L2 strength: J += (α/2m) Σ_l ‖Θ^(l)‖²_F (weights only, not biases).
    batch_size : int or "auto", default="auto"
        Mini-batch size for "sgd" and "adam"; "auto" is min(200, m). Clipped to m.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of η: constant; η₀ / t^power_t (t the step count); or divided by 5 each
        time the monitored loss stops improving (reduce on plateau). Applies to "gd", "sgd"
        and "adam" (scikit-learn applies it to "sgd" only).
    learning_rate_init : float, default=1e-3
        η₀.
    power_t : float, default=0.5
        Exponent of "invscaling".
    max_iter : int, default=200
        Epochs (L-BFGS: iterations).
    shuffle : bool, default=True
        Shuffle the samples each epoch.
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the initial weights, the validation split and the shuffles.
    tol, n_iter_no_change : float, int
        Stop (or, with "adaptive", lower η) after ``n_iter_no_change`` epochs in which the
        monitored loss did not improve by at least ``tol`` (``np.inf``: never). With
        ``early_stopping`` the validation split needs at least 2 rows.
    verbose : bool, default=False
        A progress bar on stderr when stderr is a terminal; otherwise scikit-learn's lines on
        stdout, "Iteration N, loss = …" per epoch.
    warm_start : bool, default=False
        ``fit`` goes on from the fitted network: its weights, the scalers, and, for "gd",
        "sgd" and "adam", the optimizer's state (Adam's moments, SGD's velocity, the step
        count, η as the schedule left it; kept when the step settings are unchanged), the
        early-stopping monitor (best loss, epochs without improvement, best weights) and the
        random generator of the shuffles, so that ``fit`` with ``max_iter=k`` twice equals
        one ``fit`` with ``max_iter=2k``. The validation split is drawn again as the first
        time (the same rows for the same data). "lbfgs" goes on from the weights with a new
        L-BFGS memory, as scikit-learn. The curves, ``t_`` and the best scores go on;
        ``n_iter_`` counts the last ``fit``. X must have the same columns and y the same
        number of outputs, and ``activation``, ``hidden_layer_sizes``, ``dtype``,
        ``standardize`` and the loss's output layer must be those the network was made
        with (a ``ConfigError`` otherwise: set them back, or fit with warm_start=False).
        A model from ``load_model`` or ``from_network`` keeps no optimizer state: it goes
        on from its weights and scalers with a new optimizer.
    momentum, nesterovs_momentum : float, bool
        Of solver "sgd".
    early_stopping : bool, default=False
        Monitor the loss on a validation split of ``validation_fraction`` of the rows instead
        of the training loss, and restore the best weights at the end. Not used by "lbfgs".
    beta_1, beta_2, epsilon : float
        Of solver "adam".
    max_fun : int, default=15000
        Maximum number of loss evaluations of "lbfgs".
    loss : {"squared", "huber", "poisson"}, default="squared"
        J^(i) = ½‖a^(L) − y‖², the Huber loss, or half the Poisson deviance
        Σ_j y_j log(y_j / a_j) − y_j + a_j with the output a^(L) = exp(z^(L)) (scikit-learn's
        ``loss="poisson"``: y ≥ 0 with sum(y) > 0, e.g. counts; ``predict`` returns the
        expected count). "squared_error" (scikit-learn's name) is "squared".
    standardize : bool, default=True
        Standardize X and y inside (zero mean, unit variance per column). A sparse X
        (``scipy.sparse`` CSR or CSC) is scaled only, never centered, so that it stays sparse
        (as ``StandardScaler(with_mean=False)``): ``x_mean_`` is then 0. With
        ``loss="poisson"`` y is never scaled (the exp output predicts it on its own scale).
    dtype : {None, "float64", "float32"}, default=None
        Kept end to end: parameters, gradients and predictions. None follows X, as
        ``MLPRegressor``: float32 X gives float32, any other X float64.
    categorical_features : "from_dtype", list of str or int, bool mask, or None, \
default="from_dtype"
        The categorical columns, as ``HistGradientBoostingRegressor`` reads them:
        "from_dtype" takes the text columns of a DataFrame (object, string or category
        dtype); names (of a DataFrame's columns), indices or a mask name them (e.g. integer
        codes). Each becomes a one-hot block of the input layer, kept sparse (Θ^(1) times a
        one-hot column is a lookup: docs/derivation.md); a category not seen in ``fit`` is
        an all-zero block at ``predict`` (see ``handle_unknown``). A DataFrame column of
        dates or times is a ``DataError``: give it as numbers (``.dt.day_of_year``).
    missing : {"error", "impute"}, default="error"
        "error" (scikit-learn's behaviour): a missing cell (NaN, None) is a ``DataError``
        naming every such cell by row and column. "impute": a missing number gets the
        median of the training rows and, when training had missing cells there, a
        was-missing indicator column; a missing text cell is the category "(missing)".
    handle_unknown : {"warn", "error"}, default="warn"
        A category ``predict`` meets that ``fit`` did not see: an all-zero block with one
        warning naming the column and the values, or a ``DataError``.

    Attributes
    ----------
    network_ : Network
        The trained network, in standardized space.
    x_mean_, x_scale_ : ndarray of shape (n_features_in_,)
    y_mean_, y_scale_ : ndarray of shape (n_outputs_,)
        The scalers (mean 0 and scale 1 when ``standardize=False``).
    coefs_, intercepts_ : lists of ndarray
        scikit-learn's layout: ``coefs_[i]`` is Θ^(i+1)ᵀ (n_in, n_out), ``intercepts_[i]`` is
        b^(i+2); views of ``network_.params``. Assigning a list of arrays of these shapes
        writes them into ``network_.params``.
    n_layers_ : int
        L, the number of layers (input and output included).
    out_activation_ : str
        "identity": the output layer is linear; "exp" with ``loss="poisson"``.
    loss_ : float
        The last training loss (with the α term, as scikit-learn's).
    final_loss_ : float
        J without the α term on the training rows at the parameters kept: the definition of
        the validation loss and of the poor-fit warning (NaN after ``partial_fit``).
    best_loss_ : float or None
        The lowest training loss; None with ``early_stopping`` (as scikit-learn: see
        ``best_validation_score_``).
    loss_curve_, validation_loss_curve_ : list of float
        Per epoch; the validation curve is empty without ``early_stopping``.
    validation_scores_ : list of float or None
        R² on the validation split per epoch with ``early_stopping`` (None without).
    best_validation_score_ : float or None
        The highest of ``validation_scores_`` (None without ``early_stopping``).
    n_iter_, t_ : int
        Epochs run and training samples seen.
    interrupted_ : bool
        True when Ctrl-C stopped training (the best weights so far are kept).
    n_features_in_, n_outputs_ : int
        The columns of X (before encoding) and the outputs.
    feature_names_in_ : ndarray of str
        When X has string column names.
    encoder_ : deltaprop.tabular.Encoder or None
        The map from the columns of X to the network's input (n_1 columns: numbers
        standardized, was-missing indicators, one-hot blocks), when X has categorical columns
        or ``missing="impute"``; then ``x_mean_`` is 0 and ``x_scale_`` 1. None otherwise.
    filled_ : dict
        Column name → the number of missing cells of the last ``fit`` filled by
        ``missing="impute"`` (empty without).
    target_names_ : list of str or None
        The name of a target ``Series`` or the columns of a target ``DataFrame``.
    y_ndim_ : int
        1 when fitted on a 1-D y (``predict`` returns (m,)), else 2.
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="squared",
        standardize=True,
        dtype=None,
        categorical_features="from_dtype",
        missing="error",
        handle_unknown="warn",
    ):
        for name, value in dict(locals()).items():  # scikit-learn's contract: stored as given
            if name != "self":
                setattr(self, name, value)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = True  # scipy.sparse X, kept sparse (deltaprop.sparse_input)
        return tags

    def fit(self, X, y, sample_weight=None):
        """Train on X (m, n) and y (m,) or (m, k); returns self.

        ``sample_weight`` (m,), weights w_i >= 0, makes J = (Σ_i w_i J^(i) + (α/2) Σ_l
        ‖Θ^(l)‖²_F) / Σ_i w_i (docs/derivation.md "Sample weights"): a weight of 2 counts a row
        twice, in the scalers and the validation loss and R² too; rows of weight 0 are left out.
        With ``warm_start`` and a fitted network, training goes on from it. Dask arrays and
        DataFrames train on the Dask cluster (no sample weights or warm start there).
        """
        config = self.train_config()
        first = not (self.warm_start and hasattr(self, "network_"))
        if not first:
            self._check_goes_on()
        if not first or sample_weight is not None:
            fix = "set warm_start=False and pass sample_weight=None"
            self._refuse_dask(X, y, "warm_start and sample_weight are", fix)
        with self._rows(X, y, first, sample_weight) as rows:
            self._fit(rows, config, first)
        return self

    def fit_rows(self, rows):
        """``fit`` on rows read elsewhere: a ``distributed.DaskRows`` of files on a Dask
        cluster (``deltaprop train --dask``); returns self."""
        config = self.train_config()
        self._check_columns(rows.meta, first=True)
        self._fit(rows, config, first=True)
        return self

    @available_if(_has_step_rule)
    def partial_fit(self, X, y, sample_weight=None, *, scalers=None):
        """One pass over the rows of X (m, n) and y (m,) or (m, k), in mini-batches; returns self.

        ``sample_weight`` (m,) as in ``fit``. The first call (on an unfitted estimator) makes
        the network, the scalers (from this chunk unless ``scalers`` gives them) and
        ``encoder_`` (from this chunk alone: a category first met later is one not seen in
        training, as at ``predict``); every later call, as a call after ``fit``, goes on with
        the same network, scalers, optimizer state (Adam's moments, SGD's velocity, the step
        count, η) and shuffles' generator. So calls over the batches of a ``fit``
        (``shuffle=False``, the same scalers) end where that ``fit`` does, and so do calls
        each over all the rows, one per epoch. Each call is one epoch: ``n_iter_`` is 1, the
        loss curve gets one entry, ``t_`` grows by m. Not for "lbfgs" (scikit-learn's
        ``AttributeError``) nor with ``early_stopping`` (scikit-learn's error).

        A chunk of Dask arrays or DataFrames is one synchronous data-parallel pass on the Dask
        cluster, with the same updates and optimizer state as in memory (docs/scaling.md). No
        ``sample_weight`` there.

        Parameters
        ----------
        scalers : dict, optional
            Only on the first call: any of "x_mean", "x_scale" (n,), "y_mean", "y_scale" (k,),
            e.g. measured over the whole stream; the others come from the first chunk (and are
            0 and 1 with ``standardize=False``).
        """
        if self.early_stopping:
            raise ConfigError(
                "partial_fit does not support early_stopping=True (one pass has no epochs to "
                "stop); set early_stopping=False"
            )
        first = not hasattr(self, "network_")
        if not first:
            self._check_goes_on()
        if scalers is not None and not first:
            raise ConfigError(
                "scalers are fixed by the first partial_fit (or fit); pass them only then"
            )
        config = dataclasses.replace(self.train_config(), max_iter=1, early_stopping=False)
        if sample_weight is not None:
            fix = "pass sample_weight=None, or pass in-memory chunks (chunk.compute()) to "
            self._refuse_dask(X, y, "sample_weight is", fix + "weight them")
        with self._rows(X, y, first, sample_weight) as rows:
            self._fit(rows, config, first, scalers=scalers, final=False)
        return self

    def _refuse_dask(self, X, y, what, fix):
        """``ConfigError`` "``what`` not available for Dask input; ``fix``" when X or y is a
        Dask collection (the loss's own error on Dask first)."""
        if is_dask_collection(X) or is_dask_collection(y):
            check_dask_loss(self.loss)
            raise ConfigError(f"{what} not available for Dask input; {fix}")

    def _check_goes_on(self):
        """Before going on from the fitted network (``warm_start``, a later ``partial_fit``):
        a ``ConfigError`` when a setting that made it has changed since, for the network
        would go on as it was and ignore the new value (scikit-learn's ``MLPRegressor``
        fails or ignores it). Set it back, or fit with warm_start=False to start afresh."""
        net = self.network_
        dtype = net.dtype if self.dtype is None else check_dtype(self.dtype)
        standardized = getattr(self, "_standardized", self.standardize)
        settings = {  # name: (its value now, the fitted network's)
            "activation": (get_activation(self.activation).name, net.activation.name),
            "hidden_layer_sizes": (self._hidden_sizes(), tuple(net.sizes[1:-1])),
            "dtype": (str(dtype), str(net.dtype)),
            "standardize": (check_bool("standardize", self.standardize), standardized),
            "output layer (loss)": (get_loss(self.loss).output, net.output.name),
        }
        for name, (value, fitted) in settings.items():
            if value != fitted:
                raise ConfigError(
                    f"{name} {value!r}, but the fitted network was made with {fitted!r} "
                    f"and would go on as it is; set it back, or fit with warm_start=False to "
                    "train a new network"
                )

    @property
    def _encoder(self):
        """``encoder_``, None when there is none (an estimator fitted on Dask, or unfitted)."""
        return getattr(self, "encoder_", None)

    def _encoded(self, X, first):
        """X as the network's input: its raw columns through ``encoder_`` (learned here when
        ``first``: ``deltaprop.tabular``) when it has categorical columns or ``missing`` is
        "impute"; else X as it is (``encoder_`` None)."""
        if first:
            self.encoder_, self.filled_ = self._fit_encoder(X), {}
        if self._encoder is None:
            return X
        validate_data(self, X, reset=first, skip_check_array=True)  # names and count of columns
        _, table, _ = raw_table(X)
        if not first:  # the names are the fit's, or X or the fit had none: by position
            table = dict(zip(self.encoder_.names, table.values(), strict=True))
        table = numbers_only(table, self.encoder_.categorical)
        unknown = {"warn": "ignore", "error": "error"}[self.handle_unknown]
        encoded = self.encoder_.transform(table, self.missing, unknown)
        if encoded.unseen:
            text = unseen_text(encoded.unseen)
            warnings.warn(
                UnseenCategoryWarning(f"{text}: their rows get no category"), stacklevel=3
            )
        if first:
            self.filled_ = encoded.filled
        X_1 = encoded.X  # (m, n_1), CSR with a one-hot block
        return X_1 if self.dtype is None else X_1.astype(check_dtype(self.dtype))

    def _fit_encoder(self, X):
        """The ``Encoder`` of X's raw columns, or None when X needs none (no categorical
        column and ``missing="error"``, or sparse X)."""
        spec = self.categorical_features
        by_dtype = isinstance(spec, str) and spec == "from_dtype"
        framed = hasattr(X, "iloc") or hasattr(X, "column_names")
        if issparse(X) or (self.missing == "error" and (spec is None or by_dtype) and not framed):
            return None
        names, table, framed = raw_table(X)
        categorical = categorical_names(spec, names, table, framed)
        table = numbers_only(table, categorical)  # a column of text not named: DataError
        if not categorical and self.missing == "error":
            return None
        encoder = fit_encoder(table, categorical, missing=self.missing)
        if not self.standardize:  # the numbers as they are (mean 0, scale 1)
            encoder = unscaled(encoder)
        return encoder

    @contextlib.contextmanager
    def _rows(self, X, y, first, sample_weight=None):
        """The rows of a fit, checked: ``trainingdata.Rows`` in memory; for Dask collections a
        ``distributed.DaskRows`` on the active client (or a local cluster for the block)."""
        if not (is_dask_collection(X) or is_dask_collection(y)):
            check_column_names(X)
            check_some_rows(X)
            X = self._encoded(X, first)
            yield self._rows_in_memory(X, y, first, sample_weight)
            return
        from deltaprop.distributed import dask_rows  # Dask input only

        check_dask_loss(self.loss)
        if first:  # no categorical columns on Dask
            self.encoder_, self.filled_ = None, {}
        with dask_rows(X, y, self._hidden_sizes()) as rows:
            self._check_columns(rows.meta, first)
            yield rows

    def _rows_in_memory(self, X, y, first, sample_weight):
        """X (m, n) and y checked (``first``: their columns set the fitted ones), with the
        checked sample weights; rows of weight 0 dropped."""
        names = target_names(y)  # a Series' name, a DataFrame's columns
        y_rules = {"ensure_all_finite": False, "dtype": FLOATS, "ensure_2d": False}
        if self._encoder is None:
            X, y = validate_data(self, X, y, reset=first, validate_separately=(X_RULES, y_rules))
        else:  # X is encoded: its raw columns were checked against the fit's by ``_encoded``
            X, y = check_array(X, **X_RULES), check_array(y, **y_rules)
        check_consistent_length(X, y)
        check_finite_data(X, "X")
        check_finite_data(
            y, "y", "leave out the rows whose target is missing (a target is never imputed)"
        )
        Y = y.reshape(len(y), -1)  # (m, k)
        X, Y, w = without_zero_weights(X, Y, check_sample_weight(sample_weight, X.shape[0]))
        if get_loss(self.loss).output == "exp":
            check_counts(Y, self._columns("y"))
        return Rows(X, Y, w, target_names=names, y_ndim=y.ndim)

    def _check_columns(self, meta, first):
        """What ``validate_data`` checks of X's columns (their number and names; set when
        ``first``), on rows (0, n) with X's columns: before any row of Dask data is read."""
        check_column_names(meta)
        validate_data(
            self, meta, reset=first, ensure_min_samples=0, ensure_all_finite=False, dtype=None
        )

    def _fit(self, rows, config, first, *, scalers=None, final=True):
        """The one path of ``fit`` and ``partial_fit``, in memory or on Dask: the scalers
        (from ``rows`` when ``first``, with those of ``scalers`` replacing them), the network
        and the ``TrainState`` (new when ``first``, else the fitted ones), the training run
        and the history; ``final`` as ``train.train_on``'s, and then the warnings about the fit."""
        self.target_names_, self.y_ndim_ = rows.target_names, rows.y_ndim
        if first:
            self.n_outputs_ = rows.n_outputs
            self._make_scalers(rows, scalers)
        elif rows.n_outputs != self.n_outputs_:
            raise DataError(
                f"y has {rows.n_outputs} outputs; this model was fitted with {self.n_outputs_} "
                "and goes on with the same network: pass y with as many columns, or refit with "
                "warm_start=False"
            )
        scaling = (self.x_mean_, self.x_scale_), (self.y_mean_, self.y_scale_)
        dtype = self.x_mean_.dtype
        data = rows.standardized(scaling, dtype, (self._columns("X"), self._columns("y")))
        state, rng = self._start(rows.n_features, dtype, config, first)
        if first and self.network_.output.name == "exp":
            start_at_mean(self.network_, rows.target_mean())  # y is unscaled: the exp output
        try:
            history = train_on(self.network_, data, config, rng=rng, state=state, final=final)
        except ClusterLostError as err:  # the best weights so far, as after Ctrl-C
            self._set_history(err.history)
            raise
        self._state = state
        self._set_history(history)
        if final:
            warn_about_fit(history, config)

    def _make_scalers(self, rows, scalers):
        """The scalers of ``rows`` in the dtype of ``dtype`` (None: X's, as MLPRegressor);
        those in ``scalers`` replace them."""
        dtype = PARAMETERS["dtype"]("dtype", self.dtype) or np.dtype(rows.dtype)  # None: X's
        # the Poisson loss's exp output needs y in its own units: y stays unscaled
        scale_y = self.standardize and get_loss(self.loss).output == "identity"
        scale_x = self.standardize and self._encoder is None  # the encoder standardized X
        columns = (self._columns("X"), self._columns("y"))
        x, y = rows.scalers((scale_x, scale_y), dtype, columns)
        (self.x_mean_, self.x_scale_), (self.y_mean_, self.y_scale_) = x, y
        if scalers is not None:
            self._set_scalers(scalers)

    def _new_state(self):
        """A ``TrainState`` for a model without one (loaded, or from ``from_network``): a new
        optimizer, the training record so far (its curves grow on)."""
        history = History(
            loss_curve=list(self.loss_curve_),
            validation_loss_curve=list(self.validation_loss_curve_),
            validation_scores=list(self.validation_scores_ or []),
            best_loss=min(self.loss_curve_, default=math.inf),
            best_validation_loss=min(self.validation_loss_curve_, default=math.inf),
            t=self.t_,
        )
        return TrainState(history=history)

    def _set_scalers(self, scalers):
        """Replace the scalers named in ``scalers`` (a dict, keys in ``SCALERS``)."""
        if not isinstance(scalers, dict) or not set(scalers) <= set(SCALERS):
            raise ConfigError(f"scalers must be a dict with keys among {', '.join(SCALERS)}")
        for name, value in scalers.items():
            old = getattr(self, name + "_")
            value = _scaler_part(name, value, old, len(old), old.dtype)  # None: keep old
            if not np.all(np.isfinite(value)) or (name.endswith("scale") and np.any(value <= 0)):
                raise ConfigError(f"{name} must be finite (and a scale > 0); got {value}")
            setattr(self, name + "_", value)

    def _start(self, n_features, dtype, config, first):
        """The ``TrainState`` and generator a run goes on from; when ``first``, a new state
        and ``network_`` (n_features inputs, of ``dtype``) drawn from ``random_state``."""
        state = TrainState() if first else getattr(self, "_state", None) or self._new_state()
        rng = make_rng(self.random_state) if state.rng is None else state.rng
        if first:
            sizes = (n_features, *self._hidden_sizes(), self.n_outputs_)
            output = get_loss(config.loss).output
            self.network_ = starting_network(
                sizes, self.activation, config.solver, rng, dtype, output
            )
        return state, rng

    def predict(self, X):
        """Predictions for X (m, n): (m,) when fitted on a 1-D y, else (m, k)."""
        check_is_fitted(self, "network_")
        check_column_names(X)
        if self._encoder is not None:
            return self._predicted(self._encoded(X, first=False))
        return self._predicted(validate_data(self, X, reset=False, **X_RULES))

    def _predicted(self, X):
        """Predictions for the checked input X (m, n_1), dense or sparse."""
        check_finite_data(X, "X")
        if issparse(X) and self.x_mean_.any():  # centered on dense X: dense row blocks
            from scipy import sparse

            X, step = sparse.csr_matrix(X), SPARSE_ROWS
            return np.concatenate(
                [self._predicted(X[s : s + step].toarray()) for s in range(0, X.shape[0], step)]
            )
        dtype = self.network_.dtype
        X_s = standardized(X, self.x_mean_, self.x_scale_, dtype, self._columns("X"))  # (m, n)
        if issparse(X_s):  # the hidden layers a block of columns at a time
            Y_s = outputs(self.network_, X_s.T).T  # (m, k)
        else:
            Y_s = self.network_.predict(X_s.T).T  # (m, k)
        Y = Y_s * self.y_scale_ + self.y_mean_
        return Y.ravel() if self.y_ndim_ == 1 else Y

    @classmethod
    def from_network(
        cls,
        network,
        *,
        x_mean=None,
        x_scale=None,
        y_mean=None,
        y_scale=None,
        y_1d=True,
        feature_names_in=None,
        history=None,
        encoder=None,
        **params,
    ):
        """A fitted estimator around ``network`` (model files, weights from other libraries).

        Parameters
        ----------
        network : Network
            Works in the scaled space: ``predict(X) = y_mean + y_scale · a^(L)((X − x_mean) /
            x_scale)``; its activation becomes the estimator's, and its dtype too unless
            ``params`` leave ``dtype=None`` (follow the input at the next ``fit``).
        x_mean, x_scale : array (n_1,), optional
            Input scaler (default: 0 and 1, no scaling).
        y_mean, y_scale : array (n_L,), optional
            Output scaler (default: 0 and 1).
        y_1d : bool
            ``predict`` returns (m,) rather than (m, 1); only for one output.
        feature_names_in : sequence of str, optional
            The column names ``predict`` checks on DataFrames.
        history : History, optional
            The training record (default: empty, as for weights trained elsewhere).
        encoder : deltaprop.tabular.Encoder, optional
            The map from the raw columns of X to the network's n_1 inputs (``encoder_``);
            ``n_features_in_`` is then its number of raw columns.
        **params
            The estimator's hyperparameters (``get_params`` names).
        """
        n_in, n_out = network.sizes[0], network.sizes[-1]
        dtype = network.dtype
        estimator = cls(**params)
        estimator.set_params(
            hidden_layer_sizes=tuple(network.sizes[1:-1]), activation=network.activation.name
        )
        if get_loss(estimator.loss).output != network.output.name:
            raise ConfigError(
                f"loss={estimator.loss!r} does not fit the network's output layer "
                f"{network.output.name!r}; pass the loss it was trained with, e.g. loss='poisson'"
            )
        if estimator.dtype is not None:  # an explicit dtype is the network's
            estimator.set_params(dtype=str(dtype))
        estimator.network_ = network
        estimator.x_mean_ = _scaler_part("x_mean", x_mean, 0.0, n_in, dtype)
        estimator.x_scale_ = _scaler_part("x_scale", x_scale, 1.0, n_in, dtype)
        estimator.y_mean_ = _scaler_part("y_mean", y_mean, 0.0, n_out, dtype)
        estimator.y_scale_ = _scaler_part("y_scale", y_scale, 1.0, n_out, dtype)
        estimator.n_features_in_, estimator.n_outputs_ = n_in, n_out
        estimator.encoder_, estimator.filled_ = encoder, {}
        if encoder is not None:
            if encoder.n_encoded != n_in:
                raise ConfigError(
                    f"the encoder makes {encoder.n_encoded} inputs; the network has {n_in}"
                )
            estimator.n_features_in_ = len(encoder.columns)
        estimator.y_ndim_ = 1 if y_1d and n_out == 1 else 2
        if feature_names_in is not None:
            estimator.feature_names_in_ = np.asarray(feature_names_in, dtype=object)
        estimator._set_history(history if history is not None else History())
        return estimator

    coefs_ = layers_property(
        "coefs_",
        "Θ^(l)ᵀ for l = 1..L−1, each (n_l, n_{l+1}) (scikit-learn's layout).",
        lambda net: [net.theta[l].T for l in range(1, net.L)],
    )
    intercepts_ = layers_property(
        "intercepts_",
        "b^(l) for l = 2..L, each (n_l,).",
        lambda net: [net.b[l] for l in range(2, net.L + 1)],
    )

    @property
    def n_layers_(self):
        """L, the number of layers (input and output included)."""
        return self.network_.L

    def _columns(self, name):
        """How an error names column j of ``name`` ("X" or "y"): by the feature or target name
        of the fit when it had names (a DataFrame's columns, a Series' name)."""
        names = getattr(self, "feature_names_in_" if name == "X" else "target_names_", None)
        return Columns(name, None if names is None else tuple(map(str, names)))

    def _set_history(self, history):
        self._standardized = self.standardize  # what the network goes on with (_check_goes_on)
        self.out_activation_ = self.network_.output.name  # "identity" or "exp" (poisson)
        self.loss_ = history.loss
        self.loss_curve_ = history.loss_curve
        self.final_loss_ = history.final_loss
        self.validation_loss_curve_ = history.validation_loss_curve
        validating = self.early_stopping and self.solver != "lbfgs"  # as scikit-learn
        self.best_loss_ = None if validating else history.best_loss
        self.validation_scores_ = history.validation_scores if validating else None
        self.best_validation_score_ = (
            max(history.validation_scores, default=None) if validating else None
        )
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.interrupted_ = history.interrupted
        self.stop_reason_ = history.stop_reason

    def _hidden_sizes(self):
        """``hidden_layer_sizes`` as a checked tuple of widths (() for none)."""
        return PARAMETERS["hidden_layer_sizes"]("hidden_layer_sizes", self.hidden_layer_sizes)

    def train_config(self):
        """Check every hyperparameter once, by its rule (``PARAMETERS`` here, the others
        ``TrainConfig``'s); return the ``TrainConfig`` that ``fit`` uses.

        Raises ``ConfigError`` naming the first invalid one, with its value as given (``fit``
        calls this first; the command line calls it before reading any data).
        """
        own = {name: check(name, getattr(self, name)) for name, check in PARAMETERS.items()}
        return TrainConfig(**{name: own.get(name, getattr(self, name)) for name in CONFIG_FIELDS})


def check_batch_size(name, value):
    """ "auto" as None (min(200, m)); an integer >= 1 as it is (``TrainConfig`` checks it)."""
    if value is None:  # only "auto" means automatic here
        raise ConfigError(f"{name}=None must be 'auto' or an integer >= 1")
    return None if isinstance(value, str) and value == "auto" else value


def check_random_state(name, value):
    """None, an integer, a ``numpy.random.Generator`` or a ``RandomState``, as it is."""
    kinds = numbers.Integral | np.random.Generator | np.random.RandomState
    if value is None or isinstance(value, kinds):
        return value
    raise ConfigError(f"{name}={value!r} must be None, an integer or a numpy.random.Generator")


PARAMETERS = {  # the estimator's own parameters -> check(name, value); the rest: TrainConfig's
    "activation": lambda name, value: get_activation(value).name,
    "standardize": check_bool,
    "warm_start": check_bool,
    "hidden_layer_sizes": lambda name, value: check_sizes(value, name=name, min_layers=0),
    "dtype": lambda name, value: None if value is None else check_dtype(value),
    "random_state": check_random_state,
    "batch_size": check_batch_size,
    "missing": lambda name, value: check_choice(name, value, MISSING_CHOICES),
    "handle_unknown": lambda name, value: check_choice(name, value, ("warn", "error")),
}


def _scaler_part(name, value, default, n, dtype):
    """A scaler vector (n,) of ``dtype``: ``default`` everywhere when ``value`` is None."""
    if value is None:
        return np.full(n, default, dtype=dtype)
    value = np.asarray(value, dtype=dtype)
    if value.shape != (n,):
        raise ConfigError(f"{name} has shape {value.shape}; the network needs ({n},)")
    return value


def check_counts(Y, column):
    """``DataError`` unless Y (m, k) is ≥ 0 with a positive sum, as the Poisson loss needs
    (scikit-learn's rule for ``loss="poisson"``)."""
    negative = np.argwhere(Y < 0)
    if len(negative):
        i, j = negative[0]
        raise DataError(
            f"{column(j)} holds {Y[i, j]:g} at row {i} (counting from 0): loss='poisson' "
            "requires non-negative y and sum(y) > 0 (counts); use loss='squared' for such targets"
        )
    if not Y.sum() > 0:
        raise DataError(
            "y is 0 in every row: loss='poisson' requires non-negative y and sum(y) > 0 "
            "(counts); fit on rows with some nonzero counts"
        )


def start_at_mean(network, y_bar):
    """b^(L) = log ȳ, ȳ (n_L,) the (weighted) mean count of each output: the exp output
    starts at the mean count, as scikit-learn's ``PoissonRegressor`` starts its intercept (0
    for an output that is all 0; a weight of 2 is the row twice, from the start)."""
    network.b[network.L][...] = np.log(np.where(y_bar > 0, y_bar, 1.0))  # b^(L): (n_L,)


def check_dask_loss(loss):
    """``ConfigError`` for ``loss="poisson"`` on Dask (its exp output is not distributed yet)."""
    if get_loss(loss).output != "identity":
        raise ConfigError(
            f"loss={loss!r} does not train on Dask yet; train in memory (NumPy or pandas data, "
            "or deltaprop train without --dask) or use loss='squared'"
        )


def starting_network(sizes, activation, solver, rng, dtype, output="identity"):
    """The network training starts from: ``Network.initialize`` with c = 6, or 2 for L-BFGS
    on the sigmoid (scikit-learn's bound; measured: the larger one trains adam and sgd faster
    and left L-BFGS's held-out R² behind, docs/derivation.md "Initialization")."""
    network = Network(sizes, activation, dtype=dtype, output=output)
    sigmoid_lbfgs = solver == "lbfgs" and network.activation.name == "sigmoid"
    network.initialize(rng, c=2.0 if sigmoid_lbfgs else 6.0)
    return network


def make_rng(random_state):
    """A ``numpy.random.Generator`` from None, an int, a Generator or a RandomState."""
    random_state = check_random_state("random_state", random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    return np.random.default_rng(random_state)


def check_column_names(X):
    """``DataError`` for a DataFrame whose column names mix strings with other types
    (scikit-learn raises ``TypeError`` for it)."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return
    kinds = sorted({type(name).__name__ for name in columns})
    if "str" in kinds and len(kinds) > 1:
        raise DataError(
            f"X has column names of mixed types ({', '.join(kinds)}); make them all strings, "
            "e.g. X.columns = X.columns.astype(str)"
        )


def check_some_rows(X):
    """scikit-learn's ``ValueError`` for X of no rows, before its columns are read."""
    if _num_samples(X) == 0:
        raise DataError(
            "Found array with 0 sample(s) while a minimum of 1 is required by "
            "DeltapropRegressor; give X at least one row"
        )


def warn_about_fit(history, config):
    """scikit-learn's ``ConvergenceWarning`` when training hit ``max_iter`` (or ``max_fun``),
    and a ``PoorFitWarning`` when the final training loss is above the trivial model's."""
    if history.stop_reason in ("max_iter", "max_fun"):
        limit = f"max_iter={config.max_iter}"
        if history.stop_reason == "max_fun":
            limit = f"max_fun={config.max_fun}"
        warnings.warn(
            ConvergenceWarning(
                f"Maximum iterations reached ({limit}) and the optimization hasn't converged "
                "yet; raise the limit or tol"
            ),
            stacklevel=4,
        )
    if history.final_loss > history.trivial_loss > 0:
        warning = PoorFitWarning(
            f"training ended worse than predicting the mean of the training targets (loss "
            f"without the L2 term {history.final_loss:.4g}, the mean's {history.trivial_loss:.4g}) "
            f"after {history.n_iter} iterations: train longer (max_iter), change "
            "learning_rate_init, or check the data"
        )
        warning.final_loss, warning.trivial_loss = history.final_loss, history.trivial_loss
        warnings.warn(warning, stacklevel=4)


def target_names(y):
    """The column names of a pandas ``y`` (or any with ``name``/``columns``), else None."""
    columns = getattr(y, "columns", None)
    if columns is not None:
        return [str(name) for name in columns]
    name = getattr(y, "name", None)
    return None if name is None else [str(name)]
