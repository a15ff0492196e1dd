"""Generated tables with a known structure: numeric, categorical, id and missing-value columns.

``make_table(m, seed)`` is a table as it comes from a spreadsheet or a database export, with
the answer known, for the tests, the docs' examples and ``benchmarks/tables.py``:

- ``id``: a row identifier (the integers 1 … m shuffled, unique per row). It carries nothing:
  ``deltaprop train`` leaves it out and says so.
- ``area`` (≈ 150 ± 60, m²) and ``age`` (years, 0 … 100), ``rooms`` (an integer 1 … 8), and
  ``income`` (≈ 5e4 ± 2e4): numeric. ``age`` has missing cells (fraction ``missing``), and
  where it is missing the target is higher by 0.3 (an unknown age is a new building): the
  was-missing indicator carries information.
- ``city`` (text, ``levels[0]`` values), ``shop`` (text, ``levels[1]`` values, the rarest level
  ≈ 1/20 as frequent as the most common): categorical, each level with its own additive
  effect; ``city`` has missing cells too (they read as their own category). ``grade`` is an
  integer code (1 … ``levels[2]``) whose effect is not monotone: a categorical column written
  as numbers (``--categorical grade``), and usable as a number too.

The target is ``y = scale · (f(numeric) + effect(city) + effect(shop) + effect(grade) +
0.3·[age missing] + noise)``, with f smooth and nonlinear and noise of standard deviation
``noise``; so the best possible R² is about ``1 − noise² / var(y / scale)``, which
``best_r2`` returns for the generated rows.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GeneratedTable:
    """``columns``: name → (m,) array, float64 with NaN for a missing number, or object with
    str or None (missing) for text; ``y`` (m,); ``signal`` (m,) is y without its noise."""

    columns: dict
    y: np.ndarray  # (m,)
    signal: np.ndarray  # (m,)
    target: str = "y"

    @property
    def n_rows(self):
        return len(self.y)

    def best_r2(self):
        """The R² of the noise-free signal: no model can do much better on these rows."""
        return 1.0 - np.var(self.y - self.signal) / np.var(self.y)

    def write_csv(self, path, sep=","):
        """Write the table as a CSV file: missing cells empty, numbers exactly."""
        names = [*self.columns, self.target]
        cells = [_cells(self.columns[name]) for name in self.columns] + [_cells(self.y)]
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write(sep.join(names) + "\n")
            for row in zip(*cells, strict=True):
                file.write(sep.join(row) + "\n")


def _cells(values):
    if values.dtype == object:
        return ["" if v is None else v for v in values]
    return ["" if np.isnan(v) else _number(float(v)) for v in values]


def _number(x):
    """A number as written in a spreadsheet's CSV: whole numbers without ".0", exactly."""
    return str(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)


def make_table(m, seed=0, *, levels=(5, 200, 6), missing=0.02, noise=0.3, scale=1.0):
    """A generated table of m rows (see the module docstring); ``levels`` are the numbers of
    values of ``city``, ``shop`` and ``grade``; ``missing`` the fraction of missing cells of
    ``age`` and ``city``; ``scale`` multiplies y (e.g. 1e6 for prices, 1e-6 for a tiny unit)."""
    rng = np.random.default_rng(seed)
    area = rng.normal(150.0, 60.0, m).clip(20.0, None)  # (m,)
    age = rng.uniform(0.0, 100.0, m)  # (m,)
    rooms = rng.integers(1, 9, m).astype(np.float64)  # (m,)
    income = rng.normal(5e4, 2e4, m)  # (m,)
    city, city_effect = _categorical(rng, "city", levels[0], m, spread=1.0)
    shop, shop_effect = _categorical(rng, "shop", levels[1], m, spread=0.5)
    grade_code = rng.integers(1, levels[2] + 1, m)  # (m,)
    grade_effect = 0.6 * np.sin(1.7 * grade_code)  # (m,) not monotone in the code
    age_missing = rng.random(m) < missing  # (m,)
    city_missing = rng.random(m) < missing  # (m,)
    city_effect = np.where(city_missing, -0.5, city_effect)  # the missing city is its own level
    signal = (
        np.tanh((area - 150.0) / 60.0)
        + 0.5 * np.sin(age / 20.0)
        + 0.2 * rooms
        + 0.3 * ((income - 5e4) / 2e4) ** 2
        + city_effect
        + shop_effect
        + grade_effect
        + 0.3 * age_missing
    )  # (m,)
    y = signal + noise * rng.standard_normal(m)  # (m,)
    columns = {
        "id": rng.permutation(np.arange(1, m + 1)).astype(np.float64),
        "area": area.round(1),
        "age": np.where(age_missing, np.nan, age.round(0)),
        "rooms": rooms,
        "income": income.round(0),
        "city": np.where(city_missing, None, city).astype(object),
        "shop": shop,
        "grade": grade_code.astype(np.float64),
    }
    return GeneratedTable(columns, scale * y, scale * signal)


def _categorical(rng, name, k, m, spread):
    """(values (m,) object, effects (m,)): k levels named ``name_0`` …, drawn with
    probabilities from 1 down to 1/20 (each at least once when m ≥ k), each with an effect of
    standard deviation ``spread``."""
    weights = np.geomspace(1.0, 0.05, k) if k > 1 else np.ones(1)  # (k,)
    codes = rng.choice(k, size=m, p=weights / weights.sum())  # (m,)
    if m >= k:  # every level appears at least once
        codes[:k] = np.arange(k)
        codes = rng.permutation(codes)
    effects = spread * rng.standard_normal(k)  # (k,)
    labels = np.array([f"{name}_{j}" for j in range(k)], dtype=object)  # (k,)
    return labels[codes], effects[codes]
