"""Reading a large CSV file: deltaprop's reader against pandas and pyarrow (time, peak memory).

Writes a CSV of random float64 values (default: 50,000 rows × 101 columns, about 99 MB, and
100,000 rows, about 200 MB) into a temporary folder and reads it into a float64 matrix ``X``
(m, 100) plus a target ``y`` (m, 1) with each reader.

- Time: for each pyarrow thread count (``--threads``, ``pyarrow.set_cpu_count``) and each
  reader, one Python process reads the file with that reader and with ``pandas.read_csv`` (C
  engine, single-threaded) in turn, ``--rounds`` times (the first one alternates), so that the
  machine's load falls on both alike (a process per pair: one reader's memory pool does not
  weigh on another's). Each round gives the reader's wall and CPU time as a ratio to pandas'
  in the same round; the table shows the medians of these ratios, their range, and the
  median times.
- Peak memory: each reader once in a fresh process, ``ru_maxrss`` after the read minus before
  it (the libraries already imported), as a multiple of the file size.

    python benchmarks/read_data.py                 # deltaprop; 99 MB and 200 MB; 1, 2 threads
    python benchmarks/read_data.py --readers deltaprop "pandas (pyarrow engine)" \
        "pyarrow.csv (inferred types)"            # the other candidates too
    python benchmarks/read_data.py --rows 5000 --rounds 2   # a quick check
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

BASE = "pandas (C engine)"

# Each reader defines read(path) -> (X (m, n), y (m, 1)), both float64.
READERS = {
    BASE: """
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
    "pyarrow.csv (inferred types)": """
        import pandas  # imported by pyarrow's to_numpy: not part of the read
        import pyarrow.csv as pc
        def read(path):
            table = pc.read_csv(path)
            names = [n for n in table.column_names if n != "y"]
            X = np.column_stack([table.column(n).to_numpy() for n in names])
            return X, table.column("y").to_numpy().reshape(-1, 1)
    """,
    "deltaprop": """
        import pyarrow.csv
        from deltaprop.data import read_dataset
        def read(path):
            data = read_dataset(path, ["y"])
            return data.X, data.y
    """,
}

PRELUDE = """
import gc, resource, sys, time
import numpy as np
import pyarrow as pa
pa.set_cpu_count({threads})
pa.set_io_thread_count({threads})
"""

# One process, every reader in turn: "name wall cpu checksum" per read.
TIME_CHILD = """
readers = {{}}
for name, code in {readers!r}.items():
    scope = {{"np": np}}
    exec(code, scope)
    readers[name] = scope["read"]
names = list(readers)
for r in range({rounds}):
    for name in names[r % len(names):] + names[: r % len(names)]:
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        X, y = readers[name](sys.argv[1])
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert X.dtype == np.float64 and y.shape == (X.shape[0], 1), (X.dtype, y.shape)
        print(repr(name), wall, cpu, f"{{X[-1, -1]:.12g}},{{y[0, 0]:.12g}}", flush=True)
        del X, y
"""

# One reader in a fresh process: its peak memory.
MEMORY_CHILD = """
{reader}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
X, y = read(sys.argv[1])
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
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


def python(code, path):
    """The standard output of ``code`` run by a new Python process with argument ``path``."""
    command = [sys.executable, "-c", code, str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def measure_time(path, threads, rounds, names):
    """``{name: [(wall, cpu), ...]}`` and ``{name: [(wall, cpu) of pandas, ...]}``: one pair
    per round, reader ``name`` and pandas interleaved in one process."""
    times, base, checks = {}, {}, set()
    for name in names:
        readers = {n: textwrap.dedent(READERS[n]) for n in (BASE, name)}
        code = PRELUDE.format(threads=threads) + TIME_CHILD.format(readers=readers, rounds=rounds)
        pairs = {BASE: [], name: []}
        for line in python(code, path).splitlines():
            reader, wall, cpu, check = line.rsplit(" ", 3)
            pairs[eval(reader)].append((float(wall), float(cpu)))
            checks.add(check)
        times[name], base[name] = pairs[name], pairs[BASE]
    if len(checks) != 1:
        raise SystemExit(f"the readers disagree on the values read: {checks}")
    return times, base


def measure_memory(path, name):
    """Peak memory (bytes) of one read by reader ``name`` in a fresh process."""
    code = PRELUDE.format(threads=2) + MEMORY_CHILD.format(reader=textwrap.dedent(READERS[name]))
    return int(python(code, path))


def ratios(times, base, name, k):
    """Per round, reader ``name``'s time (k = 0: wall, 1: CPU) over pandas' in that round."""
    return [mine[k] / theirs[k] for mine, theirs in zip(times[name], base[name], strict=True)]


def print_table(path, threads, times, base, peaks):
    size = path.stat().st_size
    print(f"\n{path.name}: {size / 1e6:.0f} MB, pyarrow threads: {threads}")
    print(
        "| reader | wall, median | wall vs pandas, median (range) | CPU vs pandas, median "
        "| peak / file size |"
    )
    print("|---|---|---|---|---|")
    pandas = statistics.median(t for pairs in base.values() for t, _ in pairs)
    print(f"| {BASE} | {pandas:.2f} s | 1.00× | 1.00× | {peaks[BASE] / size:.2f}× |")
    for name in times:
        wall, cpu = ratios(times, base, name, 0), ratios(times, base, name, 1)
        seconds = statistics.median(t for t, _ in times[name])
        print(
            f"| {name} | {seconds:.2f} s | {statistics.median(wall):.2f}× "
            f"({min(wall):.2f}–{max(wall):.2f}) | {statistics.median(cpu):.2f}× "
            f"| {peaks[name] / size:.2f}× |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 100_000])
    parser.add_argument("--columns", type=int, default=101)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--readers", nargs="+", choices=[n for n in READERS if n != BASE], default=["deltaprop"]
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            path = write_data(Path(folder) / f"data_{rows}x{args.columns}.csv", rows, args.columns)
            peaks = {name: measure_memory(path, name) for name in (BASE, *args.readers)}
            for threads in args.threads:
                times = measure_time(path, threads, args.rounds, args.readers)
                print_table(path, threads, *times, peaks)


if __name__ == "__main__":
    main()
