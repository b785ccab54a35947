"""``toonbeat render`` and ``toonbeat bake``: hand the work to Blender (see ``launcher``)."""

from __future__ import annotations

import argparse
from typing import Any

from addon.core.cli_args import add_bake_arguments, add_render_arguments

from .launcher import run_in_blender


def add_parser(subparsers: Any) -> None:
    """Declare ``render`` and ``bake``."""
    render = subparsers.add_parser(
        "render", help="build a Blender scene from a song, its beats and art, and render an MP4",
        description="Build a Blender scene from a song, its beat file, character folders and backgrounds, "
        "and render it to an MP4 (H.264 + AAC). Uses a 'blender' binary when one is on PATH, "
        "else Blender as a Python module.",
    )
    add_render_arguments(render)
    _add_blender_argument(render)
    render.set_defaults(run=run, blender_command="render")
    bake = subparsers.add_parser(
        "bake", help="re-bake a saved scene with a new beat file or preset, keeping hand edits",
        description="Re-bake the choreography of a saved Toonbeat scene in place. Keys edited by hand stay.",
    )
    add_bake_arguments(bake)
    _add_blender_argument(bake)
    bake.set_defaults(run=run, blender_command="bake")


def _add_blender_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--blender", metavar="PATH", help="the Blender binary to use (default: 'blender' on PATH)")


def run(args: argparse.Namespace) -> int:
    """Forward the arguments, minus ``--blender``, to Toonbeat's command inside Blender."""
    forwarded = _without_option(args.raw_arguments, "--blender")
    return run_in_blender([args.blender_command, *forwarded], args.blender)


def _without_option(arguments: list[str], option: str) -> list[str]:
    """``arguments`` without ``option VALUE`` or ``option=VALUE``."""
    kept: list[str] = []
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument == option:
            skip = True
        elif not argument.startswith(option + "="):
            kept.append(argument)
    return kept
