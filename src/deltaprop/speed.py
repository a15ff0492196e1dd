"""Measured speed-ups outside the equations (see ``benchmarks/NOTES.md`` for the numbers).

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
- ``StepThreads`` and ``blas_threads_held()``: NumPy's BLAS thread count chosen per step size
  and load. With another busy process on the machine, a 2-thread GEMM waits for its
  descheduled second thread, and small GEMMs collapse (a 10-64-64-1 epoch 42× slower than
  with 1 thread). A step below ``SMALL_STEP_FLOPS`` runs on 1 thread (it gains little from 2
  on an idle machine); a bigger one runs on all of NumPy's threads while the CPUs have room
  for them beside the other processes' work (``OtherLoad``, measured every 0.1 s), on 1
  otherwise. The thread count can change the last bits of a result (float32 often; float64
  on some shapes: not W1–W4's, but a 10-64-48-1 pass over 1 000 columns), so a big step's fit
  on a machine whose load changes may differ in the last bits from run to run
  (``OPENBLAS_NUM_THREADS=1`` pins the count).
- ``in_halves`` and ``cpu_idle()``: φ of a big hidden layer (``split_pays``) as two halves
  of rows at once, on a helper thread and the caller's, when another CPU is idle; the same
  bits as one piece (element-wise).
"""

import contextlib
import functools
import math
import os
import time


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


# --- NumPy's BLAS threads per step size and load (issue 19) ---

SMALL_STEP_FLOPS = 2e7  # below: 1 thread, whatever the load (the break-even, NOTES)
BUSY_SLACK = 0.5  # cores of other processes' work tolerated beside all of NumPy's threads


def step_flops(sizes, m):
    """Floating-point operations of one forward and backward pass over m columns:
    6 × weights × m (forward 2, ∂J/∂Θ 2, δ 2 per weight and sample)."""
    return 6 * m * sum(n * n_next for n, n_next in zip(sizes[:-1], sizes[1:], strict=True))


class OtherLoad:
    """The cores' worth of work that other processes did on this process's CPUs, measured
    over windows of at least ``WINDOW`` seconds: busy time of those CPUs (``/proc/stat``,
    Linux; steal time counts as busy) minus this process's own CPU time, its spinning BLAS
    threads included.

    ``cores()`` is the last window's figure (None before the first window ends), updated when
    a window has passed; ``read_stat`` returns (idle seconds of our CPUs, their count) or None.
    """

    WINDOW = 0.1

    def __init__(self, read_stat):
        self.read_stat, self.others = read_stat, None
        self.last = self._sample()

    def _sample(self):
        idle, n_cpus = self.read_stat()
        return time.perf_counter(), idle, time.process_time(), n_cpus

    def cores(self):
        now = time.perf_counter()
        if now - self.last[0] >= self.WINDOW:
            sample = self._sample()
            wall, idle, ours = (a - b for a, b in zip(sample[:3], self.last[:3], strict=True))
            busy = sample[3] - idle / wall  # CPUs' worth of work in the window
            self.others, self.last = max(0.0, busy - ours / wall), sample
        return self.others


def proc_stat_idle(cpus=None):
    """(idle + iowait seconds, CPU count) of the CPUs ``cpus`` (default: those this process
    may run on) from ``/proc/stat``."""
    cpus = os.sched_getaffinity(0) if cpus is None else cpus
    idle = 0
    with open("/proc/stat", "rb") as stat:
        for line in stat:
            name, *ticks = line.split()
            if not name.startswith(b"cpu"):
                break
            if name != b"cpu" and int(name[3:]) in cpus:
                idle += int(ticks[3]) + int(ticks[4])  # user nice system idle iowait …
    return idle / os.sysconf("SC_CLK_TCK"), len(cpus)


@functools.cache
def other_load():
    """The process's ``OtherLoad`` on ``/proc/stat``, or None where there is none."""
    try:
        return OtherLoad(proc_stat_idle)
    except (OSError, AttributeError, ValueError, IndexError):  # not Linux, or unreadable
        return None


def threads_for(flops, base, others, n_cpus):
    """NumPy's BLAS threads for a pass of ``flops``: 1 for a small one (``SMALL_STEP_FLOPS``);
    else ``base`` (NumPy's count) when the ``n_cpus`` CPUs have room for them beside
    ``others`` cores of other processes' work, and 1 when they have not or while that is not
    known yet (None: the first window)."""
    if base <= 1 or flops < SMALL_STEP_FLOPS or others is None:
        return 1
    return base if others <= n_cpus - base + BUSY_SLACK else 1


class StepThreads:
    """A context manager around one forward and backward pass of a fixed shape (a
    ``network.Workspace`` has one): it sets NumPy's BLAS thread count for the pass with
    ``threads_for`` from the pass's size and the other processes' load (``OtherLoad``).

    Inside ``blas_threads_held()`` (a training run) the count stays set between passes;
    outside, each pass restores it. Without an OpenBLAS that threadpoolctl can reach, or with
    one thread to start with, it does nothing.
    """

    def __init__(self, flops):
        self.flops, self.blas = flops, None

    def __enter__(self):
        blas = numpy_blas() if _policy_on[0] else None
        base = 1 if blas is None else blas.base()
        if base > 1:
            load = other_load()  # None where it cannot be measured: room assumed
            others, n_cpus = (0.0, base) if load is None else (load.cores(), load.last[3])
            blas.use(threads_for(self.flops, base, others, n_cpus))
            self.blas = blas
        return self

    def __exit__(self, *exc):
        if self.blas is not None:
            self.blas.release()
            self.blas = None


class BlasThreads:
    """NumPy's OpenBLAS thread count through its own ``openblas_set_num_threads`` (a ctypes
    call, microseconds; entering threadpoolctl's ``limit`` takes milliseconds)."""

    def __init__(self, set_threads, get_threads):
        self._set, self._get = set_threads, get_threads
        self.depth, self.saved, self.current = 0, 0, 0

    def base(self):
        """The count to come back to: the library's at the outermost hold, else its count now."""
        if not self.depth:
            self.saved = self.current = self._get()
        return self.saved

    def use(self, n):
        if n != self.current:
            self._set(n)
            self.current = n

    def release(self):
        """After a pass: back to the base count, unless a hold keeps the choice."""
        if not self.depth:
            self.use(self.saved)

    @contextlib.contextmanager
    def held(self):
        if not self.depth:
            self.saved = self.current = self._get()
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if not self.depth:
                self.use(self.saved)


_policy_on = [True]  # False inside ``blas_threads_as_set()``


@contextlib.contextmanager
def blas_threads_as_set():
    """No choice per step inside: every pass runs with NumPy's thread count as it is (set with
    threadpoolctl or ``OPENBLAS_NUM_THREADS``). For benchmarks and tests that compare counts."""
    saved, _policy_on[0] = _policy_on[0], False
    try:
        yield
    finally:
        _policy_on[0] = saved


def blas_threads_held():
    """A context manager for a training run: the passes' thread choices stay set from one
    pass to the next (no call per pass) and the count is restored at the end."""
    blas = numpy_blas()
    return contextlib.nullcontext() if blas is None else blas.held()


THREADS_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


@functools.cache
def numpy_blas():
    """The ``BlasThreads`` of NumPy's OpenBLAS, or None (another BLAS, no threadpoolctl, or
    OpenBLAS started with one thread, as in Dask's and joblib's workers: nothing to choose,
    and threadpoolctl is not even imported); found once per process."""
    setting = next((os.environ[v] for v in THREADS_VARIABLES if os.environ.get(v)), None)
    if setting is not None and setting.strip() == "1":  # the variable OpenBLAS reads first
        return None
    bundled = bundled_openblas()
    if bundled is not None:
        return bundled
    try:
        from threadpoolctl import ThreadpoolController  # a scikit-learn dependency
    except ImportError:
        return None
    openblas = ThreadpoolController().select(internal_api="openblas").lib_controllers
    if len(openblas) > 1:  # SciPy's wheel brings its own: NumPy's is in numpy.libs
        openblas = [
            lib for lib in openblas if "numpy" in os.path.basename(os.path.dirname(lib.filepath))
        ]
    if len(openblas) != 1 or openblas[0].threading_layer != "pthreads":
        return None
    return _ctypes_threads(openblas[0].dynlib)


def bundled_openblas():
    """The ``BlasThreads`` of the OpenBLAS that NumPy's wheel brings (``numpy.libs`` beside
    the package; ``numpy/.dylibs`` on macOS) when it runs on pthreads, or None. Found by its
    path: threadpoolctl's scan of every loaded library takes 10 ms of CPU once scikit-learn
    and SciPy are loaded, a tenth of a first small fit (benchmarks/NOTES.md)."""
    import ctypes
    import glob

    import numpy as np

    root = os.path.dirname(np.__file__)
    paths = glob.glob(os.path.join(root + ".libs", "*openblas*"))
    paths += glob.glob(os.path.join(root, ".dylibs", "*openblas*"))
    if len(paths) != 1:
        return None
    try:
        dynlib = ctypes.CDLL(paths[0])  # already loaded by NumPy: the same library
    except OSError:
        return None
    parallel = _symbol(dynlib, "openblas_get_parallel")  # 1: pthreads (2: OpenMP, 0: none)
    if parallel is None or parallel() != 1:
        return None
    return _ctypes_threads(dynlib)


def _symbol(dynlib, name):
    """The library's function ``name`` whatever its symbol's affixes, or None."""
    for prefix in ("", "scipy_"):
        for suffix in ("", "64_", "_64"):
            function = getattr(dynlib, f"{prefix}{name}{suffix}", None)
            if function is not None:
                return function
    return None


def _ctypes_threads(dynlib):
    """``BlasThreads`` on the library's set/get functions (``openblas_set_num_threads``,
    ``scipy_openblas_set_num_threads64_``, …), or None."""
    set_threads = _symbol(dynlib, "openblas_set_num_threads")
    get_threads = _symbol(dynlib, "openblas_get_num_threads")
    if set_threads is None or get_threads is None:
        return None
    return BlasThreads(set_threads, get_threads)


# --- Element-wise work on the CPU the BLAS leaves idle (issue 19, round two) ---

# φ in two halves pays from this many values on an idle machine: the helper thread's round
# trip costs ~100 µs there (waking an idle CPU), measured with benchmarks/split_threshold.py
SPLIT_MIN_VALUES = 262_144
# the activations whose φ costs enough per value (an exp or tanh, >= 1.5 ns); relu's never
# paid up to 10^6 values, nor did any φ' (benchmarks/NOTES.md)
SPLIT_ACTIVATIONS = frozenset({"tanh", "sigmoid", "softplus", "elu"})


def split_pays(activation, n_rows, m):
    """Whether φ of the activation named ``activation`` on an (n_rows, m) array may run as
    two halves of rows at once: a costly φ (``SPLIT_ACTIVATIONS``), at least
    ``SPLIT_MIN_VALUES`` values, 2 rows. Decided once per shape (a ``network.Workspace``
    keeps it per layer); ``cpu_idle()`` decides per call."""
    return activation in SPLIT_ACTIVATIONS and n_rows >= 2 and n_rows * m >= SPLIT_MIN_VALUES


def cpu_idle():
    """Whether another CPU is idle now beside this process (``OtherLoad``: at most
    ``BUSY_SLACK`` cores of other processes' work where this process would use 2 CPUs).
    False where the load cannot be measured, in its first window, or on one CPU."""
    load = other_load() if _split_on[0] else None
    others = None if load is None else load.cores()
    return others is not None and load.last[3] >= 2 and others <= load.last[3] - 2 + BUSY_SLACK


def in_one_piece(f, *args, out):
    """``f(*args, out=out)``: the element-wise work in one call."""
    return f(*args, out=out)


def in_halves(f, *args, out):
    """``f(*args, out=out)`` as two calls at once: rows [0, h) of ``out`` and of every
    argument of its shape on a helper thread, rows [h, n) here (NumPy's ufuncs release the
    GIL). For an element-wise ``f`` each value is computed by the same operations either way:
    the same bits as ``in_one_piece`` (tested). The helper applies the caller's
    floating-point error handling (``np.errstate`` is per thread); an error raised by either
    half is raised here once both are done."""
    import numpy as np

    h = out.shape[0] // 2

    def rows(part):
        return [a[part] if getattr(a, "shape", None) == out.shape else a for a in args]

    top = _helper(os.getpid()).submit(_with_errstate, np.geterr(), f, rows(slice(None, h)), out[:h])
    try:
        f(*rows(slice(h, None)), out=out[h:])
    finally:
        error = top.exception()  # waits for the helper's half
    if error is not None:
        raise error
    return out


def _with_errstate(err, f, args, out):
    """``f(*args, out=out)`` under ``np.errstate(**err)``."""
    import numpy as np

    with np.errstate(**err):
        return f(*args, out=out)


@functools.cache
def _helper(pid):
    """The helper thread of process ``pid`` (a forked child makes its own: a pool's thread
    does not survive a fork)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="deltaprop-halves")


_split_on = [True]  # False inside ``elementwise_in_one_piece()``


@contextlib.contextmanager
def elementwise_in_one_piece():
    """No element-wise work in halves inside (benchmarks comparing both, tests)."""
    saved, _split_on[0] = _split_on[0], False
    try:
        yield
    finally:
        _split_on[0] = saved
