"""The ``deltaprop`` command line: ``main(argv) -> int``, which tests call directly.

Each group of subcommands lives in ``deltaprop.commands`` and registers itself with
``register(subparsers)``; every subcommand sets ``handler(args) -> int``. Input errors
(``DeltapropError``) print one line and exit 1 (data) or 2 (usage); a traceback is shown only
with ``--debug``.
"""

import argparse
import importlib
import os
import sys
import warnings

from deltaprop import __version__
from deltaprop.commands import COMMANDS
from deltaprop.errors import DeltapropError


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting, so ``main`` returns the exit code."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: error: {message}")

    def parse_known_args(self, args=None, namespace=None):
        """As argparse's, and an empty value (``--target ''``) is a usage error, never taken
        for an option left out."""
        namespace, rest = super().parse_known_args(args, namespace)
        for action in self._actions:
            if getattr(namespace, action.dest, None) == "":
                name = action.option_strings[-1] if action.option_strings else action.metavar
                self.error(f"{name or action.dest} is empty; give a value or leave it out")
        return namespace, rest


class _UsageError(Exception):
    pass


def build_parser(command=None):
    """The parser. With ``command`` (a name of ``COMMANDS``) its module registers its whole
    parser; otherwise each command is listed with its line of help and nothing is imported."""
    parser = _Parser(
        prog="deltaprop",
        description="Feed-forward regression networks trained by explicit backpropagation.",
    )
    parser.add_argument("--version", action="version", version=f"deltaprop {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if command in COMMANDS:
        module = COMMANDS[command][0]
        importlib.import_module(f"deltaprop.commands.{module}").register(subparsers)
    else:
        for name, (_, help_) in COMMANDS.items():
            subparsers.add_parser(name, help=help_)
    return parser


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _print_paths_as_given()
    if argv == ["--version"]:  # before the parser: building it imports every command's module
        print(f"deltaprop {__version__}")
        return 0
    try:
        command = next((arg for arg in argv if not arg.startswith("-")), None)
        parser = build_parser(command)  # imports that command's module
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return _dispatch(args)
    except KeyboardInterrupt:  # Ctrl-C: no traceback
        print("deltaprop: interrupted", file=sys.stderr)
        return 130
    except _UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help and --version
        return int(exit_.code or 0)


def _dispatch(args) -> int:
    try:
        with warnings.catch_warnings():  # restores showwarning at the end
            warnings.showwarning = _show_warning
            status = int(args.handler(args) or 0)
        sys.stdout.flush()
        return status
    except BrokenPipeError:  # a reader that stops early (`| head`) is not an error
        _silence_stdout()
        return 0
    except DeltapropError as err:
        if args.debug:
            raise
        print(f"deltaprop: error: {err}", file=sys.stderr)
        return err.exit_code
    except Exception as err:  # an unexpected failure: one line unless --debug
        if args.debug:
            raise
        print(
            f"deltaprop: internal error: {type(err).__name__}: {err} (rerun with --debug "
            "for the traceback and please report it)",
            file=sys.stderr,
        )
        return 1


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning of a library (NumPy, matplotlib, Dask…) as one line on stderr, as the
    command's own messages, without the file, line and source of Python's format."""
    text = " ".join(str(message).split()) or category.__name__
    print(f"deltaprop: warning: {text}", file=sys.stderr)


def _print_paths_as_given():
    """A file name that is not valid UTF-8 reaches Python with lone surrogates; print it back
    as the bytes it was given (as Python does in the C locale) instead of failing."""
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")


def _silence_stdout():
    """Point stdout at /dev/null so that the interpreter's flush at exit does not fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in tests)
        pass


def run():
    """Console-script entry point."""
    sys.exit(main())
