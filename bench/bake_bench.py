"""Bake benchmark: a 3-minute, 128 BPM song with every effect on, for two characters, in Blender.

Times the first bake, a re-bake with another preset (which compares every key
with the record of Toonbeat's keys) and the plan alone, on the Blender version of
the Python that runs it:

    .venv/bin/python -m bench.bake_bench
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

SECONDS = 180.0
BPM = 128.0
REPEATS = 5
SECTIONS = ((0.0, "intro"), (30.0, "build"), (45.0, "drop"), (90.0, "breakdown"), (105.0, "build"),
            (120.0, "drop"), (165.0, "outro"))


def main() -> int:
    """Build the scene once, then time plan, bake and re-bake."""
    home = tempfile.mkdtemp(prefix="toonbeat-bench-home-")
    os.environ["BLENDER_USER_RESOURCES"] = home
    import bpy

    import addon
    from addon import assemble, compat
    from addon.core.character_sheet import read_character
    from addon.core.choreography import plan_choreography
    from addon.core.presets import apply_overrides, load_preset
    from addon.stage import sequencer_stage
    from tests.art import background_folder, character_folder
    from tests.songs import click_song

    addon.register()
    work = Path(tempfile.mkdtemp(prefix="toonbeat-bench-"))
    beats = click_song(work / "song.wav", bpm=BPM, seconds=SECONDS, sections=SECTIONS)
    backgrounds = {"drop": next(background_folder(work / "bg").glob("*.png"))}
    every_effect = apply_overrides(load_preset("industrial_headbang"), enable=["strobe", "bounce", "color"])
    other = apply_overrides(load_preset("house_bounce"), enable=["strobe"])
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = 1920, 1080
    characters = [read_character(character_folder(work / name)) for name in ("hero", "sidekick")]
    assemble.build_scene(scene, audio=work / "song.wav", beats=beats, characters=characters,
                         backgrounds=backgrounds, preset=every_effect)
    cast = sequencer_stage.cast(scene)
    rows = [
        ("plan only (pure Python)", _best(lambda: plan_choreography(beats, cast, every_effect, key_spacing=1 / 24))),
        ("bake, every effect", _best(lambda: assemble.bake(scene, beats, every_effect, "sequencer", backgrounds))),
        ("re-bake with another preset", _best(lambda: (
            assemble.bake(scene, beats, other, "sequencer", backgrounds),
            assemble.bake(scene, beats, every_effect, "sequencer", backgrounds)), halve=True)),
    ]
    keys = sum(len(fc.keyframe_points) for fc in compat.fcurves_of(scene))
    print(f"Blender {bpy.app.version_string}: {SECONDS:.0f} s song at {BPM:g} BPM, 2 characters, {keys} keys")
    print("| step | best of 5, s |\n|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} |")
    sys.stdout.flush()
    os._exit(0)


def _best(step: object, halve: bool = False) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        step()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times) / (2 if halve else 1)


if __name__ == "__main__":
    main()
