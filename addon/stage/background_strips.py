"""The sequencer stage's backgrounds: one strip per song section, a still image or a loop on the beat.

A section whose background has a loop (``core.backgrounds``) is a meta strip holding
the clip's frames under a Speed strip (role ``loop``) whose frame number the bake
keys, as a character's animated pose; the light pulse keys every background's
colour multiply. The strips sit on the channel above the song (``sequencer_stage``).

Laying the backgrounds out again keeps the artist's hand edits by the rule of
``core.edits``, applied to strips:

- each strip records the settings Toonbeat gave it (``LAYOUT_PROPERTY``: its cut
  points, channel, the pictures it shows, its transform); a setting still as
  recorded gets the new layout's value, one the artist changed stays, so a moved
  cut stays where the artist put it and the strip keeps its keys (timing keys
  the artist moved or deleted stay so through ``sync.keys``);
- the scene records which strips Toonbeat laid out (``STRIPS_PROPERTY``): one the
  artist deleted is not made again, one the artist renamed or copied is the artist's;
- strips the artist added are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bpy

from .. import compat
from ..core.backgrounds import background_clip, background_for
from ..core.beatfile import Section
from ..core.choreography import LIGHT
from ..core.clip import Clip, check_movie_frames
from ..core.edits import ChannelRecord, Value, dump_record, read_record, rebake, untouched
from ..core.png import read_png_info
from ..sync.bake import Binding
from . import sequencer_stage
from .roles import details, mark, with_role

LAYOUT_PROPERTY = "_toonbeat_layout"
"""On each background strip: the settings Toonbeat gave it, as a ``core.edits`` record of one-entry channels."""
STRIPS_PROPERTY = "_toonbeat_backgrounds"
"""On the scene: the background strips Toonbeat laid out, as ``(section index, strip name)`` entries."""
_STRIPS_CHANNEL = "strips"
_NAME_CHANNEL = "name"


@dataclass(frozen=True)
class _Background:
    """What one section's background strip should be."""

    index: int
    label: str
    start: int
    end: int
    image: Path
    clip: Clip | None

    @property
    def name(self) -> str:
        return f"Toonbeat {self.label} {self.index + 1}"


def layout_backgrounds(scene: bpy.types.Scene, images: dict[str, Path], sections: Sequence[Section],
                       frames: int) -> list[Any]:
    """One background strip per section (or one for the whole song), replacing Toonbeat's previous ones
    as it left them and keeping every hand edit (see the module's notes); returns Toonbeat's strips."""
    collection = compat.strips(scene)
    for old in [s for s in with_role(collection, "background") if LAYOUT_PROPERTY not in s]:
        collection.remove(old)  # laid out before hand edits were kept: Toonbeat's as it left them
    channel = sequencer_stage.stage_channel(scene) + 1
    wanted = _wanted(scene, images, sections, frames)
    ours = {details(s)["index"]: s for s in with_role(collection, "background") if _is_ours(s)}
    found = sorted(ours.items())
    plan = rebake([(float(index), strip.name) for index, strip in found],
                  read_record(scene.get(STRIPS_PROPERTY)).get(_STRIPS_CHANNEL),
                  [(float(w.index), w.name) for w in wanted])
    to_write = {round(frame) for frame, _ in plan.write}
    by_index = {w.index: w for w in wanted}
    made: dict[int, Any] = {}
    moves: list[tuple[Any, _Background, dict[str, bool]]] = []
    for (index, strip), mine in zip(found, plan.toonbeat, strict=True):
        if not mine:
            continue
        if index not in to_write or _other_kind(strip, by_index[index]):
            if layout_untouched(strip):
                collection.remove(strip)
            elif index in to_write:
                made[index] = strip  # the artist's edits stay, so it stays as it is
            continue
        artist = _artist_settings(strip)
        if not artist["channel"] and _span(strip) != (by_index[index].start, by_index[index].end):
            strip.channel = _free_channel(scene)  # out of the way while the cuts move, so nothing overlaps
        moves.append((strip, by_index[index], artist))
    for strip, background, artist in moves:
        _update(scene, strip, background, artist)
    for strip, background, artist in moves:
        if not artist["channel"] and strip.channel != channel:
            strip.channel = channel
        _record_layout(strip, artist)
        made[background.index] = strip
    for background in wanted:
        if background.index in to_write and background.index not in made:
            made[background.index] = _new_strip(scene, background, channel)
    record = ChannelRecord(tuple(float(index) for index in sorted(made)),
                           tuple(made[index].name for index in sorted(made)), plan.record.deleted)
    scene[STRIPS_PROPERTY] = dump_record({_STRIPS_CHANNEL: record})
    return [made[index] for index in sorted(made)]


def _wanted(scene: bpy.types.Scene, images: dict[str, Path], sections: Sequence[Section],
            frames: int) -> list[_Background]:
    """The background strip each section should have."""
    wanted = []
    for index, (label, start, end) in enumerate(sequencer_stage.section_spans(scene, sections, frames)):
        image = background_for(label, images)
        wanted.append(_Background(index, label, start, end, image, background_clip(image)))
    return wanted


def forget_removed(scene: bpy.types.Scene, names: Sequence[str]) -> None:
    """Forget the background strips ``names`` Toonbeat removed itself (the 3D stage shows the backgrounds now),
    so that none of them counts as deleted by the artist when they come back; the ones kept as the artist's
    stay in the record, so coming back updates them (keeping their edits) rather than adding copies."""
    recorded = read_record(scene.get(STRIPS_PROPERTY)).get(_STRIPS_CHANNEL)
    if not isinstance(recorded, ChannelRecord):
        scene.pop(STRIPS_PROPERTY, None)
        return
    entries = [(frame, name) for frame, name in recorded.entries if name not in names]
    scene[STRIPS_PROPERTY] = dump_record({_STRIPS_CHANNEL: ChannelRecord(tuple(f for f, _ in entries),
                                                                         tuple(n for _, n in entries),
                                                                         recorded.deleted)})


def _new_strip(scene: bpy.types.Scene, background: _Background, channel: int) -> Any:
    """A new strip for ``background``: an image strip, or a meta strip of its loop."""
    duration = background.end - background.start
    if background.clip is None:
        strip = compat.strips(scene).new_image(background.name, str(background.image), channel, background.start)
        strip.frame_final_duration = duration
        sequencer_stage.fill_frame(scene, strip, *_picture_size(background))
    else:
        strip = _background_loop(scene, background.name, background.clip, channel, background.start, duration)
    sequencer_stage.mark_unselected(strip, "background", label=background.label, index=background.index,
                                    clip=str(background.clip.folder) if background.clip else "")
    _record_layout(strip, dict.fromkeys(_settings(strip), False))
    return strip


def _update(scene: bpy.types.Scene, strip: Any, background: _Background, artist: dict[str, bool]) -> None:
    """Give Toonbeat's ``strip`` the settings of ``background`` that are not the ``artist``'s (but its channel)."""
    _move_cuts(strip, background, keep_start=artist["start"], keep_end=artist["end"])
    if not artist["source"]:
        _show(strip, background)
        mark(strip, "background", label=background.label, index=background.index,
             clip=str(background.clip.folder) if background.clip else "")
    if not artist["transform"]:
        sequencer_stage.fill_frame(scene, _pictures(strip), *_picture_size(background))
    if strip.name != background.name:
        strip.name = background.name


def _other_kind(strip: Any, background: _Background) -> bool:
    """Whether ``strip`` is a still where ``background`` is a loop, a loop of frames where it is a movie, ..."""
    if (strip.type == "META") != (background.clip is not None):
        return True
    return background.clip is not None and (_pictures(strip).type == "MOVIE") != (background.clip.movie is not None)


def _span(strip: Any) -> tuple[int, int]:
    return int(strip.frame_final_start), int(strip.frame_final_end)


def _move_cuts(strip: Any, background: _Background, *, keep_start: bool, keep_end: bool) -> None:
    """Move the strip's cut points that are Toonbeat's to ``background``'s (a loop's frames follow)."""
    if not keep_start and not keep_end:
        strip.frame_start += background.start - strip.frame_final_start
        strip.frame_final_duration = background.end - background.start
    elif not keep_start:
        strip.frame_final_start = background.start
    elif not keep_end:
        strip.frame_final_end = background.end
    if strip.type == "META":
        frames = _pictures(strip)
        frames.frame_final_start, frames.frame_final_end = strip.frame_final_start, strip.frame_final_end


def _show(strip: Any, background: _Background) -> None:
    """Make ``strip`` show ``background``'s image or its loop's frames or movie."""
    if background.clip is None:
        strip.directory = str(background.image.parent) + "/"
        strip.elements[0].filename = background.image.name
    elif background.clip.movie is not None:
        _pictures(strip).filepath = str(_movie_path(background.clip))
        _check_movie_length(_pictures(strip), background.clip)
    else:
        sequencer_stage.show_frames(_pictures(strip), background.clip.cycle_frame_paths())


def _movie_path(clip: Clip) -> Path:
    assert clip.movie is not None
    return (clip.folder / clip.movie).resolve()


def _check_movie_length(source: Any, clip: Clip) -> None:
    """Raise ``ClipError`` when the movie strip ``source`` has fewer frames than ``clip.json`` says."""
    check_movie_frames(clip, source.frame_duration)


def _free_channel(scene: bpy.types.Scene) -> int:
    """A channel above every strip."""
    return min(max((s.channel for s in compat.strips(scene)), default=0) + 1, compat.MAX_CHANNEL)


def _picture_size(background: _Background) -> tuple[int, int]:
    if background.clip is not None:
        return background.clip.size
    info = read_png_info(background.image)
    return info.width, info.height


def _pictures(strip: Any) -> Any:
    """The strip that reads a background's pictures: the frames inside a loop's meta strip, else itself."""
    if strip.type != "META":
        return strip
    return next(with_role(compat.meta_strips(strip), "frames"))


def _settings(strip: Any) -> dict[str, Value]:
    """The settings of a background strip that Toonbeat sets, as ``core.edits`` values."""
    pictures = _pictures(strip)
    transform = pictures.transform
    return {
        "start": float(strip.frame_final_start),
        "end": float(strip.frame_final_end),
        "channel": float(strip.channel),
        "source": _shown(pictures),
        "transform": ",".join(f"{value:.6g}" for value in (transform.scale_x, transform.scale_y,
                                                          transform.offset_x, transform.offset_y)),
    }


def _record_layout(strip: Any, artist: dict[str, bool]) -> None:
    """Record the strip's name and the settings Toonbeat gave it; the ``artist``'s settings stay unrecorded."""
    channels = {name: ChannelRecord() if artist[name] else ChannelRecord((0.0,), (value,))
                for name, value in _settings(strip).items()}
    channels[_NAME_CHANNEL] = ChannelRecord((0.0,), (strip.name,))
    strip[LAYOUT_PROPERTY] = dump_record(channels)


def _artist_settings(strip: Any) -> dict[str, bool]:
    """Per setting Toonbeat gives a background strip: whether the artist changed it (or its record is unreadable)."""
    record = read_record(strip.get(LAYOUT_PROPERTY))
    artist = {}
    for name, value in _settings(strip).items():
        recorded = record.get(name)
        artist[name] = not (isinstance(recorded, ChannelRecord) and untouched([(0.0, value)], recorded)[0])
    return artist


def _shown(pictures: Any) -> str:
    """What a background's pictures strip shows: its movie file, or its first image and how many there are."""
    if pictures.type == "MOVIE":
        return str(bpy.path.abspath(pictures.filepath))
    return f"{bpy.path.abspath(pictures.directory)}{pictures.elements[0].filename}|{len(pictures.elements)}"


def layout_untouched(strip: Any) -> bool:
    """Whether every setting Toonbeat gave ``strip`` is still as it left it."""
    return not any(_artist_settings(strip).values())


def _is_ours(strip: Any) -> bool:
    """Whether a background strip is the one Toonbeat laid out, not an artist's copy or renamed one
    (a copy carries the original's properties under another name)."""
    if LAYOUT_PROPERTY not in strip:
        return True
    recorded = read_record(strip.get(LAYOUT_PROPERTY)).get(_NAME_CHANNEL)
    return isinstance(recorded, ChannelRecord) and recorded.values == (strip.name,)


def _background_loop(scene: bpy.types.Scene, name: str, clip: Clip, channel: int, start: int, duration: int) -> Any:
    """A section's background loop: a meta strip holding the clip's frames (an image-sequence strip, or a movie
    strip for a movie clip) under a Speed strip (role ``loop``) whose frame number the bake keys, as a
    character's animated pose."""
    meta = compat.strips(scene).new_meta(name, channel, start)
    inner = compat.meta_strips(meta)
    if clip.movie is None:
        paths = clip.cycle_frame_paths()
        source = inner.new_image(f"{name} frames", str(paths[0]), 1, start)
        sequencer_stage.show_frames(source, paths)
    else:
        source = inner.new_movie(f"{name} frames", str(_movie_path(clip)), 1, start)
        _check_movie_length(source, clip)
    source.frame_final_duration = duration
    loop = compat.new_effect_strip(scene, f"{name} loop", "SPEED", 2, start, 1, into=inner, input1=source)
    loop.speed_control = "FRAME_NUMBER"
    sequencer_stage.fill_frame(scene, source, *clip.size)  # on the frames, as a pose's placement
    sequencer_stage.mark_unselected(source, "frames")
    sequencer_stage.mark_unselected(loop, "loop")
    meta.frame_final_duration = duration
    return meta


def background_bindings(scene: bpy.types.Scene) -> list[Binding]:
    """What the light track drives on the backgrounds: the pulse on each strip, the cycle on each loop."""
    found: list[Binding] = []
    for background in with_role(compat.strips(scene), "background"):
        if not _is_ours(background):
            continue
        found.append(Binding(background, scene, "color_multiply", 0, LIGHT, "pulse", sequencer_stage.unchanged, 1.0))
        clip = sequencer_stage.clip_of(background)
        if clip is not None:
            loop = next(with_role(compat.meta_strips(background), "loop"))
            frame = clip.numbered_frame_at_phase if clip.movie is not None else sequencer_stage.clip_frame(clip)
            found.append(Binding(loop, scene, "speed_frame_number", 0, LIGHT, "cycle", frame, 0.0))
    return found
