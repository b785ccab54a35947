"""Moves: the rig's key poses over one cycle, and the in-between drawing at any phase of it.

A :class:`Move` is a loop of key poses at cycle phases (0 to 1), some of them
**hits** that land on the beats. In between, every angle is eased (slow out of
one key, slow into the next), so joints swing on arcs; the body squashes on
hits and stretches on the way up; hair, cables and drumsticks follow the head
and hands a little late (overlapping action), whipping out when the head moves
fast.

Examples
--------
>>> move = MOVES["headbang"]
>>> move.hit_frames
(0,)
>>> drawing = in_between(move, 0.0)
>>> drawing.pose.nod, drawing.squash > 0
(1.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from .poses import POSES, Pose, mirrored


@dataclass(frozen=True)
class Key:
    """A key pose at ``phase`` of the cycle; ``squash`` > 0 squashes (a stomp), < 0 stretches;
    ``lift`` raises the whole figure (a jump), both as fractions of its height."""

    phase: float
    pose: Pose
    squash: float = 0.0
    lift: float = 0.0
    hit: bool = False


@dataclass(frozen=True)
class Move:
    """One looping move: ``frame_count`` drawings over ``beats_per_cycle`` beats, its hits on whole beats."""

    name: str
    beats_per_cycle: int
    frame_count: int
    keys: tuple[Key, ...]
    follow_lag: float = 0.1
    """How far behind (in cycle phase) hair, cables and sticks follow the body."""

    @property
    def hit_frames(self) -> tuple[int, ...]:
        """The drawings that land on beats."""
        return tuple(round(key.phase * self.frame_count) for key in self.keys if key.hit)


@dataclass(frozen=True)
class Drawing:
    """What one drawing of a move shows: the pose, and the squash and lift to apply to the whole figure."""

    pose: Pose
    squash: float
    lift: float


def in_between(move: Move, phase: float) -> Drawing:
    """The drawing of ``move`` at ``phase`` (0 to 1, wrapping): keys eased into each other, hair following late."""
    pose, squash, lift = _eased(move, phase % 1.0)
    lagging, _, _ = _eased(move, (phase - move.follow_lag) % 1.0)
    speed = _head_speed(move, phase)
    flow = min(1.0, max(pose.hair_flow, 0.5 * lagging.hair_flow + 0.5 * min(1.0, speed / 220.0)))
    swing = lagging.arm_right[1] - pose.arm_right[1]
    return Drawing(replace(pose, hair_flow=flow, stick_swing=max(-35.0, min(35.0, swing))), squash, lift)


def _eased(move: Move, phase: float) -> tuple[Pose, float, float]:
    keys = move.keys
    after = next((i for i, key in enumerate(keys) if key.phase > phase), len(keys))
    before = keys[after - 1] if after > 0 else keys[-1]
    following = keys[after % len(keys)]
    start = before.phase if after > 0 else before.phase - 1.0
    end = following.phase + (1.0 if after == len(keys) else 0.0)
    t = 0.0 if end <= start else (phase - start) / (end - start)
    eased = t * t * (3 - 2 * t)
    return (_blend(before.pose, following.pose, eased), _mix(before.squash, following.squash, eased),
            _mix(before.lift, following.lift, eased))


def _head_speed(move: Move, phase: float) -> float:
    """How fast the head turns at ``phase``, degrees per cycle-tenth: what makes hair whip."""
    step = 0.05
    here, _, _ = _eased(move, phase % 1.0)
    earlier, _, _ = _eased(move, (phase - step) % 1.0)
    turn = (here.torso_tilt + here.head_tilt) - (earlier.torso_tilt + earlier.head_tilt)
    return abs(turn) / step * 0.1 + abs(here.nod - earlier.nod) * 200.0


_NUMBERS = tuple(f.name for f in fields(Pose) if f.type in ("float", float))
_PAIRS = ("arm_left", "arm_right", "leg_left", "leg_right")


def _blend(a: Pose, b: Pose, t: float) -> Pose:
    """``a`` eased toward ``b``: every angle and amount in between; fists, mouth and layering switch halfway."""
    nearer = a if t < 0.5 else b
    changes: dict[str, object] = {name: _mix(getattr(a, name), getattr(b, name), t) for name in _NUMBERS}
    for name in _PAIRS:
        first, second = getattr(a, name), getattr(b, name)
        changes[name] = (_mix(first[0], second[0], t), _mix(first[1], second[1], t))
    return replace(nearer, **changes)  # type: ignore[arg-type]


def _mix(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


def _pose(base: str, **changes: object) -> Pose:
    return replace(POSES[base], **changes)  # type: ignore[arg-type]


def _moves() -> dict[str, Move]:
    idle = POSES["idle"]
    sway = _pose("idle", torso_tilt=4, head_tilt=-6, arm_left=(-12, -8), arm_right=(6, 10))
    dance_up = POSES["dance"]
    dance_down = _pose("dance", torso_tilt=-4, head_tilt=8, leg_left=(-14, 10), leg_right=(14, -10),
                       arm_left=(-110, -150), arm_right=(60, 120), foot_right=0.0)
    bang_down = POSES["headbang"]
    bang_up = _pose("headbang", torso_tilt=6, head_tilt=-18, nod=0.0, arm_left=(-150, -175), arm_right=(40, 95),
                    hair_flow=0.3)
    contact = POSES["walk"]
    passing = _pose("walk", leg_left=(4, -20), leg_right=(-4, -48), arm_left=(-8, -2), arm_right=(8, 30),
                    foot_right=8.0)
    crouch = _pose("idle", torso_tilt=10, head_tilt=-8, arm_left=(-40, -10), arm_right=(40, 10),
                   leg_left=(-40, 20), leg_right=(40, -20), fists=True, mouth="grin")
    stretch = _pose("idle", torso_tilt=0, head_tilt=-10, arm_left=(-160, -175), arm_right=(160, 175),
                    leg_left=(-6, 0), leg_right=(6, 0), mouth="shout", hair_flow=0.7)
    tuck = _pose("idle", torso_tilt=-6, head_tilt=6, arm_left=(-120, -160), arm_right=(120, 160),
                 leg_left=(-50, 30), leg_right=(50, -30), mouth="grin", hair_flow=0.9)
    pump_up = _pose("idle", torso_tilt=-8, head_tilt=12, arm_left=(-20, -60), arm_right=(165, 178),
                    leg_left=(-10, -4), leg_right=(10, 4), fists=True, mouth="shout", hair_flow=0.5)
    pump_down = _pose("idle", torso_tilt=4, head_tilt=-4, arm_left=(-25, -70), arm_right=(70, 140),
                      leg_left=(-12, 0), leg_right=(12, 0), fists=True, mouth="grin")
    return {
        "idle": Move("idle", 4, 24, (Key(0.0, idle, 0.02, hit=True), Key(0.25, sway), Key(0.5, idle, 0.02, hit=True),
                                     Key(0.75, mirrored(sway)))),
        "dance": Move("dance", 2, 16, (Key(0.0, dance_down, 0.09, hit=True), Key(0.25, dance_up, -0.05, 0.02),
                                       Key(0.5, mirrored(dance_down), 0.09, hit=True),
                                       Key(0.75, mirrored(dance_up), -0.05, 0.02))),
        "headbang": Move("headbang", 1, 12, (Key(0.0, bang_down, 0.1, hit=True), Key(0.55, bang_up, -0.04)),
                         follow_lag=0.15),
        "walk": Move("walk", 2, 16, (Key(0.0, contact, 0.04, hit=True), Key(0.25, passing, -0.03, 0.02),
                                     Key(0.5, mirrored(contact), 0.04, hit=True),
                                     Key(0.75, mirrored(passing), -0.03, 0.02))),
        "jump": Move("jump", 2, 16, (Key(0.0, crouch, 0.16, hit=True), Key(0.25, crouch, 0.06),
                                     Key(0.5, stretch, -0.1, 0.04, hit=True), Key(0.7, tuck, 0.0, 0.12),
                                     Key(0.88, stretch, -0.06, 0.04))),
        "fist_pump": Move("fist_pump", 1, 12, (Key(0.0, pump_up, -0.05, 0.01, hit=True), Key(0.5, pump_down, 0.06))),
    }


MOVES: dict[str, Move] = _moves()
"""The embedded default's moves by name: every one loops, its hit frames on whole beats of its cycle."""
