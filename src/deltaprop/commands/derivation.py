"""Learner subcommands: explain, prove, check."""


def register(subparsers):
    """Add this group's subcommands to ``subparsers``."""
