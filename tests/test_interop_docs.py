"""docs/interop.md runs as written: its Python and console blocks, in order, in a scratch folder.

A ``print(...)  # → text`` must print ``text``. A console block's ``$ deltaprop …`` lines must exit
0 and print the lines shown, numbers aside (round-off-level errors differ between machines); a
final ``...`` stands for the rest. Where an optional package (onnxruntime, skops, PyTorch) is
missing, the blocks before it have run and the rest is skipped.
"""

import contextlib
import importlib.util
import io
import re
import shlex
from pathlib import Path

import pytest

from deltaprop.cli import main

PAGE = Path(__file__).resolve().parents[1] / "docs" / "interop.md"
FENCE = re.compile(r"^```(python|console)\n(.*?)^```", re.DOTALL | re.MULTILINE)
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
OPTIONAL = ("onnxruntime", "onnx", "skops", "torch")


def masked(line):
    """The line with each number replaced by ``#`` and runs of spaces by one."""
    return " ".join(NUMBER.sub("#", line).split())


def run_python(code, namespace):
    expected = re.findall(r"^\s*print\(.*# → (.*)$", code, re.MULTILINE)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)
    except ModuleNotFoundError as err:
        if err.name and err.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{err.name} is not installed: the rest of docs/interop.md needs it")
        raise
    assert out.getvalue().splitlines() == expected


def run_console(block, capsys):
    for chunk in re.split(r"^(?=\$ )", block, flags=re.MULTILINE):
        if not chunk.strip():
            continue
        command, *expected = chunk.rstrip("\n").splitlines()
        argv = shlex.split(command[2:])
        assert argv[0] == "deltaprop"
        status = main(argv[1:])
        captured = capsys.readouterr()
        assert status == 0, captured.err
        actual = captured.out.splitlines()
        if expected and expected[-1] == "...":
            expected = expected[:-1]
            actual = actual[: len(expected)]
        assert [masked(line) for line in actual] == [masked(line) for line in expected], command


@pytest.fixture
def one_torch_thread():
    """PyTorch's thread pool spins on a busy 2-core machine (50× slower steps): use one."""
    if importlib.util.find_spec("torch") is None:
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_torch_thread")
def test_interop_page_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__doc_example__"}
    blocks = FENCE.findall(PAGE.read_text(encoding="utf-8"))
    assert [lang for lang, _ in blocks].count("python") >= 5
    for lang, body in blocks:
        if lang == "python":
            run_python(body, namespace)
        else:
            run_console(body, capsys)
