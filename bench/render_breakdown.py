"""Where the sequencer stage's render time goes: the render bench's loop composition, taken apart.

Each variant runs in a fresh process (Blender as a module) that imports bpy, builds the
scene, changes one thing and renders; the CPU seconds of each phase are printed. The
differences between variants attribute the time: the flash, the camera, the audio, and
compositing alone (every frame rendered, nothing encoded) against the whole MP4. Variants
run in turn, ``--runs`` rounds, so a busy machine disturbs them alike.

    PYTHONPATH=. python -m bench.render_breakdown [--height 720] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import render_bench

VARIANTS = ("as built", "no flash", "no camera", "no audio", "compositing only")


def main() -> int:
    """Make the composition, run every variant ``--runs`` times, print a table of CPU seconds."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--height", type=int, default=720, help="frame height (16:9)")
    parser.add_argument("--runs", type=int, default=1, help="rounds of all variants")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_variant(json.loads(args.child))))
        return 0
    results: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="toonbeat-breakdown-") as folder:
        work = Path(folder)
        track, _ = render_bench.make_track(work)
        art = render_bench.make_art(work / "art", args.height * 16 // 9, args.height)
        preset = work / "loop_preset.json"
        preset.write_text(json.dumps(render_bench.LOOP_PRESET))
        for _ in range(args.runs):
            for name in VARIANTS:
                settings = {"variant": name, "track": str(track), "beats": str(work / "track.beats.json"),
                            "character": str(art["looping"]), "backgrounds": str(art["background"]),
                            "preset": str(preset), "height": args.height, "out": str(work / "out.mp4")}
                print(f"{name} ...", file=sys.stderr, flush=True)
                results[name].append(child(settings))
    print(format_table(results))
    return 0


def child(settings: dict[str, Any]) -> dict[str, float]:
    """One variant in a fresh Python: its phases' CPU seconds."""
    command = [sys.executable, "-m", "bench.render_breakdown", "--child", json.dumps(settings)]
    done = subprocess.run(command, capture_output=True, text=True, env=render_bench.child_env(), check=False)
    if done.returncode != 0:
        raise SystemExit(f"{settings['variant']} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_variant(settings: dict[str, Any]) -> dict[str, float]:
    """Import bpy, build the loop composition, apply the variant, render; CPU seconds of each phase."""
    started = time.process_time()
    import bpy

    imported = time.process_time()
    from addon import assemble, register
    from addon.core import beatfile
    from addon.core.backgrounds import read_backgrounds
    from addon.core.character_sheet import read_character
    from addon.core.presets import load_preset
    from addon.core.video import QUALITY_PRESETS
    from addon.render import headless
    from addon.render.output import configure_video

    register()
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = assemble.current_scene()
    height = settings["height"]
    configure_video(scene, Path(settings["out"]), QUALITY_PRESETS["master"], size=(height * 16 // 9, height),
                    rate=24.0)
    assemble.build_scene(scene, audio=Path(settings["track"]), beats=beatfile.load(Path(settings["beats"])),
                         characters=[read_character(Path(settings["character"]))],
                         backgrounds=read_backgrounds(Path(settings["backgrounds"])),
                         preset=load_preset(settings["preset"]))
    built = time.process_time()
    variant = settings["variant"]
    if variant == "compositing only":
        for frame in range(scene.frame_start, scene.frame_end + 1):
            scene.frame_set(frame)
            bpy.ops.render.render()
    else:
        _CHANGES.get(variant, lambda _scene: None)(scene)
        with open(os.devnull, "w") as quiet:
            stdout, sys.stdout = sys.stdout, quiet
            try:
                headless.render_animation(scene, jobs=1)
            finally:
                sys.stdout = stdout
    rendered = time.process_time()
    return {"import bpy": imported - started, "build": built - imported, "render": rendered - built,
            "total": rendered - started}


def _switch_off(role: str) -> Callable[[Any], None]:
    """A variant without Toonbeat's ``role`` strip: its keys removed and the strip muted."""
    def change(scene: Any) -> None:
        from addon import compat
        from addon.stage.roles import with_role

        strip = next(with_role(compat.strips(scene), role))
        prefix = strip.path_from_id()
        for curve in [c for c in compat.fcurves_of(scene) if c.data_path.startswith(prefix + ".")]:
            compat.remove_fcurve(scene, curve)
        strip.mute = True
    return change


def _no_audio(scene: Any) -> None:
    scene.render.ffmpeg.audio_codec = "NONE"


_CHANGES: dict[str, Callable[[Any], None]] = {"no flash": _switch_off("flash"), "no camera": _switch_off("camera"),
                                              "no audio": _no_audio}


def format_table(results: dict[str, list[dict[str, float]]]) -> str:
    """A markdown table: each variant's phases (the fastest run) and its total against ``as built``."""
    best = {name: min(runs, key=lambda run: run["total"]) for name, runs in results.items() if runs}
    base = best["as built"]["total"]
    lines = ["| variant | import bpy | build | render | total | total - as built |", "|---|---:|---:|---:|---:|---:|"]
    for name, run in best.items():
        lines.append(f"| {name} | {run['import bpy']:.1f} | {run['build']:.1f} | {run['render']:.1f} | "
                     f"{run['total']:.1f} | {run['total'] - base:+.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
