"""Why `deltaprop train` does not use the estimator's defaults: both on the bundled data.

`DeltapropRegressor()` keeps scikit-learn's `MLPRegressor` defaults (100 relu units, α = 1e-4)
so that it is a drop-in replacement; `deltaprop train` uses 16 tanh units and α = 1, chosen on
the bundled diabetes data (442 rows, 10 features). This prints the held-out R² of both over ten
seeds of the split and the initial weights (adam, 200 epochs each).

    python benchmarks/cli_defaults.py
"""

import numpy as np
from sklearn.metrics import r2_score

from deltaprop import DeltapropRegressor
from deltaprop.commands.train import TRAIN_DEFAULTS
from deltaprop.data import load_default, train_test_split

SETTINGS = {
    "deltaprop train (16 tanh, α = 1)": dict(
        hidden_layer_sizes=(int(TRAIN_DEFAULTS["hidden"]),),
        activation=TRAIN_DEFAULTS["activation"],
        alpha=TRAIN_DEFAULTS["alpha"],
    ),
    "DeltapropRegressor() (100 relu, α = 1e-4)": {},
}


def main(seeds=range(10)):
    data = load_default()
    print("| defaults | R², seed 0 | mean R², 10 seeds | lowest |")
    print("|---|---|---|---|")
    for name, params in SETTINGS.items():
        scores = []
        for seed in seeds:
            train, test = train_test_split(data, TRAIN_DEFAULTS["test_size"], seed)
            model = DeltapropRegressor(random_state=seed, **params).fit(train.X, train.y[:, 0])
            scores.append(r2_score(test.y[:, 0], model.predict(test.X)))
        print(f"| {name} | {scores[0]:.3f} | {np.mean(scores):.3f} | {np.min(scores):.3f} |")


if __name__ == "__main__":
    main()
