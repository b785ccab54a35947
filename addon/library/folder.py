"""Where the library is, registering it with Blender's Asset Browser, and filling it as Toonbeat works."""

from __future__ import annotations

import os
from pathlib import Path

import bpy

from ..core import library
from ..core.library import LibraryEntry
from ..preferences import preferences, user_data_folder
from .assets import ensure_asset

ASSET_LIBRARY_NAME = "Toonbeat"


def library_folder(context: bpy.types.Context | None = None) -> Path:
    """The library folder: the preference, else ``$TOONBEAT_LIBRARY``, else Toonbeat's user data folder."""
    chosen = preferences(context).library_path
    if chosen:
        return Path(bpy.path.abspath(chosen))
    if os.environ.get(library.LIBRARY_ENV):
        return library.default_library()
    return user_data_folder("library")


def register_asset_library(folder: Path) -> bool:
    """List ``folder`` among the Preferences' asset libraries (once); returns whether it was added."""
    libraries = bpy.context.preferences.filepaths.asset_libraries
    wanted = str(folder.resolve())
    if any(Path(bpy.path.abspath(known.path)).resolve() == Path(wanted) for known in libraries if known.path):
        return False
    libraries.new(name=ASSET_LIBRARY_NAME, directory=wanted)
    return True


def refresh(folder: Path) -> tuple[int, int]:
    """Make the missing asset files of ``folder``'s entries; returns (entries, asset files made)."""
    found = library.entries(folder)
    return len(found), sum(ensure_asset(entry) for entry in found)


def keep(context: bpy.types.Context, kind: str, source: Path, **details: object) -> LibraryEntry | None:
    """Add what a step just made or imported to the library, when the preferences ask for it.

    Returns the entry (a new version only when the files changed), or None when
    adding is switched off. The asset file is made at once, so it shows in the
    Asset Browser.
    """
    if not preferences(context).add_to_library:
        return None
    entry, _ = library.add(library_folder(context), kind, source, **details)  # type: ignore[arg-type]
    ensure_asset(entry)
    return entry
