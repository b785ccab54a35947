"""``toonbeat video``: AI video clips in the clip format, and retiming clips with optical flow.

The clip options come from ``video.params`` (one declaration per parameter);
``generate_clip`` is what the command and the job service both run.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from addon.core.cli_args import add_overwrite_argument
from addon.core.clip import Clip, ClipError, read_clip

from ..command_options import ProgressLine, add_generator_options
from ..errors import ToonbeatError
from ..library.command import keep
from ..parameters import from_arguments
from .params import ClipParams
from .retime import INTERPOLATORS

if TYPE_CHECKING:
    from .backends import VideoBackend, VideoModelSpec


def add_parser(subparsers: Any) -> None:
    """Declare ``toonbeat video clip`` and ``toonbeat video retime``."""
    parser = subparsers.add_parser(
        "video", help="AI video clips (AnimateDiff with a pose ControlNet) and optical-flow retiming",
        description="Generate a clip folder (frames/0000.png ... and clip.json with its hit frames) that the "
                    "Blender side places on the beats, or retime a clip to another frame count.")
    actions = parser.add_subparsers(title="what to do", metavar="ACTION", required=True)
    clip = actions.add_parser("clip", help="generate a clip (needs the gen extra)",
                              description="Generate a clip. With --move and an OpenPose --controlnet the character "
                                          "dances that cycle, its hits on the cycle's beats.")
    add_generator_options(clip, ClipParams, output=None, output_help="clip folder to write (default: out/clips/<name>)",
                          overwrites="a clip file in the output", kept="the clip")
    clip.set_defaults(run=run_clip)

    retime = actions.add_parser("retime", help="give a clip another frame count with in-between frames",
                                description="Write a copy of a frame clip with --frames frames over the same "
                                            "cycle, in-betweens from optical flow; hit frames move with it.")
    retime.add_argument("clip", help="clip folder (with clip.json and frames)")
    retime.add_argument("-o", "--output", required=True, help="clip folder to write")
    retime.add_argument("--frames", type=int, required=True, help="frames in the retimed clip")
    retime.add_argument("--interpolator", choices=INTERPOLATORS, default="auto",
                        help="dis = OpenCV DIS optical flow, ffmpeg = minterpolate (default: %(default)s)")
    add_overwrite_argument(retime, "a clip file in the output")
    retime.set_defaults(run=run_retime)


def run_clip(args: argparse.Namespace) -> int:
    """Load the video model and write the clip."""
    from .backends import load_video_backend

    params = from_arguments(ClipParams, args)
    name = params.clip_name
    line = ProgressLine(lambda progress: f"video: {name} step {progress.step}/{progress.steps}")
    clip = generate_clip(params, Path(args.output or Path("out/clips") / name), load_backend=load_video_backend,
                         reference=Path(params.reference) if params.reference else None, on_step=line.steps,
                         overwrite=args.overwrite)
    print(file=sys.stderr)
    print(f"wrote {clip.folder} ({clip.frame_count} frames, hits at frames {list(clip.hit_frames)})")
    keep(args, "clip", clip.folder)
    return 0


def generate_clip(params: ClipParams, folder: Path, *, load_backend: Callable[[VideoModelSpec], VideoBackend],
                  reference: Path | None = None, on_step: Callable[[int, int], None] | None = None,
                  cancel: threading.Event | None = None, overwrite: bool = False) -> Clip:
    """Make the clip ``params`` describe in ``folder``; ``reference`` is the local reference image;
    ``overwrite`` allows replacing clip files Toonbeat did not make."""
    from ..art.presets import load_character, load_style
    from .backends import VideoRequest
    from .clips import ClipRequest, make_clip
    from .cycles import get_cycle

    cycle = get_cycle(params.move) if params.move else None
    style = load_style(params.style)
    preset = load_character(params.preset)
    move_prompt = style.poses.get(params.move, params.move.replace("_", " ")) if params.move else ""
    prompt = ", ".join(part for part in (params.prompt or preset.prompt, move_prompt, style.style,
                                         style.character_suffix if cycle else "") if part)
    image = None
    if reference is not None:
        from PIL import Image

        try:
            image = Image.open(reference).convert("RGB")
        except OSError as error:
            raise ToonbeatError(f"{reference}: cannot read the reference image ({error})") from error
    video = VideoRequest(prompt=prompt, negative_prompt=style.negative, seed=params.seed, frame_count=params.frames,
                         width=params.width, height=params.height, steps=params.steps, guidance=params.guidance,
                         pose_scale=params.pose_scale, reference_image=image, context_frames=params.context)
    request = ClipRequest(name=params.clip_name, kind=params.clip_kind, video=video, cycle=cycle,
                          design=preset.name, fps=params.fps, beats_per_cycle=params.beats_per_cycle,
                          cutout=(params.remove_background, params.key_tolerance))
    backend = load_backend(params.model_spec())
    return make_clip(backend, request, folder, on_step=on_step, cancel=cancel, overwrite=overwrite)


def run_retime(args: argparse.Namespace) -> int:
    """Read the clip, retime its frames and write the copy."""
    import numpy as np

    from addon.core.clip import FRAMES_PATTERN

    from ..images import open_image
    from .clips import check_replaceable, write_clip_folder
    from .retime import retime

    try:
        source = read_clip(args.clip)
    except ClipError as error:
        raise ToonbeatError(str(error)) from error
    if source.frames is None:
        raise ToonbeatError(f"{source.folder}: a movie clip cannot be retimed here; give a clip of frames")
    target = Path(args.output)
    check_replaceable(target, overwrite=args.overwrite, source=source.folder)
    count = source.frame_count
    frames = [np.asarray(open_image(path)) for path in source.frame_paths()]
    retimed = retime(frames, args.frames, loop=source.loops, interpolator=args.interpolator)
    scale = args.frames / count if source.loops else (args.frames - 1) / max(count - 1, 1)
    hits = tuple(sorted({round(hit * scale) % args.frames for hit in source.hit_frames}))
    write_clip_folder(replace(source, folder=target, frames=FRAMES_PATTERN, frame_count=args.frames,
                              hit_frames=hits), retimed, overwrite=args.overwrite)
    print(f"wrote {args.output} ({count} -> {args.frames} frames)")
    return 0
