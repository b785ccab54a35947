"""Drive the add-on's job board the way Blender's timer does, between other work."""

from __future__ import annotations

import time
from typing import Any

import bpy


def follow(board: Any, timeout: float = 300.0) -> list[float]:
    """Call ``board.tick()`` until no job is active, advancing frames in between; returns each tick's duration."""
    durations = []
    deadline = time.monotonic() + timeout
    scene = bpy.context.scene
    while any(job.active for job in board.jobs):
        assert time.monotonic() < deadline, [(job.label, job.status, job.message) for job in board.jobs]
        started = time.perf_counter()
        board.tick()
        durations.append(time.perf_counter() - started)
        scene.frame_set(scene.frame_current % 50 + 1)
        time.sleep(0.02)
    return durations


def use_service(toonbeat: Any, url: str) -> None:
    """Point the installed extension's preferences at the service at ``url``."""
    bpy.context.preferences.addons[toonbeat.__name__].preferences.service_url = url
