"""What each way of building the sequencer stage costs to render: CPU milliseconds per 720p frame.

Renders the same frames of a small scene (a background, a character's four poses, optionally a
flash) built in several ways, with the sequencer's caches off, and prints a table. CPU time of the
process, not wall time, so a busy machine disturbs it less.

    PYTHONPATH=. python bench/strip_cost.py [--frames 40] [--runs 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpy
from PIL import Image

from addon import compat
from generators.art.procedural import draw_backgrounds, draw_character

WIDTH, HEIGHT = 1280, 720
POSES = ("idle", "dance", "headbang", "walk")


def build(art: Path, character_in_meta: bool, flash: Callable[[Any, Any], None] | None) -> Any:
    """A fresh scene: background, the four poses (one shown, three muted), and ``flash`` if given."""
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    assert scene is not None
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    editor = scene.sequence_editor_create()
    for switch in ("use_cache_raw", "use_cache_preprocessed", "use_cache_composite", "use_cache_final"):
        if hasattr(editor, switch):
            setattr(editor, switch, False)
    strips = compat.strips(scene)
    background = strips.new_image("background", str(art / "backgrounds" / "drop.png"), 1, 1)
    background.frame_final_duration = 200
    holder = strips.new_meta("character", 2, 1) if character_in_meta else None
    for index, pose in enumerate(POSES):
        into = holder.strips if holder is not None else strips
        strip = into.new_image(pose, str(art / "hero" / f"{pose}.png"), index + (1 if holder else 2), 1)
        strip.frame_final_duration = 200
        strip.blend_type = "ALPHA_OVER"
        strip.transform.scale_x = strip.transform.scale_y = 1.02
        strip.mute = index > 0
    if holder is not None:
        holder.frame_final_duration = 200
    if flash is not None:
        flash(scene, background)
    return scene


def colour_strip(scene: Any, _background: Any) -> None:
    strip = compat.new_effect_strip(scene, "flash", "COLOR", 9, 1, 200)
    strip.color, strip.blend_type, strip.blend_alpha = (1.0, 1.0, 1.0), "ADD", 0.4


def white_image(scene: Any, _background: Any) -> None:
    path = Path(tempfile.gettempdir()) / "toonbeat-white.png"
    Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255)).save(path)
    strip = compat.strips(scene).new_image("flash", str(path), 9, 1)
    strip.frame_final_duration, strip.blend_type, strip.blend_alpha = 200, "ADD", 0.4


def adjustment_multiply(scene: Any, _background: Any) -> None:
    compat.new_effect_strip(scene, "flash", "ADJUSTMENT", 9, 1, 200).color_multiply = 1.5


def own_multiply(_scene: Any, background: Any) -> None:
    background.color_multiply = 1.5


VARIANTS: dict[str, tuple[bool, Callable[[Any, Any], None] | None]] = {
    "character in a meta strip": (True, None),
    "character flattened": (False, None),
    "+ flash colour strip (ADD)": (False, colour_strip),
    "+ white image strip (ADD)": (False, white_image),
    "+ adjustment strip colour multiply": (False, adjustment_multiply),
    "+ background's own colour multiply": (False, own_multiply),
}


def main() -> int:
    """Draw the art, render every variant ``--runs`` times, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="toonbeat-strips-") as folder:
        art = Path(folder)
        draw_character(art / "hero", height_px=round(HEIGHT * 0.8), seed=1)
        draw_backgrounds(art / "backgrounds", labels=("drop",), size=(WIDTH, HEIGHT))
        costs: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for _ in range(args.runs):
            for name, (in_meta, flash) in VARIANTS.items():
                scene = build(art, in_meta, flash)
                started = time.process_time()
                for frame in range(1, args.frames + 1):
                    scene.frame_set(frame)
                    bpy.ops.render.render()
                costs[name].append((time.process_time() - started) / args.frames * 1000)
    print("| stage built as | CPU ms per frame, each run |\n|---|---|")
    for name, runs in costs.items():
        print(f"| {name} | {' / '.join(f'{cost:.1f}' for cost in runs)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
