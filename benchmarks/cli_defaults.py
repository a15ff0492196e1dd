"""Why `deltaprop train` does not use the estimator's defaults: both on the bundled data.

`DeltapropRegressor()` keeps scikit-learn's `MLPRegressor` defaults (100 relu units, α = 1e-4)
so that it is a drop-in replacement; `deltaprop train` uses 16 tanh units and α = 1, chosen on
the bundled diabetes data (442 rows, 10 features). This prints the held-out R² of both over ten
seeds of the split and the initial weights (adam, 200 epochs each).

    python benchmarks/cli_defaults.py

On larger tables and tables with text columns the small tanh network falls behind; `tables`
compares it with the wider relu network that `deltaprop train` uses there (64 relu units,
α = 1: WIDE_DEFAULTS) on generated tables (tests/synthetic.py) of 500 to 5,000 rows, on the
command line's split, and the wider network on the bundled data too:

    python benchmarks/cli_defaults.py tables
"""

import math
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import r2_score

from deltaprop import DeltapropRegressor
from deltaprop.commands.train import TRAIN_DEFAULTS, WIDE_DEFAULTS
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


def network(defaults):
    return dict(
        hidden_layer_sizes=(int(defaults["hidden"]),),
        activation=defaults["activation"],
        alpha=TRAIN_DEFAULTS["alpha"],
    )


def tables(sizes=(500, 1000, 2000, 5000)):
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from synthetic import make_table  # the tests' generated tables

    names = ("city", "shop", "area", "age", "rooms", "income", "grade")
    print("| rows | 16 tanh, α = 1 | 64 relu, α = 1 |")
    print("|---|---|---|")
    for m in sizes:
        table = make_table(m, seed=1)
        X = pd.DataFrame({name: table.columns[name] for name in names})
        order = np.random.default_rng(0).permutation(m)  # the command line's split, seed 0
        m_test = math.ceil(TRAIN_DEFAULTS["test_size"] * m)
        train, test = np.sort(order[m_test:]), np.sort(order[:m_test])
        scores = []
        for defaults in (TRAIN_DEFAULTS, WIDE_DEFAULTS):
            model = DeltapropRegressor(
                categorical_features=["city", "shop"], missing="impute", random_state=0,
                **network(defaults),
            )  # fmt: skip
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # max_iter reached; unseen shops
                model.fit(X.iloc[train], table.y[train])
                scores.append(r2_score(table.y[test], model.predict(X.iloc[test])))
        print(f"| {m} | {scores[0]:.3f} | {scores[1]:.3f} |", flush=True)
    SETTINGS["64 relu, α = 1"] = network(WIDE_DEFAULTS)
    main()


if __name__ == "__main__":
    tables() if sys.argv[1:] == ["tables"] else main()
