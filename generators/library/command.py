"""``toonbeat library add|list|show``: fill and search Toonbeat's library without a window.

The files land in the library at once (a cloud GPU's results can be synced home as
files); the Blender asset files are made by a Blender when one is found, else by the
add-on's Refresh Library the next time Blender opens the library.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from addon.core import library
from addon.core.library import KINDS, LibraryEntry, LibraryError

from ..errors import ToonbeatError


def add_parser(subparsers: Any) -> None:
    """Declare ``library`` and its ``add``, ``list`` and ``show``."""
    parser = subparsers.add_parser(
        "library", help="add to, list and show Toonbeat's library of songs, characters, backgrounds, clips, presets",
        description="Toonbeat's library: a folder of versioned entries that Blender shows in its Asset Browser. "
        f"The folder is --library, else ${library.LIBRARY_ENV}, else {library.default_library()}.")
    commands = parser.add_subparsers(title="library commands", metavar="COMMAND", required=True)

    add = commands.add_parser("add", help="copy a song, character, backgrounds folder, clip or preset into it",
                              description="Copy something into the library as a new version (the source is "
                              "never changed; the same files as the newest version add nothing).")
    add.add_argument("kind", choices=tuple(KINDS))
    add.add_argument("source", type=Path, help="a song's WAV, a character/backgrounds/clip folder, a preset JSON")
    add.add_argument("--name", default="", help="the entry's name (default: from the source)")
    add.add_argument("--beats", type=Path, help="a song's beat file (default: SONG.beats.json beside it)")
    add.add_argument("--style", default="", help="style to search by (industrial, house, ...)")
    add.add_argument("--tag", action="append", default=[], help="a tag to search by; repeat for more")
    add.add_argument("--licence", default="", help="the licence of what made it (e.g. a model's)")
    add.add_argument("--no-assets", action="store_true", help="do not start Blender to make the asset file")
    add_library_argument(add)
    add.set_defaults(run=run_add)

    listing = commands.add_parser("list", help="list entries, newest version of each, filtered",
                                  description="List the library's entries (newest version of each) that match "
                                  "every filter given.")
    listing.add_argument("--kind", choices=tuple(KINDS))
    listing.add_argument("--tag", action="append", default=[], help="entries with this tag; repeat for all of several")
    listing.add_argument("--bpm", type=_bpm_range, metavar="LOW-HIGH", help="tempo range, e.g. 120-130")
    listing.add_argument("--style")
    listing.add_argument("--section", help="entries with this section (drop, intro, ...)")
    listing.add_argument("--text", help="part of a name, title, tag or prompt")
    listing.add_argument("--all-versions", action="store_true", help="every version, not only the newest")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_library_argument(listing)
    listing.set_defaults(run=run_list)

    show = commands.add_parser("show", help="everything recorded about one entry",
                               description="Show one entry: kind:name, name or name@v2 (newest when no version).")
    show.add_argument("reference")
    show.add_argument("--json", action="store_true")
    add_library_argument(show)
    show.set_defaults(run=run_show)


def add_library_argument(parser: argparse.ArgumentParser) -> None:
    """``--library DIR``, shared by every command that reads or fills the library."""
    parser.add_argument("--library", type=Path, default=None, metavar="DIR",
                        help=f"the library folder (default: ${library.LIBRARY_ENV}, else {library.default_library()})")


def add_keep_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--library [DIR]`` on a command that makes something: put ``what`` into the library as well."""
    parser.add_argument("--library", nargs="?", const="", default=None, metavar="DIR",
                        help=f"also add {what} to Toonbeat's library (DIR, else ${library.LIBRARY_ENV}, "
                             f"else {library.default_library()}); a new version, never overwriting")


def keep(args: argparse.Namespace, kind: str, source: Path, **details: Any) -> None:
    """Add ``source`` to the library when the command line asked for it (``--library``)."""
    if args.library is not None:
        store(Path(args.library) if args.library else library.default_library(), kind, source, **details)


def library_of(args: argparse.Namespace) -> Path:
    """The library folder the command line names."""
    return Path(args.library) if args.library else library.default_library()


def store(folder: Path, kind: str, source: Path, *, make_assets: bool = True, **details: Any) -> LibraryEntry:
    """Add ``source`` to the library at ``folder``, print where it went, and make its asset file if Blender is found."""
    try:
        entry, added = library.add(folder, kind, source, **details)
    except ValueError as error:  # LibraryError and the readers' errors (characters, images, beat files)
        raise ToonbeatError(str(error)) from error
    print(f"library: {entry.reference} {'added' if added else 'already there'} in {entry.folder}")
    if make_assets and added:
        _make_assets(folder)
    return entry


def run_add(args: argparse.Namespace) -> int:
    """``toonbeat library add``."""
    origin = {"licence": args.licence} if args.licence else {}
    store(library_of(args), args.kind, args.source, make_assets=not args.no_assets, name=args.name,
          style=args.style, tags=args.tag, origin=origin, beats=args.beats)
    return 0


def run_list(args: argparse.Namespace) -> int:
    """``toonbeat library list``."""
    found = library.entries(library_of(args))
    if not args.all_versions:
        found = library.newest_versions(found)
    found = library.search(found, kind=args.kind, tags=args.tag, bpm=args.bpm, style=args.style,
                           section=args.section, text=args.text)
    if args.json:
        print(json.dumps([_public(entry) for entry in found], indent=2))
        return 0
    for entry in found:
        tempo = f"{entry.bpm:g} BPM" if entry.bpm is not None else ""
        print(f"{entry.reference:<40} {tempo:>10}  {', '.join(entry.tags)}")
    print(f"{len(found)} entries in {library_of(args)}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    """``toonbeat library show``."""
    try:
        entry = library.find(library_of(args), args.reference)
    except LibraryError as error:
        raise ToonbeatError(str(error)) from error
    document = _public(entry)
    if args.json:
        print(json.dumps(document, indent=2))
        return 0
    for key, value in document.items():
        print(f"{key:>12}: {value}")
    return 0


def _public(entry: LibraryEntry) -> dict[str, Any]:
    document = entry.to_dict()
    del document["format"], document["version"], document["sha256"]
    return {"reference": entry.reference, **document, "folder": str(entry.folder),
            "asset": str(entry.asset_blend) if entry.asset_blend.exists() else None}


def _bpm_range(text: str) -> tuple[float, float]:
    low, separator, high = text.partition("-")
    try:
        bounds = (float(low), float(high)) if separator else (float(low), float(low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a tempo range is LOW-HIGH, e.g. 120-130") from None
    if not 0 < bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: the range must go from a positive low to a higher high")
    return bounds


def _make_assets(folder: Path) -> None:
    from ..blender.launcher import run_in_blender

    try:
        code = run_in_blender(["library-assets", str(folder)])
    except ToonbeatError as error:
        print(f"library: no asset file made ({error}); Blender makes it at the next Refresh Library")
        return
    if code != 0:
        print("library: Blender could not make the asset file; Refresh Library in Blender makes it")
