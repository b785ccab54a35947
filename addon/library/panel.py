"""The Library panel: search Toonbeat's library and add an entry to the scene (the Asset Browser shows it too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

from ..core import library
from ..core.library import KINDS, LibraryEntry
from ..ui import ToonbeatPanel
from . import drop
from .folder import ASSET_MAKER, library_folder

MAX_LISTED = 12
_ICONS: dict[str, Any] = {"song": "SOUND", "character": "OUTLINER_OB_ARMATURE", "backgrounds": "IMAGE_BACKGROUND",
          "clip": "FILE_MOVIE", "preset": "PRESET"}
_KIND_ITEMS = [("ALL", "All", "Every kind"),
               *((kind, kind.title(), f"Only {KINDS[kind][1].lower()}") for kind in KINDS)]
_cache: dict[str, tuple[tuple[tuple[str, int], ...], list[LibraryEntry]]] = {}


class TOONBEAT_PG_library_search(bpy.types.PropertyGroup):
    """What the Library panel lists (kept per window manager, not in the .blend)."""

    kind: bpy.props.EnumProperty(name="Kind", items=_KIND_ITEMS)
    text: bpy.props.StringProperty(name="Search", description="Part of a name, tag or prompt")
    tag: bpy.props.StringProperty(name="Tag", description="Only entries with this tag (a pose, a section, a style)")
    style: bpy.props.StringProperty(name="Style", description="Only entries of this style (industrial, house, ...)")
    section: bpy.props.StringProperty(name="Section", description="Only entries with this section (drop, intro, ...)")
    bpm_min: bpy.props.FloatProperty(name="BPM From", min=0.0, max=400.0, description="Lowest tempo; 0: any")
    bpm_max: bpy.props.FloatProperty(name="To", min=0.0, max=400.0, description="Highest tempo; 0: any")


class LibraryPanel(ToonbeatPanel):
    """Find songs, characters, backgrounds, clips and presets made before, and put them in this scene."""

    bl_label = "Library"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        """The library's folder, the search and the matching entries."""
        layout = self.layout
        folder = library_folder(context)
        row = layout.row(align=True)
        row.label(text=str(folder), icon="ASSET_MANAGER")
        row.operator("toonbeat.library_refresh", text="", icon="FILE_REFRESH")
        wanted = context.window_manager.toonbeat_library
        layout.prop(wanted, "kind", text="")
        column = layout.column(align=True)
        column.prop(wanted, "text", icon="VIEWZOOM")
        column.prop(wanted, "tag")
        column.prop(wanted, "style")
        column.prop(wanted, "section")
        row = column.row(align=True)
        row.prop(wanted, "bpm_min")
        row.prop(wanted, "bpm_max")
        found = matching(folder, wanted)
        if not found:
            layout.label(text="Nothing in the library matches", icon="INFO")
        for entry in found[:MAX_LISTED]:
            row = layout.row(align=True)
            tempo = f" · {entry.bpm:g} BPM" if entry.bpm is not None else ""
            row.label(text=f"{entry.title} v{entry.version}{tempo}", icon=_ICONS[entry.kind])
            row.operator("toonbeat.library_add_to_scene", text="", icon="ADD").reference = entry.reference
        if len(found) > MAX_LISTED:
            layout.label(text=f"{len(found) - MAX_LISTED} more: narrow the search")
        for message in (ASSET_MAKER.message, drop.last_message):
            if message:
                layout.label(text=message, icon="INFO")


def matching(folder: Path, wanted: TOONBEAT_PG_library_search) -> list[LibraryEntry]:
    """The newest version of every entry in ``folder`` that matches the panel's search."""
    bpm = (wanted.bpm_min, wanted.bpm_max or 400.0) if wanted.bpm_min or wanted.bpm_max else None
    return library.search(library.newest_versions(_entries(folder)), kind=None if wanted.kind == "ALL" else wanted.kind,
                          tags=[wanted.tag] if wanted.tag else [], bpm=bpm, style=wanted.style or None,
                          section=wanted.section or None, text=wanted.text or None)


def _entries(folder: Path) -> list[LibraryEntry]:
    """The library's entries, read again only when a version folder was added or finished."""
    signature = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(folder.glob("*/*/v*")))
    cached = _cache.get(str(folder))
    if cached is None or cached[0] != signature:
        cached = (signature, library.entries(folder))
        _cache[str(folder)] = cached
    return cached[1]


class TOONBEAT_PT_view3d_library(LibraryPanel):
    """The Library panel in the 3D View's sidebar."""

    bl_space_type = "VIEW_3D"
    bl_idname = "TOONBEAT_PT_view3d_library"


class TOONBEAT_PT_sequencer_library(LibraryPanel):
    """The Library panel in the Sequencer's sidebar."""

    bl_space_type = "SEQUENCE_EDITOR"
    bl_idname = "TOONBEAT_PT_sequencer_library"


classes = (TOONBEAT_PG_library_search, TOONBEAT_PT_view3d_library, TOONBEAT_PT_sequencer_library)


def register() -> None:
    """Register the panel and its search settings."""
    for cls in classes:
        bpy.utils.register_class(cls)
    bpy.types.WindowManager.toonbeat_library = bpy.props.PointerProperty(  # type: ignore[attr-defined]
        type=TOONBEAT_PG_library_search)


def unregister() -> None:
    """Undo ``register``."""
    del bpy.types.WindowManager.toonbeat_library  # type: ignore[attr-defined]
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
    _cache.clear()
