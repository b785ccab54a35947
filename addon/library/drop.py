"""Dropping a library asset into a scene sets it up as the matching Toonbeat step would.

Blender calls ``blend_import_post`` after an asset is appended or linked (a drag from
the Asset Browser, File > Append). Toonbeat notes the library collections among the
imported data and, once the drop has finished (a timer: the drop operator still uses
the collection right after the import), runs the step the entry stands for: Import
Character, Import Backgrounds, Load Song, or picking the preset; a character clip
becomes that move of the character on stage (its clip strip, retimed by the bake,
as a clip folder in the character's own folder would be), a shot or background clip
plays over the section under the playhead, as the Generate panel places clips. The collection that
carried the entry (and the instance empty the drop made of it) is then removed: it
was only the handle the artist dragged, and the stage holds the entry now.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import bpy

from .. import compat
from ..core import library
from ..core.character_sheet import read_character, with_clip
from ..core.clip import Clip, read_clip
from ..core.library import LibraryEntry
from .assets import CARRIER_PROPERTY

# Collections dropped since the last set-up: (collection name, the asset .blend it came from).
_pending: list[tuple[str, str]] = []
# Moves dropped on characters, kept on the scene as JSON: {character folder: {pose slot: clip folder}}.
_MOVES_PROPERTY = "toonbeat_library_moves"
# What the last drop did (or why it failed), for the Library panel.
last_message = ""

LOG = logging.getLogger("toonbeat")


def register() -> None:
    """Watch imports for library assets."""
    compat.add_import_handler(_on_import)


def unregister() -> None:
    """Stop watching imports."""
    compat.remove_import_handler(_on_import)
    _pending.clear()


@bpy.app.handlers.persistent
def _on_import(import_context: Any) -> None:
    for item in import_context.import_items:
        block = item.id
        if item.id_type == "COLLECTION" and block is not None and CARRIER_PROPERTY in block:
            source = item.source_library.filepath if item.source_library else ""
            _pending.append((block.name, bpy.path.abspath(source)))
    if _pending and not bpy.app.timers.is_registered(set_up_dropped):
        bpy.app.timers.register(set_up_dropped, first_interval=0.0)


def set_up_dropped() -> None:
    """Set up every library asset dropped since the last call (Blender calls it from a timer)."""
    global last_message  # noqa: PLW0603 - the panel reads the latest outcome
    while _pending:
        name, source = _pending.pop(0)
        carrier = bpy.data.collections.get(name)
        if carrier is None or CARRIER_PROPERTY not in carrier:
            continue
        try:
            message = set_up(bpy.context.scene, _entry_of(carrier, Path(source).parent if source else None))
        except (ValueError, OSError, RuntimeError) as error:
            message = f"Could not set up {name}: {error}"
        else:
            _remove_carrier(carrier)
        last_message = message
        LOG.info("Toonbeat: %s", message)


def set_up(scene: Any, entry: LibraryEntry) -> str:
    """Run the Toonbeat step ``entry`` stands for on ``scene``; returns what was done."""
    from ..properties import settings_of

    settings = settings_of(scene)
    toonbeat: Any = bpy.ops.toonbeat  # type: ignore[attr-defined]
    if entry.kind == "character":
        _run(toonbeat.import_character, directory=str(entry.folder) + "/")
        return f"{entry.title} is on stage; bake to animate"
    if entry.kind == "backgrounds":
        _run(toonbeat.import_backgrounds, directory=str(entry.folder) + "/")
        return f"{entry.title} is behind the characters"
    if entry.kind == "clip":
        clip = read_clip(entry.folder)
        return _place_move(scene, clip) if clip.kind == "character" else _place_shot(scene, clip)
    if entry.kind == "song":
        settings.audio_path = str(entry.main_path)
        settings.beats_path = str(entry.folder / f"{Path(entry.main).stem}.beats.json")
        _run(toonbeat.load_song)
        return f"{entry.title} is the song ({entry.bpm:g} BPM)"
    settings.preset = str(entry.main_path)
    return f"Choreography preset: {entry.title}"


def _place_move(scene: Any, clip: Clip) -> str:
    """A character clip becomes the animated move of its name (``headbang``) of the character on stage.

    The character is the one Import Character (or a dropped character) last put on
    stage, read again from its folder with the moves dropped on it before; its own
    folder is never written. Its strips are replaced as Import Character replaces them.
    """
    from ..assemble import stage_module
    from ..properties import settings_of
    from ..stage.sequencer_stage import song_strip_frames

    settings = settings_of(scene)
    if not settings.character_path:
        raise ValueError(f"put a character on stage first (Import Character, or drop one), then drop {clip.name}")
    folder = str(Path(bpy.path.abspath(settings.character_path)).resolve())
    dropped = json.loads(scene.get(_MOVES_PROPERTY, "{}"))
    moves = {**dropped.get(folder, {}), clip.name.lower(): str(clip.folder)}
    character = read_character(folder)
    for slot, clip_folder in moves.items():
        character = with_clip(character, read_clip(clip_folder), slot)
    stage_module(settings.stage).add_character(scene, character, song_strip_frames(scene))
    scene[_MOVES_PROPERTY] = json.dumps({**dropped, folder: moves})
    return f"{clip.name} is {character.name}'s {clip.name.lower()} move; bake to time it to the beats"


def _place_shot(scene: Any, clip: Clip) -> str:
    """A shot or background clip goes over the song's section under the playhead, its cycles on the beats,
    as the Generate panel's clips land (``stage.shot_clips``)."""
    from ..core.shots import SECTION_UNDER_PLAYHEAD, chosen_section
    from ..properties import settings_of
    from ..stage.sequencer_stage import scene_rate
    from ..stage.shot_clips import place_shot

    settings = settings_of(scene)
    if not settings.beats_path:
        raise ValueError(f"load a song with its beats first (Load Song, or drop one), then drop {clip.name}")
    playhead = (scene.frame_current - scene.frame_start) / scene_rate(scene)
    section = chosen_section(settings.song_sections(), SECTION_UNDER_PLAYHEAD, playhead)
    place_shot(scene, clip, section, settings.beat_data().beats)
    return f"{clip.name} plays over the {section.label} section, on the beats"


def _run(operator: Any, **properties: Any) -> None:
    result = operator("EXEC_DEFAULT", **properties)
    if "FINISHED" not in result:
        raise RuntimeError(f"{operator.idname_py()} did not finish")


def _entry_of(carrier: Any, folder: Path | None) -> LibraryEntry:
    """The library entry a dropped collection stands for: the version folder its asset file sits in."""
    if folder is None or not (folder / library.ENTRY_FILE).is_file():
        reference = carrier[CARRIER_PROPERTY].get("reference", "?")
        raise ValueError(f"the library entry {reference} is not beside the asset it came from")
    return library.entry_at(folder)


def _remove_carrier(carrier: Any) -> None:
    instances = [o for o in bpy.data.objects if o.instance_type == "COLLECTION" and o.instance_collection == carrier]
    contents = list(carrier.all_objects)
    bpy.data.batch_remove([*instances, *contents, carrier])
