"""Poses as a handful of angles, and the skeleton they give for a character's proportions.

Angles are degrees. A limb angle is measured from hanging straight down,
positive swinging toward the right of the picture (90 points right, 180 up,
-90 left); each limb has an upper angle (upper arm, thigh) and a lower one
(forearm, shin), both absolute. ``torso_tilt`` leans the top of the body
toward the right of the picture; ``head_tilt`` turns the head further.
"Left" and "right" always mean the sides of the picture, not the character's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

Limb = tuple[float, float]
Vec = tuple[float, float]
Mouth = Literal["smile", "grin", "shout"]


@dataclass(frozen=True)
class Pose:
    """One pose of the standard character rig."""

    torso_tilt: float
    head_tilt: float
    arm_left: Limb
    arm_right: Limb
    leg_left: Limb
    leg_right: Limb
    foot_left: float = 0.0
    """Boot rotation about the ankle, degrees clockwise (a back foot on its toes)."""
    foot_right: float = 0.0
    toes: float = 0.0
    """Where the boots point: 0 toward the viewer, 1 toward the right (walking), -1 left."""
    look: float = 0.0
    """Turn toward the right (1) or left (-1): face features shift, shoulders and hips narrow."""
    nod: float = 0.0
    """How far the head pitches down toward us: 0 level, 1 chin on chest (features slide down, hair shows)."""
    fists: bool = False
    mouth: Mouth = "smile"
    hair_flow: float = 0.0
    """How far hair and cables fly out: 0 at rest, 1 whipping."""
    stick_swing: float = 0.0
    """Degrees a held prop (a drumstick) trails behind the hand's swing, clockwise."""
    behind: frozenset[str] = frozenset()
    """Limbs drawn behind the torso: any of arm_left, arm_right."""
    front_leg: Literal["left", "right"] = "right"
    """The leg drawn last, over the other one."""


POSES: dict[str, Pose] = {
    "idle": Pose(
        torso_tilt=0, head_tilt=-3,
        arm_left=(-9, -4), arm_right=(9, 4),
        leg_left=(-3, -1), leg_right=(3, 1),
        mouth="smile",
    ),
    "dance": Pose(
        torso_tilt=-11, head_tilt=16,
        arm_left=(-132, -160), arm_right=(78, 155),
        leg_left=(-2, -6), leg_right=(62, -12),
        foot_right=-10, look=-0.4, mouth="grin", hair_flow=0.35,
    ),
    "headbang": Pose(
        torso_tilt=38, head_tilt=-16,
        arm_left=(-128, -166), arm_right=(28, 75),
        leg_left=(-26, 2), leg_right=(22, 4),
        look=0.5, nod=1.0, fists=True, mouth="shout", hair_flow=1.0,
    ),
    "walk": Pose(
        torso_tilt=6, head_tilt=-2,
        arm_left=(-32, -12), arm_right=(34, 70),
        leg_left=(30, 12), leg_right=(-30, -64),
        foot_right=20, toes=1.0, look=0.55, mouth="smile", hair_flow=0.2,
        behind=frozenset({"arm_right"}), front_leg="left",
    ),
}


def variant(pose: Pose, index: int) -> Pose:
    """The ``index``-th version of a pose (1 is the pose itself).

    Even versions mirror the limbs (the other knee lifts, the other arm rises),
    and each later pair exaggerates the movement a little more.
    """
    if index < 1:
        raise ValueError(f"pose variants count from 1, not {index}")
    gain = 1.0 + 0.12 * ((index - 1) // 2)
    scaled = replace(
        pose,
        torso_tilt=pose.torso_tilt * gain, head_tilt=pose.head_tilt * gain,
        arm_left=_scaled(pose.arm_left, gain), arm_right=_scaled(pose.arm_right, gain),
        leg_left=_scaled(pose.leg_left, gain), leg_right=_scaled(pose.leg_right, gain),
    )
    return mirrored(scaled) if index % 2 == 0 else scaled


def mirrored(pose: Pose) -> Pose:
    """The pose reflected left to right (the character's design is not mirrored)."""
    swap = {"arm_left": "arm_right", "arm_right": "arm_left"}
    return replace(
        pose,
        torso_tilt=-pose.torso_tilt, head_tilt=-pose.head_tilt,
        arm_left=_negated(pose.arm_right), arm_right=_negated(pose.arm_left),
        leg_left=_negated(pose.leg_right), leg_right=_negated(pose.leg_left),
        foot_left=-pose.foot_right, foot_right=-pose.foot_left,
        toes=-pose.toes, look=-pose.look,
        behind=frozenset(swap[name] for name in pose.behind),
        front_leg="left" if pose.front_leg == "right" else "right",
    )


@dataclass(frozen=True)
class Proportions:
    """Body measurements as fractions of the standing height (sole to top of head)."""

    head_width: float
    head_height: float
    neck: float
    torso: float
    shoulder_width: float
    hip_width: float
    upper_arm: float
    forearm: float
    arm_radius: float
    hand_radius: float
    thigh: float
    shin: float
    leg_radius: float
    boot_length: float
    boot_height: float


@dataclass(frozen=True)
class Skeleton:
    """Joint positions in height units, y down, the hip centre at (0, 0)."""

    hip: Vec
    neck: Vec
    head: Vec
    torso_angle: float
    head_angle: float
    shoulders: tuple[Vec, Vec]
    elbows: tuple[Vec, Vec]
    wrists: tuple[Vec, Vec]
    hips: tuple[Vec, Vec]
    knees: tuple[Vec, Vec]
    ankles: tuple[Vec, Vec]


def skeleton(body: Proportions, pose: Pose) -> Skeleton:
    """Forward kinematics: where every joint of ``body`` is in ``pose``."""
    up = (math.sin(math.radians(pose.torso_tilt)), -math.cos(math.radians(pose.torso_tilt)))
    across = (-up[1], up[0])
    turned = 1 - 0.3 * abs(pose.look)
    hip = (0.0, 0.0)
    neck = _along(hip, up, body.torso)
    shoulder_base = _along(neck, up, -0.045)
    shoulder_half = body.shoulder_width / 2 * turned
    shoulders = (_along(shoulder_base, across, -shoulder_half), _along(shoulder_base, across, shoulder_half))
    hip_half = body.hip_width / 2 * turned**3
    hips = (_along(hip, across, -hip_half), _along(hip, across, hip_half))
    head_angle = pose.torso_tilt + pose.head_tilt
    head_up = (math.sin(math.radians(head_angle)), -math.cos(math.radians(head_angle)))
    head = _along(neck, head_up, body.neck + body.head_height * (0.5 - 0.15 * pose.nod))
    arms = (pose.arm_left, pose.arm_right)
    legs = (pose.leg_left, pose.leg_right)
    elbows = tuple(_along(s, _down(a[0]), body.upper_arm) for s, a in zip(shoulders, arms, strict=True))
    wrists = tuple(_along(e, _down(a[1]), body.forearm) for e, a in zip(elbows, arms, strict=True))
    knees = tuple(_along(h, _down(leg[0]), body.thigh) for h, leg in zip(hips, legs, strict=True))
    ankles = tuple(_along(k, _down(leg[1]), body.shin) for k, leg in zip(knees, legs, strict=True))
    return Skeleton(hip=hip, neck=neck, head=head, torso_angle=pose.torso_tilt, head_angle=head_angle,
                    shoulders=shoulders, elbows=_pair(elbows), wrists=_pair(wrists), hips=hips,
                    knees=_pair(knees), ankles=_pair(ankles))


def _down(angle: float) -> Vec:
    return (math.sin(math.radians(angle)), math.cos(math.radians(angle)))


def _along(point: Vec, direction: Vec, length: float) -> Vec:
    return (point[0] + direction[0] * length, point[1] + direction[1] * length)


def _pair(points: tuple[Vec, ...]) -> tuple[Vec, Vec]:
    return (points[0], points[1])


def _scaled(limb: Limb, gain: float) -> Limb:
    return (limb[0] * gain, limb[1] * gain)


def _negated(limb: Limb) -> Limb:
    return (-limb[0], -limb[1])
