"""Clips: animated loops and shots as a folder of frames (or one movie) plus ``clip.json``.

A clip folder such as ``dance/`` holds::

    clip.json
    frames/0000.png  frames/0001.png  ...      (or one movie file)

``clip.json`` (version 1, ``clip.schema.json``) gives the frame rate, the frame
count, whether the clip loops, how many beats one cycle spans and the **hit
frames**: the frames that must land on beats. A retimed cycle starts on the first
hit, and hit ``h`` lands on the beat of the cycle nearest ``(h - first hit) *
beats_per_cycle / frame_count`` (a later one when an earlier hit has that beat):
``{"frame_count": 16, "beats_per_cycle": 2, "hit_frames": [0, 8]}`` puts frame 0
on the first beat and frame 8 on the second. A still PNG
pose is a one-frame clip (:func:`still_clip`).

Retiming works in **cycle phase**, 0 at a cycle's first frame and 1 at its end:
:meth:`Clip.hit_phases` says where each hit sits and :meth:`Clip.frame_at_phase`
which frame shows at a phase (frame numbers in between grow evenly).

Examples
--------
>>> clip = Clip(Path("dance"), "character", "dance", 24.0, 16, "frames/{index:04d}.png", None, True, 2, (0, 8),
...             (768, 768), "procedural")
>>> clip.hit_phases
(0.0, 0.5)
>>> clip.frame_at_phase(0.75)
12.0
"""

from __future__ import annotations

import bisect
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema_check
from .files import write_json_atomically
from .json_files import read_json_object
from .retime import CycleTiming

CLIP_FILE = "clip.json"
VERSION = 1
FORMAT = "toonbeat.clip"
"""The ``format`` of a ``clip.json`` Toonbeat wrote: its mark (``core.overwrite``); hand-written ones leave it out."""
SCHEMA_PATH = Path(__file__).with_name("clip.schema.json")
FRAMES_PATTERN = "frames/{index:04d}.png"


class ClipError(ValueError):
    """A clip that cannot be used, with the folder and the problem in the message."""


@dataclass(frozen=True)
class Clip:
    """A clip read from (or to be written to) ``folder``; the fields are ``clip.json``'s."""

    folder: Path
    kind: str
    name: str
    fps: float
    frame_count: int
    frames: str | None
    movie: str | None
    loops: bool
    beats_per_cycle: int
    hit_frames: tuple[int, ...]
    size: tuple[int, int]
    source: str
    prompt: str | None = None
    seed: int | None = None
    model: str | None = None

    def frame_path(self, index: int) -> Path:
        """The file of frame ``index`` (0-based) of a frame clip."""
        if self.frames is None:
            raise ClipError(f"{self.folder}: a movie clip has no frame files")
        return self.folder / self.frames.format(index=index)

    def frame_paths(self) -> list[Path]:
        """Every frame file in order."""
        return [self.frame_path(index) for index in range(self.frame_count)]

    @property
    def first_hit(self) -> int:
        """The frame a cycle starts on when retimed: the first hit (frame 0 without hits)."""
        return self.hit_frames[0] if self.hit_frames else 0

    def cycle_frame_paths(self) -> list[Path]:
        """The frame files in the order a retimed cycle shows them: from the first hit round to the one before."""
        return [self.frame_path((self.first_hit + step) % self.frame_count) for step in range(self.frame_count)]

    @property
    def hit_beats(self) -> tuple[int, ...]:
        """The beat of the cycle (0-based, counted from the first hit) each hit frame lands on."""
        beats: list[int] = []
        for frame in self.hit_frames:
            nearest = round((frame - self.first_hit) * self.beats_per_cycle / self.frame_count)
            beats.append(max(nearest, beats[-1] + 1) if beats else 0)
        return tuple(beats)

    @property
    def hit_phases(self) -> tuple[float, ...]:
        """Where in the cycle (0 to 1, from the first hit) each hit frame lands."""
        return tuple(beat / self.beats_per_cycle for beat in self.hit_beats)

    @property
    def timing(self) -> CycleTiming:
        """How the clip's cycle meets the beats on the sequencer stage, for the choreography plan: a movie shows
        its frames by number (:attr:`numbered_timing`), frame files are laid out in cycle order."""
        if self.movie is not None:
            return self.numbered_timing
        return CycleTiming(self.beats_per_cycle, self.hit_phases or (0.0,))

    @property
    def numbered_timing(self) -> CycleTiming:
        """How the cycle meets the beats where its frames show by their numbers (a movie; a 3D plane's image
        sequence): one that starts before its first hit wraps round to frame 0 at :attr:`wrap_phase`, see
        :meth:`numbered_frame_at_phase`."""
        wraps = self.first_hit != 0
        return CycleTiming(self.beats_per_cycle, self.hit_phases or (0.0,), (self.wrap_phase,) if wraps else ())

    @property
    def wrap_phase(self) -> float:
        """The phase at which a cycle reaches the clip's frame 0 again (0 when the first hit is frame 0)."""
        target = float((self.frame_count - self.first_hit) % self.frame_count)
        low, high = 0.0, 1.0
        for _ in range(60):  # frame_at_phase grows with the phase
            middle = (low + high) / 2
            low, high = (middle, high) if self.frame_at_phase(middle) < target else (low, middle)
        return high if target else 0.0

    def numbered_frame_at_phase(self, phase: float) -> float:
        """The clip's frame by its number (0-based, fractional) shown at ``phase``: :meth:`frame_at_phase` counted
        from the first hit, the frames before the first hit playing from :attr:`wrap_phase` on, up to the next
        cycle's first hit."""
        frame = self.first_hit + self.frame_at_phase(phase)
        if frame >= self.frame_count - 1e-6:
            frame -= self.frame_count
        return min(max(frame, 0.0), self.frame_count - 1e-3)

    def frame_at_phase(self, phase: float) -> float:
        """Where in :meth:`cycle_frame_paths` (fractional between hits) the cycle is at ``phase``, 0 <= phase <= 1.

        The position grows evenly from each hit to the next; phase 1 is
        ``frame_count`` (the first hit again, for a loop).
        """
        phases = [*self.hit_phases, 1.0] if self.hit_frames else [0.0, 1.0]
        steps = [float(h - self.first_hit) for h in self.hit_frames] + [float(self.frame_count)]
        if not self.hit_frames:
            steps = [0.0, float(self.frame_count)]
        phase = min(max(phase, 0.0), 1.0)
        index = min(max(1, bisect.bisect_right(phases, phase)), len(phases) - 1)
        p0, p1, f0, f1 = phases[index - 1], phases[index], steps[index - 1], steps[index]
        return f0 + (f1 - f0) * (phase - p0) / (p1 - p0)


def check_movie_frames(clip: Clip, frames: int) -> None:
    """Raise ``ClipError`` when ``clip``'s movie, read with ``frames`` frames, has fewer than ``clip.json`` says."""
    if frames < clip.frame_count:
        raise ClipError(f"{clip.folder}: {clip.movie} has {frames} frame(s) where clip.json says "
                        f"{clip.frame_count}; fix 'frame_count' or the movie")


def schema() -> dict[str, Any]:
    """The clip's JSON Schema."""
    return schema_check.read_schema(SCHEMA_PATH)


def is_clip_folder(path: Path) -> bool:
    """Whether ``path`` is a folder holding ``clip.json``."""
    return (path / CLIP_FILE).is_file()


def read_clip(folder: str | os.PathLike[str]) -> Clip:
    """Read and check the clip in ``folder``: its ``clip.json`` and that every frame (or the movie) exists."""
    root = Path(folder)
    document = read_json_object(root / CLIP_FILE, "clip", ClipError)
    clip = from_dict(document, root)
    missing = [path for path in ([root / clip.movie] if clip.movie else clip.frame_paths()) if not path.is_file()]
    if missing:
        raise ClipError(f"{root}: missing {missing[0].relative_to(root)} ({len(missing)} file(s) missing)")
    return clip


def from_dict(document: Any, folder: Path) -> Clip:
    """Check a parsed ``clip.json`` against the schema and the rules it cannot say; errors name the folder."""
    source = folder / CLIP_FILE
    if not isinstance(document, dict):
        raise ClipError(f"{source}: a clip is a JSON object")
    if document.get("version") not in (None, VERSION):
        raise ClipError(f"{source}: clip version {document.get('version')!r} is not supported; "
                        f"this Toonbeat reads version {VERSION}")
    errors = schema_check.validate(document, schema())
    if errors:
        raise ClipError(f"{source}: {errors[0]}")
    if (document["frames"] is None) == (document["movie"] is None):
        raise ClipError(f"{source}: give exactly one of 'frames' and 'movie'")
    for key in ("frames", "movie"):
        if document[key] is not None and ".." in Path(document[key]).parts:
            raise ClipError(f"{source}: '{key}' must stay inside the clip folder")
    size = document["size"]
    if len(size) != 2:
        raise ClipError(f"{source}: 'size' is [width, height]")
    cycle = document["beats_per_cycle"]
    if cycle != int(cycle):
        raise ClipError(f"{source}: 'beats_per_cycle' must be a whole number of beats, not {cycle}")
    clip = Clip(folder=folder, kind=document["kind"], name=document["name"], fps=float(document["fps"]),
                frame_count=document["frame_count"], frames=document["frames"], movie=document["movie"],
                loops=document["loops"], beats_per_cycle=int(cycle), hit_frames=tuple(document["hit_frames"]),
                size=(size[0], size[1]), source=document["source"], prompt=document.get("prompt"),
                seed=document.get("seed"), model=document.get("model"))
    _check_hits(clip, source)
    return clip


def _check_hits(clip: Clip, source: Path) -> None:
    hits = clip.hit_frames
    if any(later <= earlier for earlier, later in itertools.pairwise(hits)):
        raise ClipError(f"{source}: 'hit_frames' must grow, found {list(hits)}")
    if hits and hits[-1] >= clip.frame_count:
        raise ClipError(f"{source}: hit frame {hits[-1]} is past the last frame ({clip.frame_count - 1})")
    if clip.hit_beats and clip.hit_beats[-1] >= clip.beats_per_cycle:
        raise ClipError(f"{source}: {len(hits)} hit frames {list(hits)} cannot each land on a beat of their own "
                        f"in a cycle of {clip.beats_per_cycle} beat(s)")


def to_dict(clip: Clip) -> dict[str, Any]:
    """The ``clip.json`` document of ``clip``."""
    return {"format": FORMAT, "version": VERSION, "kind": clip.kind, "name": clip.name, "fps": clip.fps,
            "frame_count": clip.frame_count, "frames": clip.frames, "movie": clip.movie, "loops": clip.loops,
            "beats_per_cycle": clip.beats_per_cycle, "hit_frames": list(clip.hit_frames), "size": list(clip.size),
            "source": clip.source, "prompt": clip.prompt, "seed": clip.seed, "model": clip.model}


def write_clip(clip: Clip) -> Path:
    """Check ``clip`` and write its ``clip.json`` into ``clip.folder`` (the frames are the caller's)."""
    document = to_dict(clip)
    from_dict(document, clip.folder)
    path = clip.folder / CLIP_FILE
    write_json_atomically(document, path)
    return path


def still_clip(image: Path, size: tuple[int, int], kind: str = "character") -> Clip:
    """A still PNG as a one-frame clip of one beat, its only frame the hit."""
    return Clip(folder=image.parent, kind=kind, name=_clip_name(image.stem), fps=24.0, frame_count=1,
                frames=image.name.replace("{", "{{").replace("}", "}}"), movie=None, loops=True,
                beats_per_cycle=1, hit_frames=(0,), size=size, source="import")


def _clip_name(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_-" else "_" for c in stem).lstrip("_-")
    return cleaned or "still"
