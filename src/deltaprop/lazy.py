"""Keeping heavy libraries out of ``import deltaprop``: SciPy, scikit-learn and the others load
where a feature needs them (``benchmarks/startup.py`` measures it, ``tests/test_startup.py``
checks which modules each command imports).
"""

import sys

import numpy as np


def issparse(x):
    """Whether ``x`` is a SciPy sparse matrix or array, without importing SciPy: an object can
    only be one if ``scipy.sparse`` is already loaded. A NumPy array answers at once (a step
    asks ~7 times; SciPy's own check costs ~0.5 µs each: benchmarks/NOTES.md)."""
    if isinstance(x, np.ndarray):
        return False
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(x)


def is_dask_collection(obj):
    """True for a Dask array, DataFrame or Series (False, without importing Dask, otherwise)."""
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)
