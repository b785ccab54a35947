"""``toonbeat video``: AI video clips in the clip format, and retiming clips with optical flow."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..art.command import add_model_arguments
from ..errors import ToonbeatError
from ..library.command import add_keep_argument, keep
from .backends import BACKENDS, DEFAULT_MOTION_ADAPTER
from .clips import KINDS
from .cycles import CYCLES
from .retime import INTERPOLATORS


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
    clip.add_argument("-o", "--output", help="clip folder to write (default: out/clips/<name>)")
    clip.add_argument("--backend", choices=BACKENDS, default="animatediff", help="(default: %(default)s)")
    clip.add_argument("--model", help="animatediff: SD 1.5 hub id, folder or single file (default: SD 1.5); "
                                      "wan, cogvideox, svd: a pipeline folder or hub id "
                                      "(default: Wan 2.1 T2V 1.3B, CogVideoX-2B, SVD-XT)")
    clip.add_argument("--motion-adapter", default=DEFAULT_MOTION_ADAPTER,
                      help="AnimateDiff motion adapter hub id or folder (default: %(default)s)")
    add_model_arguments(clip)
    clip.add_argument("--reference", help="image of the character (e.g. its idle.png) for the IP-Adapter; "
                                          "the image svd animates")
    clip.add_argument("--move", choices=tuple(CYCLES), help="dance cycle the character follows (needs --controlnet)")
    clip.add_argument("--kind", choices=KINDS, help="clip kind (default: character with --move, else shot)")
    clip.add_argument("--preset", default="cyborg_dj", help="character preset for the prompt (default: %(default)s)")
    clip.add_argument("--prompt", help="describe the clip instead of using the preset's description")
    clip.add_argument("--name", help="clip name (default: the move, or 'shot')")
    clip.add_argument("--frames", type=int, default=16, help="frames in the clip (default: %(default)s)")
    clip.add_argument("--fps", type=float, default=24.0, help="frames per second (default: %(default)s)")
    add_keep_argument(clip, "the clip")
    clip.add_argument("--width", type=int, default=512, help="pixels, a multiple of 8 (default: %(default)s)")
    clip.add_argument("--height", type=int, default=512, help="pixels, a multiple of 8 (default: %(default)s)")
    clip.add_argument("--steps", type=int, default=25, help="denoising steps (default: %(default)s)")
    clip.add_argument("--guidance", type=float, default=7.0, help="classifier-free guidance (default: %(default)s)")
    clip.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    clip.add_argument("--context", type=int, default=16,
                      help="frames denoised at once; longer clips use overlapping windows (default: %(default)s)")
    clip.add_argument("--pose-scale", type=float, default=1.0,
                      help="how firmly the ControlNet holds the skeletons (default: %(default)s)")
    clip.add_argument("--key-tolerance", type=float, default=0.12,
                      help="colour distance keyed out of character clips (default: %(default)s)")
    clip.add_argument("--remove-background", choices=("key", "rembg"), default="key",
                      help="key the studio backdrop, or segment with rembg where installed (default: %(default)s)")
    clip.add_argument("--style", help="style JSON file (default: the shipped presets/style.json)")
    clip.set_defaults(run=run_clip)

    retime = actions.add_parser("retime", help="give a clip another frame count with in-between frames",
                                description="Write a copy of a frame clip with --frames frames over the same "
                                            "cycle, in-betweens from optical flow; hit frames move with it.")
    retime.add_argument("clip", help="clip folder (with clip.json and frames)")
    retime.add_argument("-o", "--output", required=True, help="clip folder to write")
    retime.add_argument("--frames", type=int, required=True, help="frames in the retimed clip")
    retime.add_argument("--interpolator", choices=INTERPOLATORS, default="auto",
                        help="dis = OpenCV DIS optical flow, ffmpeg = minterpolate (default: %(default)s)")
    retime.set_defaults(run=run_retime)


def run_clip(args: argparse.Namespace) -> int:
    """Load the video model and write the clip."""
    from addon.core.lora_text import split_lora

    from ..art.diffusion import DEFAULT_MODEL
    from ..art.presets import load_character, load_style
    from .backends import VideoModelSpec, VideoRequest, load_video_backend
    from .clips import ClipRequest, make_clip
    from .cycles import get_cycle

    cycle = get_cycle(args.move) if args.move else None
    style = load_style(args.style)
    preset = load_character(args.preset)
    move_prompt = style.poses.get(args.move, args.move.replace("_", " ")) if args.move else ""
    prompt = ", ".join(part for part in (args.prompt or preset.prompt, move_prompt, style.style,
                                         style.character_suffix if cycle else "") if part)
    reference = None
    if args.reference:
        from PIL import Image

        try:
            reference = Image.open(args.reference).convert("RGB")
        except OSError as error:
            raise ToonbeatError(f"{args.reference}: cannot read the reference image ({error})") from error
    spec = VideoModelSpec(backend=args.backend, model=args.model or DEFAULT_MODEL, motion_adapter=args.motion_adapter,
                          controlnet=args.controlnet, ip_adapter=args.ip_adapter,
                          loras=tuple(map(split_lora, args.lora)), config=args.config, device=args.device,
                          memory=args.memory)
    name = args.name or args.move or "shot"
    video = VideoRequest(prompt=prompt, negative_prompt=style.negative, seed=args.seed, frame_count=args.frames,
                         width=args.width, height=args.height, steps=args.steps, guidance=args.guidance,
                         pose_scale=args.pose_scale, reference_image=reference, context_frames=args.context)
    request = ClipRequest(name=name, kind=args.kind or ("character" if cycle else "shot"), video=video, cycle=cycle,
                          design=preset.name, fps=args.fps, key_tolerance=args.key_tolerance,
                          background_removal=args.remove_background)
    backend = load_video_backend(spec)

    def show(step: int, steps: int) -> None:
        print(f"\rvideo: {name} step {step}/{steps}   ", end="", file=sys.stderr, flush=True)

    folder = make_clip(backend, request, args.output or Path("out/clips") / name, on_step=show)
    print(file=sys.stderr)
    hits = json.loads((folder / "clip.json").read_text(encoding="utf-8"))["hit_frames"]
    print(f"wrote {folder} ({args.frames} frames, hits at frames {hits})")
    keep(args, "clip", folder)
    return 0


def run_retime(args: argparse.Namespace) -> int:
    """Read the clip, retime its frames and write the copy."""
    import numpy as np
    from PIL import Image

    from .clips import CLIP_FILE, write_clip_folder
    from .retime import retime

    source = Path(args.clip)
    try:
        document = json.loads((source / CLIP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ToonbeatError(f"{source}: cannot read {CLIP_FILE} ({error})") from error
    if not document.get("frames"):
        raise ToonbeatError(f"{source}: a movie clip cannot be retimed here; give a clip of frames")
    count = int(document["frame_count"])
    frames = [np.asarray(Image.open(source / document["frames"].format(index=index))) for index in range(count)]
    retimed = retime(frames, args.frames, loop=bool(document.get("loops")), interpolator=args.interpolator)
    scale = args.frames / count if document.get("loops") else (args.frames - 1) / max(count - 1, 1)
    document.update(frame_count=args.frames, hit_frames=sorted({round(hit * scale) % args.frames
                                                                for hit in document.get("hit_frames", [])}))
    write_clip_folder(Path(args.output), retimed, document)
    print(f"wrote {args.output} ({count} -> {args.frames} frames)")
    return 0
