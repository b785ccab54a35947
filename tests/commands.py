"""Run Toonbeat's command line and Blender the way users do, from the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media import probe, stream

ROOT = Path(__file__).resolve().parent.parent


def toonbeat(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``toonbeat ARGUMENTS`` (Blender as a module: no binary is installed in the tests)."""
    return subprocess.run([sys.executable, "-m", "generators", *arguments], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=cwd, timeout=900, check=False)


def render_saved_blend(blend: Path) -> subprocess.CompletedProcess:
    """What ``blender -b SCENE.blend -a`` does: open the file and render its animation with its own settings."""
    return subprocess.run([sys.executable, "-c", (
        "import bpy, sys; bpy.ops.wm.open_mainfile(filepath=sys.argv[1]); "
        "bpy.ops.render.render(animation=True)"), str(blend)], capture_output=True, text=True, timeout=900,
        check=False)


def assert_the_saved_blend_renders_it_again(blend: Path, video: Path, frames: int) -> None:
    """Delete ``video``, render ``blend`` as saved, and check the same ``frames`` come back, with the sound."""
    first_render = video.read_bytes()
    video.unlink()
    rerender = render_saved_blend(blend)
    assert rerender.returncode == 0, rerender.stderr
    again = probe(video)
    assert int(stream(again, "video")["nb_frames"]) == frames
    assert stream(again, "audio")["codec_name"] == "aac"
    assert len(video.read_bytes()) == pytest.approx(len(first_render), rel=0.05)
