"""Reading a large CSV file: deltaprop's reader against pandas and pyarrow (time, peak memory).

Writes a CSV of random float64 values (default: 50,000 rows × 101 columns, about 99 MB, and
100,000 rows, about 200 MB) into a temporary folder and reads it into a float64 matrix ``X``
(m, 100) plus a target ``y`` (m, 1) with each reader, each read in a fresh Python process so
that the peak memory (``ru_maxrss`` after the read minus before it, the libraries already
imported) is that read's alone. The readers alternate within each repeat (the first one
rotates), and the table shows the median time of the repeats and its ratio to
``pandas.read_csv`` (C engine), and the peak memory as a multiple of the file size.

``before`` is deltaprop's reader as it was before pyarrow (the ``csv`` module, one Python
string per cell), loaded from git commit 1e6a1d6; it is left out when git cannot show it.

    python benchmarks/read_data.py                  # 99 MB and 200 MB, 3 repeats
    python benchmarks/read_data.py --rows 5000 --repeats 1   # a quick check
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

OLD_COMMIT = "1e6a1d6"
REPO = Path(__file__).resolve().parents[1]

# Each reader: the code run in a fresh process; it reads PATH into X (m, n) and y (m, 1).
READERS = {
    "pandas (C engine)": """
        import pandas as pd
        def read(path):
            frame = pd.read_csv(path)
            return frame.drop(columns="y").to_numpy(np.float64), frame[["y"]].to_numpy(np.float64)
    """,
    "pandas (pyarrow engine)": """
        import pandas as pd
        def read(path):
            frame = pd.read_csv(path, engine="pyarrow")
            return frame.drop(columns="y").to_numpy(np.float64), frame[["y"]].to_numpy(np.float64)
    """,
    "pyarrow.csv": """
        import pandas  # imported by pyarrow's to_numpy: not part of the read
        import pyarrow.csv as pc
        def read(path):
            table = pc.read_csv(path)
            names = [n for n in table.column_names if n != "y"]
            X = np.column_stack([table.column(n).to_numpy() for n in names])
            return X, table.column("y").to_numpy().reshape(-1, 1)
    """,
    "deltaprop now": """
        import pyarrow.csv
        from deltaprop.data import read_dataset
        def read(path):
            data = read_dataset(path, ["y"])
            return data.X, data.y
    """,
    "deltaprop before": """
        import subprocess, types
        source = subprocess.run(["git", "-C", REPO, "show", OLD_COMMIT + ":src/deltaprop/data.py"],
                                capture_output=True, text=True, check=True).stdout
        module = types.ModuleType("old_data")
        exec(compile(source, "old_data.py", "exec"), module.__dict__)
        def read(path):
            data = module.read_dataset(path, ["y"])
            return data.X, data.y
    """,
}

CHILD = """
import resource, sys, time
import numpy as np
REPO, OLD_COMMIT = {repo!r}, {old!r}
{reader}
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
X, y = read(sys.argv[1])
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
assert X.dtype == np.float64 and y.shape == (X.shape[0], 1), (X.dtype, y.shape)
peak = (after.ru_maxrss - before.ru_maxrss) * 1024
print(seconds, cpu, peak, f"{{X[-1, -1]:.12g}}", f"{{y[0, 0]:.12g}}")
"""


def write_data(path, rows, columns, seed=0):
    """A CSV file of ``rows`` × ``columns`` random numbers written with full precision."""
    rng = np.random.default_rng(seed)
    header = ",".join([*(f"x{j}" for j in range(columns - 1)), "y"])
    with open(path, "w") as file:
        file.write(header + "\n")
        for start in range(0, rows, 5000):
            block = rng.standard_normal((min(5000, rows - start), columns))
            np.savetxt(file, block, delimiter=",", fmt="%.17g")
    return path


def read_once(name, path):
    """(seconds, CPU seconds, peak bytes, checksum values) of one read by reader ``name``, run
    in a new process."""
    code = CHILD.format(repo=str(REPO), old=OLD_COMMIT, reader=textwrap.dedent(READERS[name]))
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    *numbers, last, first = out.stdout.split()
    return (*(float(v) for v in numbers), (last, first))


def old_reader_available():
    probe = ["git", "-C", str(REPO), "cat-file", "-e", f"{OLD_COMMIT}:src/deltaprop/data.py"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def measure(path, names, repeats):
    """``{name: ([seconds], [CPU seconds], [peak bytes])}``, readers alternated within each
    repeat."""
    results = {name: ([], [], []) for name in names}
    checks = set()
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            *figures, check = read_once(name, path)
            for series, value in zip(results[name], figures, strict=True):
                series.append(value)
            checks.add(check)
    if len(checks) != 1:
        raise SystemExit(f"the readers disagree on the values read: {checks}")
    return results


def print_table(path, results):
    size = path.stat().st_size
    wall, cpu = (statistics.median(results["pandas (C engine)"][k]) for k in (0, 1))
    print(f"\n{path.name}: {size / 1e6:.0f} MB")
    print(
        "| reader | wall time, median (range) | vs pandas | CPU time | vs pandas "
        "| peak memory | peak / file size |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, (seconds, cpus, peaks) in results.items():
        t, c, peak = statistics.median(seconds), statistics.median(cpus), max(peaks)
        print(
            f"| {name} | {t:.2f} s ({min(seconds):.2f}–{max(seconds):.2f}) | {t / wall:.2f}× "
            f"| {c:.2f} s | {c / cpu:.2f}× | {peak / 1e6:.0f} MB | {peak / size:.2f}× |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 100_000])
    parser.add_argument("--columns", type=int, default=101)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-before", action="store_true", help="leave out the old reader")
    args = parser.parse_args()
    names = [name for name in READERS if name != "deltaprop before"]
    if not args.skip_before and old_reader_available():
        names.append("deltaprop before")
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            path = write_data(Path(folder) / f"data_{rows}x{args.columns}.csv", rows, args.columns)
            print_table(path, measure(path, names, args.repeats))


if __name__ == "__main__":
    main()
