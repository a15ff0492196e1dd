"""Every command in docs/tutorial.md runs and prints what the tutorial shows.

Relative errors (``3.5e-11``) and timings depend on the last bits of floating point and on the
machine: they are masked in the comparison and checked to be below 1e-7 instead.
"""

import contextlib
import doctest
import io
import re
import shlex
from pathlib import Path

import pytest

from deltaprop.cli import main

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
SCIENTIFIC = re.compile(r"\d\.\de[+-]\d\d")
SECONDS = re.compile(r"\(\d+\.\d\d s\)")


def console_commands(text):
    """``[(command, exit_status, expected_output)]`` from the ```console blocks."""
    commands = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.MULTILINE):
            if chunk.strip():
                first, _, output = chunk.partition("\n")
                command, _, status = first[2:].partition("   # exit status ")
                commands.append((command, int(status or 0), output.rstrip("\n")))
    return commands


def masked(text):
    return SECONDS.sub("(… s)", SCIENTIFIC.sub("…e…", text))


COMMANDS = console_commands(TUTORIAL.read_text(encoding="utf-8"))


def test_the_tutorial_has_the_commands_of_the_question_walkthrough():
    names = [shlex.split(command)[1] for command, _, _ in COMMANDS]
    assert {"check", "explain", "prove"} <= set(names) and len(COMMANDS) >= 10


@pytest.mark.parametrize(("command", "status", "expected"), COMMANDS, ids=lambda c: str(c)[:40])
def test_tutorial_command_prints_what_the_tutorial_shows(command, status, expected):
    argv = shlex.split(command)
    assert argv[0] == "deltaprop"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv[1:]) == status
    printed = out.getvalue().rstrip("\n")
    assert masked(printed) == masked(expected)
    if "WRONG" not in printed:  # every error printed for a correct equation is tiny
        assert max((float(x) for x in SCIENTIFIC.findall(printed)), default=0.0) < 1e-7


def test_tutorial_python_examples():
    failures, tried = doctest.testfile(str(TUTORIAL), module_relative=False)
    assert tried >= 4 and failures == 0
