"""Arguments of ``toonbeat render`` and ``toonbeat bake``, shared by both command lines.

The same parser serves ``blender -b --command toonbeat ...`` (inside Blender) and
the generators' ``toonbeat`` command (which hands the work to Blender), so both
accept exactly the same arguments.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from .overwrite import OVERWRITE_FLAG
from .presets import EFFECTS, builtin_preset_names
from .video import QUALITY_PRESETS, parse_resolution

STAGES = ("sequencer", "3d")
CHARACTER_KINDS = {"planes": "PLANES", "grease-pencil": "GREASE_PENCIL"}
"""``--characters-as`` choices and the Stage panel's matching setting."""
ENGINES = {"auto": "AUTO", "eevee": "EEVEE", "workbench": "WORKBENCH"}
"""``--engine`` choices and the Stage panel's matching setting."""
MAX_REQUESTED_JOBS = 64
"""Most Blender processes ``--jobs`` may start."""


def add_render_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``render``: build a scene from a song, its beats and art, and render it."""
    parser.add_argument("--audio", type=Path, required=True, metavar="SONG",
                        help="the song (WAV, FLAC, OGG, MP3, M4A...)")
    parser.add_argument("--beats", type=Path, required=True, metavar="BEATS.json",
                        help="its beat file, from 'toonbeat analyze'")
    parser.add_argument("--characters", type=Path, nargs="+", default=[], metavar="DIR",
                        help="character folders (pose PNGs), main character first")
    parser.add_argument("--backgrounds", type=Path, metavar="DIR",
                        help="folder of backgrounds named by section (intro.png, drop.png, ...) or one PNG")
    parser.add_argument("--out", type=Path, required=True, metavar="VIDEO.mp4", help="the video to write")
    parser.add_argument("--stage", choices=STAGES, default="sequencer",
                        help="sequencer: strips composited without a GPU (default); "
                        "3d: a 3D scene of planes or Grease Pencil, rendered by EEVEE or Workbench")
    parser.add_argument("--characters-as", choices=tuple(CHARACTER_KINDS), default="planes",
                        help="3d stage: characters as image planes (default) or traced Grease Pencil drawings")
    parser.add_argument("--engine", choices=tuple(ENGINES), default="auto",
                        help="3d stage: eevee, workbench (fast previews) or auto (EEVEE with a GPU, else Workbench)")
    parser.add_argument("--no-key", dest="key_background", action="store_false",
                        help="do not key out the flat background of pose images without transparency")
    parser.add_argument("--quality", choices=sorted(QUALITY_PRESETS), default="preview",
                        help="preview: 1280x720, fast encoding (CRF 23); final: 1920x1080, x264 medium, CRF 20; "
                        "master: 1920x1080, CRF 17")
    parser.add_argument("--resolution", type=_resolution, metavar="WxH", help="frame size, overrides --quality's")
    parser.add_argument("--fps", type=positive_float, default=24.0, metavar="N",
                        help="frame rate, e.g. 24, 25, 30, 23.976 or 29.97 (default 24)")
    parser.add_argument("--blend", type=Path, metavar="SCENE.blend",
                        help="also save the scene, ready for 'blender -b SCENE.blend -a'")
    parser.add_argument("--jobs", type=bounded_int(0, MAX_REQUESTED_JOBS), default=0, metavar="N",
                        help=f"Blender processes rendering pieces in parallel, up to {MAX_REQUESTED_JOBS} "
                        "(default 0: as many as pay off)")
    parser.add_argument("--no-audio-check", dest="check_audio", action="store_false",
                        help="render even if the audio's hash does not match the beat file")
    add_overwrite_argument(parser, "the video or the .blend")
    add_choreography_arguments(parser)


def add_bake_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``bake``: re-bake a saved scene in place, keeping hand edits."""
    parser.add_argument("blend", type=Path, metavar="SCENE.blend", help="the scene to re-bake (saved in place)")
    parser.add_argument("--beats", type=Path, metavar="BEATS.json", help="a new beat file (default: the scene's)")
    add_overwrite_argument(parser, "a .blend whose scene Toonbeat did not make (baking into it)")
    add_choreography_arguments(parser)


def add_overwrite_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--overwrite``: allow writing over files Toonbeat did not make (never over the command's inputs)."""
    parser.add_argument(OVERWRITE_FLAG, action="store_true",
                        help=f"replace {what} even if Toonbeat did not make it (inputs are never replaced)")


def add_choreography_arguments(parser: argparse.ArgumentParser) -> None:
    """Preset and per-effect overrides."""
    parser.add_argument("--preset", default="house_bounce", metavar="NAME|FILE",
                        help=f"choreography preset: {', '.join(builtin_preset_names())} or a .json file")
    parser.add_argument("--enable", action="append", default=[], choices=EFFECTS, metavar="EFFECT",
                        help=f"switch an effect on ({', '.join(EFFECTS)})")
    parser.add_argument("--disable", action="append", default=[], choices=EFFECTS, metavar="EFFECT",
                        help="switch an effect off")
    parser.add_argument("--strength", action="append", default=[], type=_effect_strength, metavar="EFFECT=X",
                        help="multiply an effect's intensity, e.g. shake=1.5")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shake directions")


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be from {low} to {high}")
        return value
    return parse


def _resolution(text: str) -> tuple[int, int]:
    try:
        return parse_resolution(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _effect_strength(text: str) -> tuple[str, float]:
    name, separator, value = text.partition("=")
    if not separator or name not in EFFECTS:
        raise argparse.ArgumentTypeError(f"{text!r} is not EFFECT=NUMBER with EFFECT one of {', '.join(EFFECTS)}")
    return name, positive_float(value) if value.strip() not in ("0", "0.0") else 0.0
