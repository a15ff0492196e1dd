"""Shared test settings: floating-point errors fail loudly instead of producing inf or nan;
Hypothesis is derandomized."""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# The same examples on every machine and every run, and no example database in the tree.
settings.register_profile("deltaprop", derandomize=True, database=None, deadline=None)
settings.load_profile("deltaprop")
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "deltaprop-hypothesis")


@pytest.fixture(autouse=True)
def strict_floating_point():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def ctrl_c_at_epoch(monkeypatch):
    """``ctrl_c_at_epoch(k)``: training raises KeyboardInterrupt as epoch k starts, as a
    Ctrl-C would (``deltaprop.train.run_epoch`` patched for the test)."""
    import deltaprop.train as training

    real_run_epoch = training.run_epoch

    def arm(k):
        def interrupted_at_epoch_k(*args):
            if args[-1] == k:  # the epoch number
                raise KeyboardInterrupt
            return real_run_epoch(*args)

        monkeypatch.setattr(training, "run_epoch", interrupted_at_epoch_k)

    return arm
