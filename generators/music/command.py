"""``toonbeat music``: a full-length MusicGen track as a loudness-normalised WAV with a side file.

The options come from ``music.params.MusicParams``, the one declaration of each parameter.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from addon.core.overwrite import check_output

from ..command_options import ProgressLine, add_generator_options
from ..library.command import keep
from ..parameters import from_arguments
from .params import MusicParams, music_request


def add_parser(subparsers: Any) -> None:
    """Declare ``toonbeat music``."""
    parser = subparsers.add_parser(
        "music", help="generate a track with MusicGen (needs the gen extra)",
        description="Generate a track with MusicGen, window by window for tracks longer than 30 s, "
                    "and write a loudness-normalised WAV plus <name>.music.json with the settings.")
    add_generator_options(parser, MusicParams, output="out/track.wav", output_help="WAV to write",
                          overwrites="a WAV or side file", kept="the track, analyzed (its beat file beside it)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Generate the track; progress goes to stderr."""
    from .musicgen import SIDE_FILE_SUFFIX, MusicProgress, generate_track

    params = from_arguments(MusicParams, args, **({} if args.preset or args.prompt else {"preset": "industrial"}))
    output = Path(args.output)
    inputs = [Path(path) for path in (params.melody, params.preset) if path and Path(path).suffix]
    for path in (output, output.with_suffix(SIDE_FILE_SUFFIX)):
        check_output(path, inputs=inputs, overwrite=args.overwrite, what="track")
    request = music_request(params, melody=params.melody)

    def describe(progress: MusicProgress) -> str:
        left = "" if progress.seconds_left is None else f", about {progress.seconds_left:.0f} s left"
        return (f"music: {progress.seconds_done:6.1f} / {progress.seconds_total:.1f} s of audio "
                f"(window {min(progress.window + 1, progress.windows)}/{progress.windows}){left}")

    result = generate_track(request, args.output, spec=params.model_spec(), progress=ProgressLine(describe))
    print(file=sys.stderr)
    print(f"wrote {result.wav} ({result.seconds:.1f} s, {result.loudness.output_lufs:.1f} LUFS, "
          f"{result.loudness.output_true_peak_db:.1f} dBTP) and {result.side_file}")
    if args.library is not None:
        _keep_analyzed(args, Path(result.wav))
    return 0


def _keep_analyzed(args: argparse.Namespace, wav: Path) -> None:
    """Analyze the new track (a song in the library comes with its beats) and add both to the library."""
    from addon.core import beatfile

    from ..analysis.analyze import analyze_file

    beats_path = wav.with_suffix(".beats.json")
    check_output(beats_path, inputs=[wav], overwrite=args.overwrite, what="beat file")
    beatfile.save(analyze_file(wav), beats_path)
    keep(args, "song", wav, beats=beats_path)
