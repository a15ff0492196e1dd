"""Subcommands of the ``deltaprop`` command line, one module per group (see ``deltaprop.cli``)."""
