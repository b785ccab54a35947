"""The ``toonbeat`` command line: one subcommand per pipeline stage.

Each stage keeps its subcommand next to its code (``generators/<stage>/command.py``)
with two functions: ``add_parser(subparsers)`` declares the arguments and sets
``run``, and ``run(args) -> int`` does the work. Heavy imports (librosa, torch,
bpy) happen inside ``run`` so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from addon.core.beatfile import BeatFileError
from addon.core.input_limits import InputLimitError
from addon.core.overwrite import OverwriteError

from .errors import ToonbeatError

USER_ERRORS = (ToonbeatError, BeatFileError, OverwriteError, InputLimitError)
"""Problems the user can fix, reported as one line without a traceback."""


def _command_modules() -> list[ModuleType]:
    from . import demo
    from .analysis import command as analyze
    from .art import command as art
    from .blender import command as blender
    from .music import command as music
    from .service import command as serve

    return [demo, analyze, blender, music, art, serve]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="toonbeat",
        description="Turn a music track into a cartoon music video synced to its beats.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in _command_modules():
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    args.raw_arguments = arguments[1:]
    try:
        result: int = args.run(args)
    except USER_ERRORS as error:
        print(f"toonbeat: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("toonbeat: interrupted", file=sys.stderr)
        return 130
    return result
