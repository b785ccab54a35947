"""Dance cycles as skeleton sequences: the pose of every frame, and which frames land on beats.

A cycle is a loop of key poses from the rig's pose library at phases 0..1 of
``beats_per_cycle`` beats; the keys marked as hits fall on whole beats. Every frame
between keys is the keys' OpenPose keypoints eased into each other (slow out of one
key, slow into the next). Driving a video model's ControlNet with these skeletons
puts the hits where the cycle says, so a clip's ``hit_frames`` are known by
construction and never need to be detected.

Examples
--------
>>> cycle = CYCLES["dance"]
>>> cycle.hit_frames(16)
(0, 8)
>>> len(cycle_skeletons(cycle, 16, 64, 96))
16
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from ..art.characters.poses import POSES, Pose, mirrored, variant
from ..art.skeletons import Point, body_for, draw_keypoints, keypoints
from ..errors import ToonbeatError


@dataclass(frozen=True)
class CycleKey:
    """A key pose at ``phase`` (0 to 1) of the cycle; a ``hit`` lands on a beat."""

    phase: float
    pose: Pose
    hit: bool = False


@dataclass(frozen=True)
class Cycle:
    """A looping move over ``beats_per_cycle`` beats, its keys in phase order starting at phase 0."""

    name: str
    beats_per_cycle: int
    keys: tuple[CycleKey, ...]

    def hit_frames(self, frame_count: int) -> tuple[int, ...]:
        """The frames (0-based, of ``frame_count`` over one cycle) that land on beats."""
        return tuple(round(key.phase * frame_count) for key in self.keys if key.hit)


CYCLES: dict[str, Cycle] = {
    "dance": Cycle("dance", 2, (CycleKey(0.0, POSES["dance"], hit=True), CycleKey(0.25, POSES["idle"]),
                                CycleKey(0.5, mirrored(POSES["dance"]), hit=True), CycleKey(0.75, POSES["idle"]))),
    "headbang": Cycle("headbang", 1, (CycleKey(0.0, POSES["headbang"], hit=True),
                                      CycleKey(0.5, variant(POSES["idle"], 1)))),
    "walk": Cycle("walk", 2, (CycleKey(0.0, POSES["walk"], hit=True), CycleKey(0.5, mirrored(POSES["walk"]),
                                                                                 hit=True))),
    "idle": Cycle("idle", 2, (CycleKey(0.0, POSES["idle"], hit=True), CycleKey(0.5, variant(POSES["idle"], 2)))),
}
"""The moves a video clip can dance, by name."""


def cycle_keypoints(cycle: Cycle, frame_count: int, width: int, height: int,
                    design: str | None = None) -> list[list[Point | None]]:
    """OpenPose keypoints (pixels) of each of ``frame_count`` frames over one cycle.

    A keypoint missing in either neighbouring key (an ear turned away) is missing in between.
    """
    if frame_count < 1:
        raise ToonbeatError(f"a cycle needs at least one frame, not {frame_count}")
    body = body_for(design)
    keys = [keypoints(key.pose, body, width, height) for key in cycle.keys]
    phases = [key.phase for key in cycle.keys] + [1.0]
    frames = []
    for frame in range(frame_count):
        phase = frame / frame_count
        index = max(i for i, start in enumerate(phases[:-1]) if start <= phase)
        t = (phase - phases[index]) / (phases[index + 1] - phases[index])
        eased = t * t * (3 - 2 * t)
        before, after = keys[index], keys[(index + 1) % len(keys)]
        frames.append([_between(a, b, eased) for a, b in zip(before, after, strict=True)])
    return frames


def cycle_skeletons(cycle: Cycle, frame_count: int, width: int, height: int,
                    design: str | None = None) -> list[Image.Image]:
    """The OpenPose drawing of each frame of the cycle: the ControlNet's conditioning frames."""
    return [draw_keypoints(points, width, height) for points in cycle_keypoints(cycle, frame_count, width, height,
                                                                                design)]


def get_cycle(name: str) -> Cycle:
    """The cycle called ``name``; an unknown name is a :class:`ToonbeatError` listing the known ones."""
    if name not in CYCLES:
        raise ToonbeatError(f"unknown move {name!r}; known: {', '.join(CYCLES)}")
    return CYCLES[name]


def _between(a: Point | None, b: Point | None, t: float) -> Point | None:
    if a is None or b is None:
        return None
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
