"""Tables as they come: `deltaprop train data.csv --target y` with no option against
scikit-learn on generated tables (tests/synthetic.py) with numeric, categorical (2-200
levels), id and missing-value columns, on the same split as the command line's.

Peers, on the same training rows:

- a scikit-learn pipeline: ColumnTransformer(OneHotEncoder on the text columns after a
  "(missing)" fill, SimpleImputer(median, add_indicator=True) + StandardScaler on the numbers)
  + MLPRegressor (its defaults) with a standardized target (TransformedTargetRegressor);
- HistGradientBoostingRegressor with native categorical support (its defaults).

The id column is left out by all three (the command line leaves it out and says so). Sizes are
modest (the machine is shared): 5,000 and 20,000 rows by default.

    python benchmarks/tables.py [ROWS ...]
"""

import math
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import r2_score

from deltaprop.cli import main as deltaprop_main
from deltaprop.io import read_arrays

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synthetic import make_table  # noqa: E402  (the tests' generated tables)

TEXT = ("city", "shop")
NUMBERS = ("area", "age", "rooms", "income", "grade")


def split(m, test_size=0.2, seed=0):
    """The command line's split (deltaprop.data.train_test_split): the same rows."""
    order = np.random.default_rng(seed).permutation(m)
    m_test = math.ceil(test_size * m)
    return np.sort(order[m_test:]), np.sort(order[:m_test])


def cli_r2(table, folder, options=()):
    data, model = Path(folder) / "data.csv", Path(folder) / "model.npz"
    table.write_csv(data)
    argv = ["train", str(data), "--target", "y", "--out", str(model), "--quiet", *options]
    if deltaprop_main(argv) != 0:
        raise SystemExit(f"deltaprop train failed on {data}")
    _, metadata = read_arrays(model)
    return metadata["extra"]["test_metrics"]["y"]["r2"]


def frame(table):
    import pandas as pd

    return pd.DataFrame({name: table.columns[name] for name in TEXT + NUMBERS})


def pipeline_r2(table, train, test):
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    text = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="(missing)"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    columns = ColumnTransformer([("text", text, list(TEXT)), ("numbers", numbers, list(NUMBERS))])
    mlp = TransformedTargetRegressor(MLPRegressor(random_state=0), transformer=StandardScaler())
    model = make_pipeline(columns, mlp)
    X = frame(table)
    X[list(TEXT)] = X[list(TEXT)].astype(object).where(X[list(TEXT)].notna(), np.nan)
    model.fit(X.iloc[train], table.y[train])
    return r2_score(table.y[test], model.predict(X.iloc[test]))


def hgb_r2(table, train, test):
    from sklearn.ensemble import HistGradientBoostingRegressor

    X = frame(table)
    for name in TEXT:
        X[name] = X[name].astype("category")
    model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0)
    model.fit(X.iloc[train], table.y[train])
    return r2_score(table.y[test], model.predict(X.iloc[test]))


def main(sizes=(5000, 20000)):
    print(
        "| rows | best possible | deltaprop train | MLP pipeline | HGB native | vs MLP | vs HGB |"
    )
    print("|---|---|---|---|---|---|---|")
    for m in sizes:
        table = make_table(m, seed=1)
        train, test = split(m)
        with tempfile.TemporaryDirectory() as folder:
            ours = cli_r2(table, folder)
        mlp, hgb = pipeline_r2(table, train, test), hgb_r2(table, train, test)
        best = 1 - np.var(table.y[test] - table.signal[test]) / np.var(table.y[test])
        print(
            f"| {m} | {best:.3f} | {ours:.3f} | {mlp:.3f} | {hgb:.3f} | {ours - mlp:+.3f} | "
            f"{ours - hgb:+.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (5000, 20000))
