"""The embedded art backend: cartoon characters and section backgrounds drawn with Pillow, no model needed.

Everything is deterministic for a seed. Characters are bold-outlined, flat
coloured figures on transparent PNGs, one per pose, aligned on a shared
ground point; backgrounds are flat-shaded venues lit per song section.

Examples
--------
>>> from pathlib import Path
>>> character = draw_character(Path("art/dj"), design="cyborg_dj", seed=1)
>>> character.pose_names
('idle', 'dance', 'headbang', 'walk')
>>> draw_backgrounds(Path("art/backgrounds"), theme="factory")["drop"].name
'drop.png'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageColor

from addon.core.backgrounds import SECTION_LABELS
from addon.core.character_sheet import Character, read_character, write_sheet
from addon.core.files import atomic_path

from ..errors import ToonbeatError
from ..images import toonbeat_png_info
from .characters.cyborg_dj import CyborgDJ
from .characters.figure import Figure, trim_width
from .characters.moves import MOVES
from .characters.poses import POSES, variant
from .characters.robot_drummer import RobotDrummer
from .ink import Color
from .loops import draw_move_frames, write_move_clip
from .scenes.backdrop import THEMES, paint_backdrop
from .scenes.light_loop import paint_light_loop, write_background_clip
from .scenes.mood import mood_for

DESIGNS: dict[str, type[Figure]] = {"cyborg_dj": CyborgDJ, "robot_drummer": RobotDrummer}
"""Character designs by name: the main character and a secondary one in the same style."""
ColorSpec = str | Sequence[int]
"""A colour as ``"#rrggbb"`` (or any CSS colour name) or as three 0..255 numbers."""

_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def draw_character(folder: Path, design: str = "cyborg_dj", *, name: str | None = None, seed: int = 0,
                   height_px: int = 768, palette: Mapping[str, ColorSpec] | None = None,
                   variants: int = 1, loops: bool = False, loop_height_px: int | None = None) -> Character:
    """Draw a character in the four standard poses and write it as a character folder.

    Parameters
    ----------
    folder : Path
        Where ``idle.png``, ``dance.png``, ``headbang.png``, ``walk.png`` and
        ``character.json`` go; created if missing.
    design : str
        A key of :data:`DESIGNS`.
    name : str or None
        The character's name; the design's name by default.
    seed : int
        0 draws the design as designed; other seeds recolour it and nudge its proportions.
    height_px : int
        Image height, pixels; the width follows the widest pose.
    palette : mapping or None
        Colours to override by name (``{"jacket": "#aa3355"}``); the names are the design's ``PALETTE`` keys.
    variants : int
        Versions of each pose: 2 also writes ``dance_2.png`` and so on (mirrored, then more exaggerated).
    loops : bool
        Also draw every move as an animated loop: a clip folder per move (``idle/``, ``dance/``,
        ``headbang/``, ``walk/``, ``jump/``, ``fist_pump/``, see ``addon.core.clip``).
    loop_height_px : int or None
        Height of the loops' drawings (the size the stage shows them at); ``height_px`` by default.

    Returns
    -------
    Character
        The folder read back with :func:`addon.core.character_sheet.read_character`.
    """
    if design not in DESIGNS:
        raise ToonbeatError(f"unknown character design {design!r}; known: {', '.join(DESIGNS)}")
    if not isinstance(height_px, int) or height_px < 64:
        raise ToonbeatError(f"character height must be a whole number of pixels, at least 64 (got {height_px!r})")
    if not isinstance(variants, int) or variants < 1:
        raise ToonbeatError(f"variants must be a whole number, at least 1 (got {variants!r})")
    figure_class = DESIGNS[design]
    try:
        figure = figure_class(_colours(palette), seed)
    except KeyError as error:
        raise ToonbeatError(f"{folder}: {error.args[0]}") from error
    images: dict[str, Image.Image] = {}
    for pose_name, pose in POSES.items():
        for index in range(1, variants + 1):
            file_name = pose_name + (f"_{index}" if index > 1 else "") + ".png"
            images[file_name] = figure.render(variant(pose, index), height_px)
    loop_height = loop_height_px or height_px
    if loops and (not isinstance(loop_height, int) or loop_height < 64):
        raise ToonbeatError(f"loop height must be a whole number of pixels, at least 64 (got {loop_height!r})")
    moves = draw_move_frames(figure, loop_height) if loops else {}
    images = trim_width(images, margin_px=max(2, round(height_px * 0.02)))
    _make_folder(folder)
    for file_name, image in images.items():
        _save_png(image, folder / file_name)
    for move_name, frames in moves.items():
        numbered = {f"{index:04d}": frame for index, frame in enumerate(frames)}
        trimmed = trim_width(numbered, margin_px=max(2, round(loop_height * 0.02)))
        write_move_clip(folder / move_name, MOVES[move_name], list(trimmed.values()), seed)
    poses = {pose: [f for f in images if f == f"{pose}.png" or f.startswith(f"{pose}_")] for pose in POSES}
    write_sheet(folder, name or figure_class.TITLE, poses=poses, anchor=figure.anchor(height_px), scale=1.0,
                design=design, seed=seed, generator="toonbeat procedural art")
    return read_character(folder)


def draw_backgrounds(folder: Path, labels: Sequence[str] = SECTION_LABELS, *, size: tuple[int, int] = (1920, 1080),
                     seed: int = 0, theme: str = "industrial_club", loops: bool = False) -> dict[str, Path]:
    """Draw one opaque background per section label and write them as ``<label>.png``.

    Parameters
    ----------
    folder : Path
        Where the PNGs go; created if missing.
    labels : sequence of str
        Section labels (``intro``, ``verse``, ``chorus``, ``build``, ``drop``,
        ``breakdown``, ``outro``, optionally numbered: ``drop_2``); each sets the lighting.
    size : (int, int)
        Width and height, pixels.
    seed : int
        Picks the venue's layout (the same for every label) and its lighting.
    theme : str
        ``industrial_club``, ``factory`` or ``city``.
    loops : bool
        Also write each label's background loop (beams sweeping, strobes on the beats) as a
        background clip folder ``<label>/`` beside its PNG, which is then the loop's first frame.
        The labels are drawn in parallel, one process per core.

    Returns
    -------
    dict of str to Path
        Each label's PNG.
    """
    if theme not in THEMES:
        raise ToonbeatError(f"unknown background theme {theme!r}; known: {', '.join(THEMES)}")
    width, height = size
    if min(width, height) < 64:
        raise ToonbeatError(f"background size must be at least 64x64 pixels (got {width}x{height})")
    for label in labels:
        if not _LABEL.match(label):
            raise ToonbeatError(f"section label {label!r} cannot be a file name: use letters, digits, - and _")
        try:
            mood_for(label)
        except KeyError as error:
            raise ToonbeatError(str(error.args[0])) from error
    _make_folder(folder)
    if loops:
        jobs = [(folder, theme, label, (width, height), seed) for label in labels]
        with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
            return dict(zip(labels, pool.map(_draw_background_loop, jobs), strict=True))
    written: dict[str, Path] = {}
    for label in labels:
        path = folder / f"{label}.png"
        _save_png(paint_backdrop(theme, label, (width, height), seed), path)
        written[label] = path
    return written


def _draw_background_loop(job: tuple[Path, str, str, tuple[int, int], int]) -> Path:
    """Write one label's loop clip and its first frame as the label's still; returns the still."""
    folder, theme, label, size, seed = job
    frames = paint_light_loop(theme, label, size, seed)
    write_background_clip(folder / label, label, frames, seed)
    path = folder / f"{label}.png"
    _save_png(frames[0], path)
    return path


def _colours(palette: Mapping[str, ColorSpec] | None) -> dict[str, Color]:
    """Palette overrides as RGB tuples; a colour that cannot be read is a :class:`ToonbeatError`."""
    result: dict[str, Color] = {}
    for slot, spec in (palette or {}).items():
        try:
            rgb = ImageColor.getrgb(spec)[:3] if isinstance(spec, str) else tuple(int(c) for c in spec)
            if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
                raise ValueError(spec)
        except (ValueError, TypeError) as error:
            raise ToonbeatError(f"colour {spec!r} for {slot!r} is not '#rrggbb' or three numbers 0..255") from error
        result[slot] = (rgb[0], rgb[1], rgb[2])
    return result


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ToonbeatError(f"{folder}: cannot create the folder ({error.strerror or error})") from error


def _save_png(image: Image.Image, path: Path) -> None:
    """Write a PNG through a temporary file, so a failed write never leaves half an image."""
    try:
        with atomic_path(path) as temporary:
            image.save(temporary, format="PNG", pnginfo=toonbeat_png_info())
    except OSError as error:
        raise ToonbeatError(f"{path}: cannot write the image ({error.strerror or error})") from error
