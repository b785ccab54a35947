"""Animated loops of the procedural characters: every drawing of every move, drawn on the CPUs in parallel.

Drawing is the slow part (about a quarter of a second a drawing at 576 pixels),
so the drawings of all moves are shared out over worker processes, at most one
per core (two on the demo's and CI's machines).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

from addon.core.clip import FRAMES_PATTERN, Clip, write_clip

from .characters.figure import Figure
from .characters.moves import MOVES, Move, in_between

LOOP_FPS = 24.0
"""The frame rate the loops are drawn for: a one-beat move of 12 drawings at 120 BPM plays at 24 frames a second."""


def draw_move_frames(figure: Figure, height_px: int, moves: tuple[Move, ...] = tuple(MOVES.values()),
                     workers: int | None = None) -> dict[str, list[Image.Image]]:
    """Every drawing of each of ``moves``, in cycle order, ``height_px`` tall.

    ``workers`` processes draw them (by default one per core, at most four); 1 draws in this process.
    """
    jobs = [(move.name, index / move.frame_count) for move in moves for index in range(move.frame_count)]
    count = workers or min(4, os.cpu_count() or 1)
    by_name = {move.name: move for move in moves}
    arguments = [(figure, by_name[name], phase, height_px) for name, phase in jobs]
    if count <= 1:
        images = [_draw(*job) for job in arguments]
    else:
        with ProcessPoolExecutor(max_workers=count) as pool:
            images = list(pool.map(_draw_job, arguments, chunksize=4))
    frames: dict[str, list[Image.Image]] = {move.name: [] for move in moves}
    for (name, _), image in zip(jobs, images, strict=True):
        frames[name].append(image)
    return frames


def write_move_clip(folder: Path, move: Move, images: list[Image.Image], seed: int) -> Clip:
    """Write one move's drawings as a clip folder: ``frames/0000.png``... and ``clip.json``."""
    clip = Clip(folder=folder, kind="character", name=move.name, fps=LOOP_FPS, frame_count=len(images),
                frames=FRAMES_PATTERN, movie=None, loops=True, beats_per_cycle=move.beats_per_cycle,
                hit_frames=move.hit_frames, size=(images[0].width, images[0].height), source="procedural",
                seed=seed)
    for index, image in enumerate(images):
        path = clip.frame_path(index)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, format="PNG", compress_level=1)
    write_clip(clip)
    return clip


def _draw(figure: Figure, move: Move, phase: float, height_px: int) -> Image.Image:
    return figure.render_drawing(in_between(move, phase), height_px)


def _draw_job(job: tuple[Figure, Move, float, int]) -> Image.Image:
    return _draw(*job)
