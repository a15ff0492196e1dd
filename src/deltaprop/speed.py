"""Two measured speed-ups outside the equations (see ``benchmarks/NOTES.md`` for the numbers).

- ``adam_kernel()``: Adam's update (``deltaprop.optim.adam_update``) fused into one pass over
  the flat vector, compiled with Numba when it is installed (the optional ``fast`` extra); None
  without Numba. Both give the same bits: the kernel does the same IEEE operations in the same
  order (no ``fastmath``), which the tests check. ``optim.Adam`` uses it only for runs big
  enough to repay Numba's import. The compiled code is cached in the user's cache folder
  (``$NUMBA_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/deltaprop/numba`` or
  ``~/.cache/deltaprop/numba``), never beside the source.
- ``scipy_blas_single_thread()``: SciPy's wheels bring their own OpenBLAS, next to NumPy's.
  During L-BFGS-B the two thread pools alternate and each one's idle threads spin on the cores
  the other needs; limiting SciPy's (used only for L-BFGS-B's small vector operations) to one
  thread makes an iteration 2–18× faster on the benchmark workloads.
"""

import contextlib
import functools
import math
import os


def _adam_update(
    params, grad, m, v, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, epsilon, eta_t
):  # pragma: no cover  (compiled by Numba; tested through it)
    for i in range(params.size):
        m_i = m[i] * beta_1 + grad[i] * one_minus_beta_1  # m ← β₁ m + (1 − β₁) ∇J
        v_i = v[i] * beta_2 + (grad[i] * grad[i]) * one_minus_beta_2  # v ← β₂ v + (1 − β₂) ∇J²
        m[i] = m_i
        v[i] = v_i
        params[i] -= (m_i / (math.sqrt(v_i) + epsilon)) * eta_t  # Θ ← Θ − η_t m / (√v + ε)


@functools.cache
def _compiled_adam():
    try:
        import numba
    except ImportError:
        return None
    saved = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = saved or cache_dir()  # read when the cache is set up, below
    try:
        # error_model="numpy": no ZeroDivisionError branch, so the loop vectorizes
        return numba.njit(_adam_update, nogil=True, error_model="numpy", cache=True)
    finally:
        numba.config.CACHE_DIR = saved


def cache_dir():
    """Where the compiled kernel is cached: the user's cache folder, not the source tree."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "deltaprop", "numba")


def adam_kernel():
    """A function ``kernel(params, grad, m, v, eta_t, beta_1, beta_2, epsilon)`` doing one Adam
    update in place, or None when Numba is not installed."""
    compiled = _compiled_adam()
    if compiled is None:
        return None

    def kernel(params, grad, m, v, eta_t, beta_1, beta_2, epsilon):
        t = params.dtype.type  # the scalars in the arrays' dtype, as NumPy's ufuncs use them
        compiled(
            params,
            grad,
            m,
            v,
            t(beta_1),
            t(1 - beta_1),
            t(beta_2),
            t(1 - beta_2),
            t(epsilon),
            t(eta_t),
        )

    return kernel


def scipy_blas_single_thread():
    """A context manager limiting the BLAS libraries that SciPy's wheels bring to one thread
    (NumPy's keeps its threads); a no-op when SciPy shares NumPy's BLAS or threadpoolctl is
    missing."""
    scipy_blas = _scipy_blas_controller()
    return contextlib.nullcontext() if scipy_blas is None else scipy_blas.limit(limits=1)


@functools.cache
def _scipy_blas_controller():
    """threadpoolctl's controller of SciPy's own BLAS, or None; found once (the scan of the
    loaded libraries takes milliseconds)."""
    try:
        from threadpoolctl import ThreadpoolController  # a scikit-learn dependency
    except ImportError:
        return None
    import scipy.linalg  # noqa: F401  (loads SciPy's BLAS, so that it can be found)

    controller = ThreadpoolController()
    paths = [
        lib.filepath
        for lib in controller.lib_controllers
        if os.path.basename(os.path.dirname(lib.filepath)) == "scipy.libs"
    ]
    return controller.select(filepath=paths) if paths else None
