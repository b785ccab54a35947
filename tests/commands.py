"""Run Toonbeat's command line and Blender the way users do, from the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
