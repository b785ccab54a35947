"""``toonbeat demo``: the whole pipeline on the embedded defaults, no GPU and no model weights.

A drum-machine track, its analysis, procedural cartoon characters (animated
loops of every move) and backgrounds (a loop per section: beams sweeping, strobes
on the beats), a Blender scene and the rendered video:

    out/demo.mp4     the video (H.264 + AAC)
    out/demo.blend   the scene, to open and fine-tune
    out/demo/        the track, its beat file and its plot, the characters and backgrounds
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from addon.core.cli_args import add_overwrite_argument, bounded_int, positive_float
from addon.core.overwrite import check_output
from addon.core.stage_layout import MAIN_HEIGHT
from addon.core.video import parse_resolution

from .art.characters.figure import FIGURE_HEIGHT
from .errors import ToonbeatError

CHARACTERS = (("cyborg_dj", "Cyborg DJ"), ("robot_drummer", "Robot Drummer"))
MIN_BARS = 12
"""Two bars each for intro, build, drop, breakdown, drop and outro."""
MAX_BARS = 1000


def add_parser(subparsers: Any) -> None:
    """Declare ``demo``."""
    parser = subparsers.add_parser(
        "demo", help="make a demo video from a built-in track and built-in cartoon art",
        description="Synthesize a drum-machine track, analyse it, draw cartoon characters and backgrounds, "
        "build the Blender scene and render the video. Needs no GPU and no model weights.",
    )
    parser.add_argument("--out-dir", type=Path, default=Path("out"), help="where to write (default: out)")
    parser.add_argument("--bars", type=bounded_int(MIN_BARS, MAX_BARS), default=40,
                        help=f"length of the track in bars, {MIN_BARS} to {MAX_BARS} (default 40: 75 s)")
    parser.add_argument("--bpm", type=positive_float, default=128.0, help="tempo (default 128)")
    parser.add_argument("--style", choices=("industrial", "house"), default="industrial", help="drum machine style")
    parser.add_argument("--seed", type=int, default=7, help="seed of the music and the art")
    parser.add_argument("--resolution", default="1280x720", metavar="WxH", help="frame size (default 1280x720)")
    parser.add_argument("--fps", type=positive_float, default=24.0, help="frame rate (default 24)")
    parser.add_argument("--preset", default="industrial_headbang", help="choreography preset")
    parser.add_argument("--blender", metavar="PATH", help="the Blender binary to use (default: 'blender' on PATH)")
    add_overwrite_argument(parser, "files in OUT_DIR")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run every stage of the pipeline, printing progress."""
    from addon.core import beatfile

    from .analysis import analyze_file
    from .analysis.plot import plot_beats
    from .art.procedural import draw_backgrounds, draw_character
    from .blender.launcher import run_in_blender
    from .music.drum_machine import synthesize, write_wav

    width, height = _resolution(args.resolution)
    assets = args.out_dir / "demo"
    for path in (assets / "track.wav", assets / "track.beats.json", assets / "track.beats.png",
                 args.out_dir / "demo.mp4"):
        check_output(path, overwrite=args.overwrite)
    started = time.monotonic()

    _step(1, f"Synthesizing a {args.bars}-bar {args.style} track at {args.bpm:g} BPM")
    song = synthesize(bpm=args.bpm, seed=args.seed, style=args.style, total_bars=args.bars)
    track = assets / "track.wav"
    write_wav(track, song.samples, song.sample_rate)

    _step(2, "Analysing its beats, bars, sections and drops")
    beats = analyze_file(track)
    beat_file = assets / "track.beats.json"
    beatfile.save(beats, beat_file)
    plot_beats(beats, assets / "track.beats.png")
    print(f"    {beats.tempo:.1f} BPM, {len(beats.beats)} beats, {len(beats.downbeats)} bars, "
          f"sections: {' '.join(s.label for s in beats.sections)}", flush=True)

    _step(3, "Drawing the characters' animated loops and a background loop per section")
    character_folders = []
    for design, name in CHARACTERS:
        folder = assets / "characters" / design
        draw_character(folder, design=design, name=name, seed=args.seed, height_px=character_height(height),
                       loops=True)
        character_folders.append(folder)
    draw_backgrounds(assets / "backgrounds", size=(width, height), seed=args.seed, loops=True)

    _step(4, "Building the Blender scene and rendering the video")
    video = args.out_dir / "demo.mp4"
    code = run_in_blender([
        "render", "--audio", str(track), "--beats", str(beat_file),
        "--characters", *map(str, character_folders), "--backgrounds", str(assets / "backgrounds"),
        "--out", str(video), "--blend", str(args.out_dir / "demo.blend"), "--resolution", f"{width}x{height}",
        "--fps", f"{args.fps:g}", "--preset", args.preset, "--seed", str(args.seed),
        *(["--overwrite"] if args.overwrite else []),
    ], args.blender)
    if code != 0:
        return code
    print(f"Demo done in {time.monotonic() - started:.0f} s: {video} and {args.out_dir / 'demo.blend'}", flush=True)
    return 0


def character_height(frame_height: int) -> int:
    """Pixels tall to draw characters for a frame ``frame_height`` tall: the main character's size on stage."""
    return max(64, round(frame_height * MAIN_HEIGHT / FIGURE_HEIGHT))


def _resolution(text: str) -> tuple[int, int]:
    try:
        return parse_resolution(text)
    except ValueError as error:
        raise ToonbeatError(str(error)) from None


def _step(number: int, text: str) -> None:
    print(f"[{number}/4] {text}", flush=True)
