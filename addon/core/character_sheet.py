"""Character folders: one PNG per pose or an animated clip per move, and an optional ``character.json`` sheet.

A character is a folder such as::

    robot/
        idle.png  dance.png  dance_2.png  headbang.png  walk.png
        idle/  dance/  headbang/  walk/  jump/  fist_pump/     (optional clip folders, see ``core.clip``)
        character.json      (optional)

A clip folder named after a pose slot (``dance``, ``dance_2``) animates that slot;
a move that has a clip but no still PNG gets the clip's first hit drawing as its
still, so stages that show stills (Grease Pencil, planes) show every move too.

Poses are named by file: ``dance.png`` and ``dance_2.png`` are two variants of
the pose ``dance``. The sheet may give the character's ``name``, an explicit
``poses`` mapping, the ``anchor`` (the point, as fractions of the image width
from the left and height from the top, where the character touches the ground:
every pose is aligned on it) and a ``scale`` relative to the stage's standard
character height. Anything else in the sheet (prompts, seeds) is kept as-is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .clip import Clip, ClipError, is_clip_folder, read_clip
from .files import write_bytes_atomically
from .json_files import read_json_object

SHEET_NAME = "character.json"
SHEET_FORMAT = "toonbeat.character"
STANDARD_POSES = ("idle", "dance", "headbang", "walk")
DEFAULT_ANCHOR = (0.5, 1.0)
_POSE_FILE = re.compile(r"^(?P<pose>[A-Za-z][A-Za-z0-9_-]*?)(?:_(?P<variant>\d+))?\.png$", re.IGNORECASE)


class CharacterError(ValueError):
    """A character folder that cannot be used, with the folder and the problem in the message."""


@dataclass(frozen=True)
class Character:
    """A character read from its folder; pose images as absolute paths, variants in order."""

    name: str
    folder: Path
    poses: dict[str, tuple[Path, ...]]
    anchor: tuple[float, float] = DEFAULT_ANCHOR
    scale: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)
    clips: dict[str, Clip] = field(default_factory=dict)
    """Animated clips by pose slot (``dance``, ``dance_2``); slots without one are stills."""

    @property
    def pose_names(self) -> tuple[str, ...]:
        """Pose names, the standard ones first in their usual order, then the others by name."""
        standard = [pose for pose in STANDARD_POSES if pose in self.poses]
        others = sorted(pose for pose in self.poses if pose not in STANDARD_POSES)
        return tuple(standard + others)


def read_character(folder: str | Path) -> Character:
    """Read a character folder, with or without ``character.json``."""
    root = Path(folder)
    if not root.is_dir():
        raise CharacterError(f"{root}: not a folder of pose images")
    sheet = _read_sheet(root)
    poses = _poses_from_sheet(root, sheet) if "poses" in sheet else discover_poses(root)
    clips = discover_clips(root)
    for slot, clip in clips.items():
        _give_slot_a_still(poses, slot, clip)
    if not poses:
        raise CharacterError(f"{root}: no pose images (expected files such as idle.png or dance_2.png)")
    missing = [str(path) for paths in poses.values() for path in paths if not path.is_file()]
    if missing:
        raise CharacterError(f"{root}: missing pose image {missing[0]}")
    anchor = sheet.get("anchor", DEFAULT_ANCHOR)
    if not (isinstance(anchor, (list, tuple)) and len(anchor) == 2 and all(_is_fraction(v) for v in anchor)):
        raise CharacterError(f"{root / SHEET_NAME}: 'anchor' must be two numbers between 0 and 1")
    scale = sheet.get("scale", 1.0)
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or scale <= 0:
        raise CharacterError(f"{root / SHEET_NAME}: 'scale' must be a positive number")
    known = {"format", "version", "name", "poses", "anchor", "scale"}
    return Character(
        name=str(sheet.get("name") or root.name),
        folder=root.resolve(),
        poses=poses,
        anchor=(float(anchor[0]), float(anchor[1])),
        scale=float(scale),
        extra={key: value for key, value in sheet.items() if key not in known},
        clips=clips,
    )


def discover_poses(folder: Path) -> dict[str, tuple[Path, ...]]:
    """Poses from file names: ``<pose>.png`` and ``<pose>_<n>.png`` variants, in variant order."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in folder.iterdir():
        match = _POSE_FILE.match(path.name)
        if match and path.is_file():
            variant = int(match["variant"] or 1)
            found.setdefault(match["pose"].lower(), []).append((variant, path.resolve()))
    return {pose: tuple(path for _, path in sorted(items)) for pose, items in found.items()}


def discover_clips(folder: Path) -> dict[str, Clip]:
    """The clip folders of a character, by pose slot (the folder's name, lower case); a broken clip is an error."""
    found = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir() and is_clip_folder(path) and _POSE_FILE.match(f"{path.name}.png"):
            try:
                found[path.name.lower()] = read_clip(path)
            except ClipError as error:
                raise CharacterError(str(error)) from error
    return found


def with_clip(character: Character, clip: Clip, slot: str | None = None) -> Character:
    """``character`` with ``clip`` animating pose slot ``slot`` (default: the clip's name, ``dance`` or
    ``dance_2``), as a clip folder of that name in the character's folder would; the folder is not touched."""
    slot = (slot or clip.name).lower()
    if not _POSE_FILE.match(f"{slot}.png"):
        raise CharacterError(f"{clip.folder}: {slot!r} cannot name a pose slot (letters, digits, _ and -)")
    poses = dict(character.poses)
    _give_slot_a_still(poses, slot, clip)
    return replace(character, poses=poses, clips={**character.clips, slot: clip})


def _give_slot_a_still(poses: dict[str, tuple[Path, ...]], slot: str, clip: Clip) -> None:
    """A clip for a move without a still of that variant gives it the clip's first hit drawing (in ``poses``)."""
    pose, variant = _slot_parts(slot)
    stills = poses.get(pose, ())
    if variant == len(stills) + 1:
        poses[pose] = (*stills, clip.cycle_frame_paths()[0])
    elif variant > len(stills):
        raise CharacterError(f"{clip.folder}: a clip for variant {variant} of {pose!r} needs variant {variant - 1}")


def _slot_parts(slot: str) -> tuple[str, int]:
    """``dance_2`` is variant 2 of ``dance``; ``fist_pump`` is variant 1 of ``fist_pump``."""
    base, _, number = slot.rpartition("_")
    return (base, int(number)) if base and number.isdigit() else (slot, 1)


def write_sheet(folder: str | Path, name: str, poses: dict[str, list[str]] | None = None,
                anchor: tuple[float, float] = DEFAULT_ANCHOR, scale: float = 1.0, **extra: Any) -> Path:
    """Write ``character.json`` into ``folder``; ``poses`` maps pose names to file names."""
    sheet: dict[str, Any] = {"format": SHEET_FORMAT, "version": 1, "name": name,
                             "anchor": list(anchor), "scale": scale}
    if poses is not None:
        sheet["poses"] = poses
    sheet.update(extra)
    path = Path(folder) / SHEET_NAME
    write_bytes_atomically((json.dumps(sheet, indent=2) + "\n").encode("utf-8"), path)
    return path


def _read_sheet(root: Path) -> dict[str, Any]:
    path = root / SHEET_NAME
    if not path.exists():
        return {}
    return read_json_object(path, "character sheet", CharacterError)


def _poses_from_sheet(root: Path, sheet: dict[str, Any]) -> dict[str, tuple[Path, ...]]:
    poses = sheet["poses"]
    if not isinstance(poses, dict) or not all(
        isinstance(files, list) and files and all(isinstance(name, str) for name in files) for files in poses.values()
    ):
        raise CharacterError(f"{root / SHEET_NAME}: 'poses' must map pose names to lists of PNG file names")
    return {str(pose).lower(): tuple((root / name).resolve() for name in files) for pose, files in poses.items()}


def _is_fraction(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0
