"""``blender -b --command toonbeat render|bake ...``: Toonbeat's command inside Blender.

``python -m addon`` (Blender as a Python module) runs the same ``main``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bpy

from .core.cli_args import add_bake_arguments, add_render_arguments

_handle: Any = None


def build_parser() -> argparse.ArgumentParser:
    """The parser of Toonbeat's Blender command."""
    parser = argparse.ArgumentParser(prog="blender -b --command toonbeat",
                                     description="Build, bake and render Toonbeat scenes without a window.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    render = commands.add_parser("render", help="build a scene from a song, its beats and art, and render it",
                                 description="Build a scene from a song, its beats and art, and render an MP4.")
    add_render_arguments(render)
    render.set_defaults(command="render")
    bake = commands.add_parser("bake", help="re-bake a saved scene in place, keeping hand edits",
                               description="Re-bake a saved scene in place; keys edited by hand stay.")
    add_bake_arguments(bake)
    bake.set_defaults(command="bake")
    assets = commands.add_parser("library-assets", help="make the missing Blender asset files of a Toonbeat library",
                                 description="Make the Asset Browser files of every library entry that has none.")
    assets.add_argument("library", type=Path)
    assets.set_defaults(command="library-assets")
    chunk = commands.add_parser("chunk", help="(used by render) render frames of a saved scene as video only")
    chunk.add_argument("blend", type=Path)
    chunk.add_argument("first", type=int)
    chunk.add_argument("last", type=int)
    chunk.add_argument("piece", type=Path)
    chunk.add_argument("cache_mb", type=int)
    chunk.set_defaults(command="chunk")
    return parser


def main(argv: Sequence[str]) -> int:
    """Run the command; bad input is one line on stderr and exit code 1."""
    from .render import chunks, headless

    try:
        args = build_parser().parse_args(list(argv))
    except SystemExit as stop:
        return int(stop.code or 0)
    try:
        if args.command == "library-assets":
            return _make_library_assets(args.library)
        if args.command == "chunk":
            return chunks.render_piece(args.blend, args.first, args.last, args.piece, args.cache_mb)
        return headless.render(args) if args.command == "render" else headless.bake(args)
    except (ValueError, OSError) as error:
        print(f"toonbeat: error: {error}", file=sys.stderr, flush=True)
        return 1


def _make_library_assets(folder: Path) -> int:
    from .library.assets import make_missing_assets

    count, made = make_missing_assets(folder)
    print(f"Library {folder}: {count} entries, {made} new asset files", flush=True)
    return 0


def register() -> None:
    """Register ``--command toonbeat`` with Blender."""
    global _handle  # noqa: PLW0603 - Blender hands back one handle to unregister with
    _handle = bpy.utils.register_cli_command("toonbeat", main)


def unregister() -> None:
    """Unregister the command."""
    global _handle  # noqa: PLW0603
    if _handle is not None:
        bpy.utils.unregister_cli_command(_handle)
        _handle = None
