"""scikit-learn's own estimator checks on DeltapropRegressor, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from deltaprop import DeltapropRegressor

SMALL = {"hidden_layer_sizes": (8,), "max_iter": 50, "random_state": 0}


@parametrize_with_checks(
    [
        DeltapropRegressor(learning_rate_init=0.01, **SMALL),
        DeltapropRegressor(solver="lbfgs", activation="tanh", **SMALL),
        DeltapropRegressor(max_iter=50, random_state=0),  # the defaults, 50 epochs (issue 7)
    ]
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # max_iter=50
def test_sklearn_compatible(estimator, check, monkeypatch):
    # check_array_api_input runs (instead of skipping) only when SCIPY_ARRAY_API is set.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)
