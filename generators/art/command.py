"""``toonbeat art``: character folders and section backgrounds, by Stable Diffusion or procedurally."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from addon.core.cli_args import add_overwrite_argument
from addon.core.overwrite import check_output

from ..errors import ToonbeatError

BACKENDS = ("diffusers", "procedural")


def add_parser(subparsers: Any) -> None:
    """Declare ``toonbeat art character`` and ``toonbeat art backgrounds``."""
    parser = subparsers.add_parser(
        "art", help="draw characters and backgrounds (Stable Diffusion, or the built-in procedural art)",
        description="Draw a character folder (idle.png, dance.png, ... and character.json) or one background "
                    "per song section, with Stable Diffusion 1.5 / SDXL (needs the gen extra) or procedurally.")
    kinds = parser.add_subparsers(title="what to draw", metavar="WHAT", required=True)
    character = kinds.add_parser("character", help="a character in several poses, plus its secondary characters",
                                 description="Draw a character in several poses into OUTPUT/<name>/.")
    _common(character, default_output="out/characters")
    character.add_argument("--preset", default="cyborg_dj",
                           help="character preset name or JSON file (default: %(default)s)")
    character.add_argument("--prompt", help="describe the character instead of using the preset's description")
    character.add_argument("--name", help="folder and sheet name (default: the preset's)")
    character.add_argument("--pose", action="append", dest="poses", metavar="POSE",
                           help="pose to draw (repeat; default: every pose in the style); "
                                "an unknown pose name is used as its own prompt")
    character.add_argument("--secondary", action="append", metavar="PRESET",
                           help="secondary character in the same style (repeat; default: the preset's)")
    character.add_argument("--no-secondary", action="store_true", help="draw only the main character")
    character.add_argument("--strength", type=float, default=0.65,
                           help="how far each pose may move from the first one, 0..1 (default: %(default)s)")
    character.add_argument("--key-tolerance", type=float, default=0.12,
                           help="colour distance keyed out as background, 0..1.7 (default: %(default)s)")
    character.add_argument("--height-px", type=int, default=768,
                           help="character height for --backend procedural (default: %(default)s)")
    character.set_defaults(run=run_character)

    backgrounds = kinds.add_parser("backgrounds", help="one background per song section",
                                   description="Draw OUTPUT/<label>.png for each section label.")
    _common(backgrounds, default_output="out/backgrounds")
    backgrounds.add_argument("--preset", default="industrial_club",
                             help="background preset name or JSON file (default: %(default)s)")
    backgrounds.add_argument("--prompt", help="scene prompt instead of the preset's")
    backgrounds.add_argument("--labels", default="intro,build,drop,breakdown,outro",
                             help="comma-separated section labels (default: %(default)s)")
    backgrounds.add_argument("--size", type=_size, help="final size WIDTHxHEIGHT, e.g. 1920x1080")
    backgrounds.add_argument("--tileable", action="store_true", help="make each background tile seamlessly")
    backgrounds.set_defaults(run=run_backgrounds)


def _common(parser: argparse.ArgumentParser, default_output: str) -> None:
    parser.add_argument("-o", "--output", default=default_output, help="output folder (default: %(default)s)")
    parser.add_argument("--backend", choices=BACKENDS, default="diffusers", help="(default: %(default)s)")
    parser.add_argument("--model", help="hub id, pipeline folder or single-file checkpoint (default: SD 1.5)")
    parser.add_argument("--kind", choices=("auto", "sd15", "sdxl"), default="auto", help="(default: %(default)s)")
    parser.add_argument("--lora", action="append", default=[], metavar="PATH[:WEIGHT]",
                        help="LoRA file, folder or hub id, with an optional weight (repeat)")
    parser.add_argument("--config", help="pipeline folder or hub id with the configs for a single-file checkpoint")
    parser.add_argument("--ip-adapter", help="IP-Adapter hub id or folder (h94/IP-Adapter layout) to hold identity")
    parser.add_argument("--device", default="auto", help="torch device (default: %(default)s)")
    parser.add_argument("--memory", choices=("auto", "full", "10gb", "low"), default="auto",
                        help="GPU memory profile; low = model CPU offload (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    parser.add_argument("--steps", type=int, default=25, help="denoising steps (default: %(default)s)")
    parser.add_argument("--guidance", type=float, default=7.0, help="classifier-free guidance (default: %(default)s)")
    parser.add_argument("--width", type=int, help="generation width in pixels, a multiple of 8")
    parser.add_argument("--height", type=int, help="generation height in pixels, a multiple of 8")
    parser.add_argument("--style", help="style JSON file (default: the shipped presets/style.json)")
    add_overwrite_argument(parser, "a PNG or JSON file in the output")


def run_character(args: argparse.Namespace) -> int:
    """Draw the character and its secondary characters."""
    from .presets import load_character, load_style

    preset = load_character(args.preset)
    name = args.name or preset.name
    secondaries = [] if args.no_secondary else (args.secondary or list(preset.secondary))
    output = Path(args.output)
    for folder in [output / name, *(output / secondary for secondary in secondaries)]:
        _check_may_write(_files_in(folder), args.overwrite)
    if args.backend == "procedural":
        from .procedural import draw_character

        for index, (design, character_name) in enumerate([(preset.name, name)] + [(s, s) for s in secondaries]):
            character = draw_character(output / character_name, design=design, name=character_name,
                                       seed=args.seed + index, height_px=args.height_px)
            print(f"wrote {character.folder} ({', '.join(character.pose_names)})")
        return 0

    from .diffusion_characters import CharacterRequest, make_character, pose_list

    style = load_style(args.style)
    pipes = _load(args)
    cast = [(name, args.prompt or preset.prompt)] + [(load_character(s).name, load_character(s).prompt)
                                                     for s in secondaries]
    for index, (character_name, prompt) in enumerate(cast):
        request = CharacterRequest(name=character_name, prompt=prompt, poses=pose_list(style, args.poses),
                                   style=style, seed=args.seed + 1000 * index, width=args.width, height=args.height,
                                   steps=args.steps, guidance=args.guidance, strength=args.strength,
                                   key_tolerance=args.key_tolerance)
        folder = make_character(pipes, request, output / character_name, progress=_show)
        print(file=sys.stderr)
        print(f"wrote {folder} ({', '.join(pose for pose, _ in request.poses)})")
    return 0


def run_backgrounds(args: argparse.Namespace) -> int:
    """Draw one background per label."""
    labels = tuple(label.strip() for label in args.labels.split(",") if label.strip())
    output = Path(args.output)
    _check_may_write([output / f"{label}.png" for label in labels] + [output / "backgrounds.json"], args.overwrite)
    if args.backend == "procedural":
        from .procedural import draw_backgrounds

        written = draw_backgrounds(output, labels=labels, size=args.size or (1920, 1080), seed=args.seed,
                                   theme=args.preset)
        print(f"wrote {', '.join(str(path) for path in written.values())}")
        return 0

    from .diffusion_backgrounds import BackgroundRequest, make_backgrounds
    from .presets import BackgroundPreset, load_background, load_style

    scene = load_background(args.preset)
    if args.prompt:
        scene = BackgroundPreset(name="custom", prompt=args.prompt, sections=scene.sections)
    request = BackgroundRequest(scene=scene, style=load_style(args.style), labels=labels, seed=args.seed,
                                width=args.width, height=args.height, size=args.size, steps=args.steps,
                                guidance=args.guidance, tileable=args.tileable)
    written = make_backgrounds(_load(args), request, output, progress=_show)
    print(file=sys.stderr)
    print(f"wrote {', '.join(str(path) for path in written.values())}")
    return 0


def _files_in(folder: Path) -> list[Path]:
    """The PNG and JSON files already in a character folder Toonbeat is about to draw into."""
    if folder.exists() and not folder.is_dir():
        raise ToonbeatError(f"{folder}: is a file; the character is drawn into a folder of that name")
    return [path for path in folder.glob("*") if path.suffix.lower() in (".png", ".json")] if folder.exists() else []


def _check_may_write(paths: list[Path], overwrite: bool) -> None:
    """Refuse (naming the file and ``--overwrite``) to draw over art Toonbeat did not make."""
    for path in paths:
        check_output(path, overwrite=overwrite, what="image")


def _load(args: argparse.Namespace) -> Any:
    from .diffusion import DEFAULT_MODEL, ArtModelSpec, load_art_model

    spec = ArtModelSpec(model=args.model or DEFAULT_MODEL, kind=args.kind, loras=tuple(map(_lora, args.lora)),
                        device=args.device, memory=args.memory, config=args.config, ip_adapter=args.ip_adapter)
    pipes = load_art_model(spec)
    for note in pipes.notes:
        print(f"art: {note}", file=sys.stderr)
    return pipes


_last_shown = [0.0]


def _show(progress: Any) -> None:
    if time.monotonic() - _last_shown[0] < 0.5 and progress.fraction < 1.0:
        return
    _last_shown[0] = time.monotonic()
    print(f"\rart: {progress.label} step {progress.step}/{progress.steps} "
          f"({progress.fraction:.0%} of {progress.images_total} images)   ", end="", file=sys.stderr, flush=True)


def _lora(text: str) -> tuple[str, float]:
    path, _, weight = text.rpartition(":") if ":" in text and not Path(text).exists() else (text, "", "")
    try:
        return (path, float(weight)) if weight else (text, 1.0)
    except ValueError as error:
        raise ToonbeatError(f"--lora {text}: the weight after ':' must be a number") from error


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080") from error
    if width <= 0 or height <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be positive")
    return width, height
