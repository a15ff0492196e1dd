"""Practitioner subcommands: train, predict, evaluate, info, gradcheck."""


def register(subparsers):
    """Add this group's subcommands to ``subparsers``."""
