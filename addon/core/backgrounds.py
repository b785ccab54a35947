"""Background folders: one PNG per section label, and which image a section shows.

A label's PNG may have a **loop** beside it: a background clip folder of the same
name (``drop/clip.json`` beside ``drop.png``, see ``core.clip``), frames or a movie, which the
sequencer stage plays retimed to the beat instead of the still. Every loop of a
folder shares one cycle (beats and hit phases), so one timing key track drives them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .clip import Clip, ClipError, is_clip_folder, read_clip
from .png import ImageError, read_png_info
from .retime import CycleTiming

SECTION_LABELS = ("intro", "build", "drop", "breakdown", "outro")
"""The section labels Toonbeat's analysis gives, so the backgrounds drawn by default: one image each."""

# Where a label has no image of its own, the first of these that exists stands in.
_STAND_INS = {
    "intro": ("breakdown", "outro", "build"),
    "verse": ("intro", "build", "breakdown"),
    "chorus": ("drop",),
    "build": ("intro", "verse"),
    "drop": ("chorus", "build"),
    "breakdown": ("intro", "outro"),
    "outro": ("intro", "breakdown"),
}


def read_backgrounds(folder: str | Path) -> dict[str, Path]:
    """The background images of ``folder`` by label (file name without ``.png``, lower case).

    A folder with one image of any name serves every section.
    """
    root = Path(folder)
    if root.is_file():
        read_png_info(root)
        return {root.stem.lower(): root.resolve()}
    if not root.is_dir():
        raise ImageError(f"{root}: no such background folder or image")
    images = {path.stem.lower(): path.resolve() for path in sorted(root.glob("*.png")) if path.is_file()}
    if not images:
        raise ImageError(f"{root}: no PNG backgrounds (expected intro.png, drop.png, ... or one image)")
    for path in images.values():
        read_png_info(path)
    shared_timing(background_clip(path) for path in images.values())
    return images


def background_clip(image: Path) -> Clip | None:
    """The loop of background ``image``: the clip folder named like it beside it, or ``None`` for a still.

    Raises ``ClipError`` for a broken clip or one that is not a background.
    """
    folder = image.with_suffix("")
    if not is_clip_folder(folder):
        return None
    clip = read_clip(folder)
    if clip.kind not in ("background", "shot"):
        raise ClipError(f"{folder}: a {clip.kind} clip cannot be a background (its kind must be 'background')")
    return clip


def shared_timing(clips: Iterable[Clip | None], numbered: bool = False) -> CycleTiming | None:
    """The cycle every background loop among ``clips`` shares (``None`` when all are stills): their ``timing``,
    or their ``numbered_timing`` where they play by frame number (the 3D stage's planes).

    Raises ``ClipError`` naming two loops whose cycles differ.
    """
    loops = [clip for clip in clips if clip is not None]
    timings = [clip.numbered_timing if numbered else clip.timing for clip in loops]
    for clip, timing in zip(loops[1:], timings[1:], strict=True):
        if timing != timings[0]:
            raise ClipError(f"{clip.folder}: its cycle ({clip.beats_per_cycle} beats, hits {list(clip.hit_frames)} "
                            f"of {clip.frame_count}) differs from {loops[0].folder}'s; background loops of one "
                            "folder share one cycle")
    return timings[0] if loops else None


def background_for(label: str, images: dict[str, Path]) -> Path:
    """The image a section labelled ``label`` shows: its own, a related section's, or the first one."""
    for candidate in (label, *_STAND_INS.get(label, ())):
        if candidate in images:
            return images[candidate]
    return images[sorted(images)[0]]
