"""``toonbeat music``: a full-length MusicGen track as a loudness-normalised WAV with a side file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from addon.core.cli_args import add_overwrite_argument
from addon.core.overwrite import check_output

from .backends import BACKENDS, MODEL_SIZES


def add_parser(subparsers: Any) -> None:
    """Declare ``toonbeat music``."""
    parser = subparsers.add_parser(
        "music", help="generate a track with MusicGen (needs the gen extra)",
        description="Generate a track with MusicGen, window by window for tracks longer than 30 s, "
                    "and write a loudness-normalised WAV plus <name>.music.json with the settings.")
    parser.add_argument("-o", "--output", default="out/track.wav", help="WAV to write (default: %(default)s)")
    parser.add_argument("--preset", help="prompt preset: industrial, house, techno, edm, or a preset JSON file "
                                         "(default: industrial when no --prompt is given)")
    parser.add_argument("--prompt", help="text prompt (added after the preset's, if any)")
    parser.add_argument("--bpm", type=float, help="tempo written into the prompt (default: the preset's)")
    parser.add_argument("--seconds", type=float, default=180.0, help="track length (default: %(default)s)")
    parser.add_argument("--model", default="small",
                        help=f"{', '.join(MODEL_SIZES)}, a hub id or a checkpoint folder (default: %(default)s)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto",
                        help="MusicGen implementation; auto prefers audiocraft when installed (default: %(default)s)")
    parser.add_argument("--device", default="auto", help="torch device, e.g. cuda or cpu (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (default: %(default)s)")
    parser.add_argument("--top-k", type=int, default=250, help="top-k sampling (default: %(default)s)")
    parser.add_argument("--top-p", type=float, default=0.0, help="top-p sampling, 0 for off (default: %(default)s)")
    parser.add_argument("--cfg", type=float, default=3.0, help="classifier-free guidance (default: %(default)s)")
    parser.add_argument("--melody", help="audio file whose melody conditions the melody model")
    parser.add_argument("--window", type=float, default=30.0, help="seconds per model call (default: %(default)s)")
    parser.add_argument("--context", type=float, default=10.0,
                        help="seconds of the track each new window continues from (default: %(default)s)")
    parser.add_argument("--crossfade", type=float, default=2.0, help="seconds of each join (default: %(default)s)")
    parser.add_argument("--sample-rate", type=int, choices=(44_100, 48_000), default=48_000,
                        help="output sample rate in Hz (default: %(default)s)")
    parser.add_argument("--lufs", type=float, default=-14.0, help="integrated loudness target (default: %(default)s)")
    parser.add_argument("--true-peak", type=float, default=-1.0,
                        help="true-peak ceiling in dBTP (default: %(default)s)")
    add_overwrite_argument(parser, "a WAV or side file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Generate the track; progress goes to stderr."""
    from .backends import MusicModelSpec, Sampling
    from .musicgen import SIDE_FILE_SUFFIX, MusicProgress, MusicRequest, generate_track
    from .presets import build_prompt, load_preset

    output = Path(args.output)
    inputs = [Path(path) for path in (args.melody, args.preset) if path and Path(path).suffix]
    for path in (output, output.with_suffix(SIDE_FILE_SUFFIX)):
        check_output(path, inputs=inputs, overwrite=args.overwrite, what="track")
    preset_name = args.preset or (None if args.prompt else "industrial")
    preset = load_preset(preset_name) if preset_name else None
    request = MusicRequest(
        prompt=build_prompt(args.prompt, preset, args.bpm), seconds=args.seconds, seed=args.seed,
        sampling=Sampling(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, cfg_coef=args.cfg),
        window_seconds=args.window, context_seconds=args.context, crossfade_seconds=args.crossfade,
        sample_rate=args.sample_rate, target_lufs=args.lufs, true_peak_db=args.true_peak, melody=args.melody,
        extra={"preset": preset.name if preset else None, "bpm": args.bpm or (preset.bpm if preset else None)})

    last_shown = [0.0]

    def show(progress: MusicProgress) -> None:
        if time.monotonic() - last_shown[0] < 0.5 and progress.fraction < 1.0:
            return
        last_shown[0] = time.monotonic()
        left = "" if progress.seconds_left is None else f", about {progress.seconds_left:.0f} s left"
        print(f"\rmusic: {progress.seconds_done:6.1f} / {progress.seconds_total:.1f} s of audio "
              f"(window {min(progress.window + 1, progress.windows)}/{progress.windows}){left}   ",
              end="", file=sys.stderr, flush=True)

    spec = MusicModelSpec(model=args.model, backend=args.backend, device=args.device)
    result = generate_track(request, args.output, spec=spec, progress=show)
    print(file=sys.stderr)
    print(f"wrote {result.wav} ({result.seconds:.1f} s, {result.loudness.output_lufs:.1f} LUFS, "
          f"{result.loudness.output_true_peak_db:.1f} dBTP) and {result.side_file}")
    return 0
