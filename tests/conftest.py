"""Shared test settings: floating-point errors fail loudly instead of producing inf or nan."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def strict_floating_point():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
