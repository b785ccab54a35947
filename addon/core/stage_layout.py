"""Where characters stand on stage, in frame pixels, so both stages place them alike.

The main character stands in the middle on a ground line near the bottom of the
frame; secondary characters stand beside it, alternating right and left, smaller,
never overlapping: if they do not fit, everyone shrinks together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAIN_HEIGHT = 0.62
SECONDARY_HEIGHT = 0.8
GROUND = 0.08
GAP = 0.02
MARGIN = 0.03


@dataclass(frozen=True)
class Figure:
    """A character as the layout sees it: its image size in pixels and sheet values."""

    name: str
    width: int
    height: int
    anchor: tuple[float, float]
    scale: float = 1.0


@dataclass(frozen=True)
class Placement:
    """A character's ground point in frame pixels (from the bottom left) and its image-to-frame scale."""

    name: str
    ground_x: float
    ground_y: float
    scale: float


def place_figures(frame_width: int, frame_height: int, figures: Sequence[Figure]) -> list[Placement]:
    """Place ``figures`` (main character first) side by side on the ground line."""
    if not figures:
        return []
    scales = [
        frame_height * MAIN_HEIGHT * (1.0 if index == 0 else SECONDARY_HEIGHT) * figure.scale / figure.height
        for index, figure in enumerate(figures)
    ]
    order = _stage_order(len(figures))
    gap = GAP * frame_width
    room = frame_width * (1 - 2 * MARGIN)
    needed = sum(figures[i].width * scales[i] for i in order) + gap * (len(figures) - 1)
    if needed > room:
        shrink = (room - gap * (len(figures) - 1)) / (needed - gap * (len(figures) - 1))
        scales = [s * shrink for s in scales]
        needed = room
    left = (frame_width - needed) / 2
    ground_y = GROUND * frame_height
    placements: dict[int, Placement] = {}
    for index in order:
        figure, scale = figures[index], scales[index]
        width = figure.width * scale
        ground_x = left + figure.anchor[0] * width
        placements[index] = Placement(figure.name, ground_x, ground_y, scale)
        left += width + gap
    return [placements[i] for i in range(len(figures))]


def _stage_order(count: int) -> list[int]:
    """Left-to-right order: the main character (0) in the middle, 1 to its right, 2 to its left, ..."""
    left = [i for i in range(1, count) if i % 2 == 0]
    right = [i for i in range(1, count) if i % 2 == 1]
    return [*reversed(left), 0, *right]
