"""The implementations timed side by side: deltaprop (core API, estimator), scikit-learn, PyTorch.

Each ``run_*`` function trains from the flat initial parameters ``params0`` (deltaprop's layout:
Θ^(1), b^(2), Θ^(2), …) for ``units`` epochs (sgd, adam) or L-BFGS iterations, and returns
``(seconds, units_done, predict)``: the wall time of the training alone, how many epochs or
iterations it did, and a function X (m, n_1) → predictions (m,) of the trained model.
"""

import time
import warnings

import numpy as np
from scipy.optimize import minimize

from deltaprop import Grad, Network, layer_views
from deltaprop.network import Workspace, loss_and_grad
from deltaprop.optim import make_optimizer
from deltaprop.speed import blas_threads_held, scipy_blas_single_thread

try:
    import torch
except ImportError:  # optional: the suite prints a notice and skips it
    torch = None

ADAM = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}


def _rows_predict(net):
    return lambda X: net.predict(X.T)[0]


# --- deltaprop, core API: the loop a user (and deltaprop.train) writes on loss_and_grad ---


def core_epochs(net, X, y, solver, eta, batch, epochs, rng):
    """Mini-batch training on X (m, n_1) rows: one shuffle per epoch into one buffer; a full
    batch is the columns X (n_1, m) in C order, made once, as ``trainingdata.Batches``."""
    m = X.shape[0]
    optimizer = make_optimizer("gd" if solver == "sgd" else solver, eta, **ADAM)
    grad = Grad.zeros_like(net)
    x_rows, y_rows = (np.empty_like(X), np.empty_like(y)) if batch < m else (X, y)
    if batch >= m:
        x_rows = np.ascontiguousarray(X.T).T  # (m, n_1) rows whose transpose is C-ordered
    workspaces = {}
    with blas_threads_held():  # as deltaprop.train: BLAS threads chosen per step size
        _epochs(net, X, y, optimizer, grad, x_rows, y_rows, workspaces, batch, epochs, rng)
    return epochs


def _epochs(net, X, y, optimizer, grad, x_rows, y_rows, workspaces, batch, epochs, rng):
    m = X.shape[0]
    for _ in range(epochs):
        if batch < m:  # a full batch needs no shuffle
            perm = rng.permutation(m)
            np.take(X, perm, axis=0, out=x_rows, mode="clip")  # clip: no temporary copy
            np.take(y, perm, axis=0, out=y_rows, mode="clip")
        for start in range(0, m, batch):
            X_b, Y_b = x_rows[start : start + batch].T, y_rows[None, start : start + batch]
            ws = workspaces.get(X_b.shape[1]) or workspaces.setdefault(
                X_b.shape[1], Workspace(net, X_b.shape[1])
            )
            loss_and_grad(net, X_b, Y_b, out=grad, workspace=ws)  # X_b: (n_1, b) columns, a view
            optimizer.step(net.params, grad.flat)


def core_lbfgs(net, X, y, iters):
    """SciPy's L-BFGS-B on the flat parameter vector directly: no packing, as in
    ``deltaprop.train``."""
    X_cols, Y = X.T, y[None, :]
    grad, ws = Grad.zeros_like(net), Workspace(net, X.shape[0])

    def J_and_grad(theta):
        net.params[...] = theta
        J, _ = loss_and_grad(net, X_cols, Y, out=grad, workspace=ws)
        return J, grad.flat

    options = {"maxiter": iters, "maxfun": 15000, "gtol": 0.0}
    with scipy_blas_single_thread(), blas_threads_held():  # SciPy's idle threads: NumPy's cores
        result = minimize(
            J_and_grad, net.params.astype(np.float64), jac=True, method="L-BFGS-B", options=options
        )
    net.params[...] = result.x
    return result.nit


def run_core(w, X, y, params0, solver, units, seed):
    net = Network(w.sizes, w.activation, dtype=X.dtype, params=params0)
    start = time.perf_counter()
    if solver == "lbfgs":
        done = core_lbfgs(net, X, y, units)
    else:
        rng = np.random.default_rng(seed)
        done = core_epochs(net, X, y, solver, w.eta, w.batch_size, units, rng)
    return time.perf_counter() - start, done, _rows_predict(net)


# --- deltaprop, estimator -------------------------------------------------------------------


def estimator_available():
    try:
        from deltaprop import DeltapropRegressor  # noqa: F401
    except ImportError:
        return False
    return True


def run_estimator(w, X, y, params0, solver, units, seed):
    from deltaprop import DeltapropRegressor

    params = mlp_params(w, solver, units, seed)  # its own initial weights (same distribution)
    est = DeltapropRegressor(**params, standardize=False, dtype=X.dtype.name)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, est.n_iter_, lambda X: np.ravel(est.predict(X))


# --- scikit-learn ---------------------------------------------------------------------------


def mlp_params(w, solver, units, seed):
    return dict(
        hidden_layer_sizes=w.sizes[1:-1],
        activation=w.activation,
        solver=solver,
        alpha=0.0,
        batch_size=w.batch_size,
        learning_rate_init=w.eta,
        max_iter=units,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        n_iter_no_change=10**9,
        momentum=0.0,
        nesterovs_momentum=False,
        early_stopping=False,
        **ADAM,
    )


def run_sklearn(w, X, y, params0, solver, units, seed):
    """MLPRegressor starting from ``params0``: one untimed 1-iteration fit sets its state, then
    ``coefs_``/``intercepts_`` are overwritten and a warm-started fit is timed."""
    from sklearn.neural_network import MLPRegressor

    mlp = MLPRegressor(**mlp_params(w, solver, 1, seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X[:64], y[:64])
        theta, b = layer_views(np.asarray(params0, dtype=X.dtype), w.sizes)
        mlp.coefs_ = [theta[l].T.copy() for l in sorted(theta)]  # sklearn: (n_l, n_{l+1})
        mlp.intercepts_ = [b[l].copy() for l in sorted(b)]
        mlp.set_params(warm_start=True, max_iter=units)
        start = time.perf_counter()
        mlp.fit(X, y)
        seconds = time.perf_counter() - start
    return seconds, mlp.n_iter_, mlp.predict


# --- PyTorch --------------------------------------------------------------------------------


def torch_model(w, params0, dtype):
    layers = []
    theta, b = layer_views(np.asarray(params0), w.sizes)
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[w.activation]
    for l in range(1, len(w.sizes)):
        linear = torch.nn.Linear(w.sizes[l - 1], w.sizes[l], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(theta[l]))  # (out, in): Θ^(l) exactly
            linear.bias.copy_(torch.from_numpy(b[l + 1]))
        layers += [linear, act()] if l < len(w.sizes) - 1 else [linear]
    return torch.nn.Sequential(*layers)


def run_torch(w, X, y, params0, solver, units, seed):
    """nn.Sequential, one randperm gather per epoch, no DataLoader; threads = core count."""
    torch.manual_seed(seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)[:, None]
    model = torch_model(w, params0, Xt.dtype)

    def J():
        return 0.5 * torch.mean((model(Xt) - yt) ** 2)  # the same J as deltaprop, sklearn

    start = time.perf_counter()
    if solver == "lbfgs":
        opt = torch.optim.LBFGS(
            model.parameters(),
            lr=1,
            max_iter=units,
            tolerance_grad=0,
            tolerance_change=0,
            history_size=10,
            line_search_fn="strong_wolfe",
        )

        def closure():
            opt.zero_grad(set_to_none=True)
            loss = J()
            loss.backward()
            return loss

        opt.step(closure)
        done = opt.state[opt._params[0]]["n_iter"]
    else:
        done = _torch_epochs(model, Xt, yt, solver, w, units)
    seconds = time.perf_counter() - start

    def predict(X):
        with torch.no_grad():
            return model(torch.from_numpy(X)).numpy()[:, 0]

    return seconds, done, predict


def _torch_epochs(model, Xt, yt, solver, w, epochs):
    if solver == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=w.eta, momentum=0.0)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=w.eta, betas=(0.9, 0.999), eps=1e-8)
    m, batch = Xt.shape[0], w.batch_size
    for _ in range(epochs):
        perm = torch.randperm(m)
        Xs, ys = Xt[perm], yt[perm]  # one gather per epoch
        for start in range(0, m, batch):
            opt.zero_grad(set_to_none=True)
            out = model(Xs[start : start + batch])
            loss = 0.5 * torch.mean((out - ys[start : start + batch]) ** 2)
            loss.backward()
            opt.step()
    return epochs


IMPLEMENTATIONS = {
    "deltaprop core": run_core,
    "deltaprop estimator": run_estimator,
    "scikit-learn": run_sklearn,
    "PyTorch": run_torch,
}


def available(notice=print):
    """The implementations that can run here; prints a notice for each one skipped."""
    names = list(IMPLEMENTATIONS)
    if not estimator_available():
        notice("notice: deltaprop.DeltapropRegressor not importable; estimator rows skipped")
        names.remove("deltaprop estimator")
    if torch is None:
        notice("notice: PyTorch is not installed (pip install torch); PyTorch rows skipped")
        names.remove("PyTorch")
    return names
