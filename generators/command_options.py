"""The options every generating command shares: where it writes, its parameters, ``--overwrite``, ``--library``."""

from __future__ import annotations

import argparse

from pydantic import BaseModel

from addon.core.cli_args import add_overwrite_argument

from .library.command import add_keep_argument
from .parameters import add_arguments


def add_generator_options(parser: argparse.ArgumentParser, params: type[BaseModel], *, output: str,
                          output_help: str, overwrites: str, kept: str) -> None:
    """``-o/--output`` (default ``output``), one option per field of ``params``, ``--overwrite`` for
    ``overwrites`` and ``--library`` keeping ``kept``."""
    parser.add_argument("-o", "--output", default=output, help=f"{output_help} (default: %(default)s)")
    add_arguments(parser, params)
    add_overwrite_argument(parser, overwrites)
    add_keep_argument(parser, kept)
