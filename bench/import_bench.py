"""Import benchmark: a four-pose, 768 px procedural character drawn on flat paper, imported in Blender.

The paper has to be keyed out, so every import reads each pose through Blender,
keys it and writes the keyed copy; as Grease Pencil it also traces each pose.
Every run starts from an empty scene with no keyed copies and no remembered
pixels, so nothing is reused. Prints the best of ``REPEATS`` runs per stage, on
the Blender version of the Python that runs it:

    .venv/bin/python -m bench.import_bench
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPEATS = 3
HEIGHT_PX = 768
PAPER = (246, 246, 240)
STAGES = (("sequencer strips", "sequencer", "PLANES"), ("3D planes", "3d", "PLANES"),
          ("3D Grease Pencil", "3d", "GREASE_PENCIL"))


def main() -> int:
    """Draw the character once, then time importing it on each stage."""
    home = tempfile.mkdtemp(prefix="toonbeat-bench-home-")
    os.environ["BLENDER_USER_RESOURCES"] = home
    import bpy

    import addon
    from addon.core.character_sheet import read_character
    from addon.preferences import user_data_folder
    from addon.properties import settings_of
    from addon.stage import images, sequencer_stage, stage3d
    from generators.art.procedural import draw_character

    addon.register()
    work = Path(tempfile.mkdtemp(prefix="toonbeat-bench-"))
    folder = _on_paper(draw_character(work / "dj", height_px=HEIGHT_PX).folder, work / "on paper")
    character = read_character(folder)
    modules = {"sequencer": sequencer_stage, "3d": stage3d}

    def import_once(stage: str, characters_as: str) -> None:
        bpy.ops.wm.read_homefile(use_empty=True)
        scene = bpy.context.scene
        scene.render.resolution_x, scene.render.resolution_y = 1920, 1080
        settings_of(scene).characters_as = characters_as
        shutil.rmtree(user_data_folder("keyed"))
        images._read_pixels.cache_clear()
        modules[stage].add_character(scene, character, 250)

    print(f"Blender {bpy.app.version_string}: 4 poses of {HEIGHT_PX} px on flat paper, keyed on import")
    print(f"| import onto | wall, best of {REPEATS}, s | CPU, best of {REPEATS}, s |\n|---|---:|---:|")
    for label, stage, characters_as in STAGES:
        wall, cpu = _best(functools.partial(import_once, stage, characters_as))
        print(f"| {label} | {wall:.2f} | {cpu:.2f} |", flush=True)
    sys.stdout.flush()
    os._exit(0)


def _on_paper(source: Path, target: Path) -> Path:
    """A copy of the character folder with every pose flattened onto ``PAPER`` (no alpha left to use)."""
    from PIL import Image

    shutil.copytree(source, target)
    for path in target.glob("*.png"):
        with Image.open(path) as image:
            flat = Image.new("RGB", image.size, PAPER)
            flat.paste(image, mask=image.convert("RGBA").getchannel("A"))
        flat.save(path)
    return target


def _best(step: Callable[[], None]) -> tuple[float, float]:
    """The shortest wall time and the shortest CPU time (all threads) of ``REPEATS`` runs of ``step``."""
    walls, cpus = [], []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


if __name__ == "__main__":
    main()
