"""``toonbeat art``: character folders and section backgrounds, by Stable Diffusion or procedurally.

The options come from ``art.params`` (one declaration per parameter); ``draw_characters``
and ``draw_backgrounds`` are what the command and the job service both run.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from addon.core.overwrite import check_output

from ..command_options import ProgressLine, add_generator_options
from ..errors import ToonbeatError
from ..library.command import keep
from ..parameters import from_arguments
from .params import ArtParams, BackgroundParams, CharacterParams

LoadPipes = Callable[[ArtParams], Any]


def add_parser(subparsers: Any) -> None:
    """Declare ``toonbeat art character`` and ``toonbeat art backgrounds``."""
    parser = subparsers.add_parser(
        "art", help="draw characters and backgrounds (Stable Diffusion, or the built-in procedural art)",
        description="Draw a character folder (idle.png, dance.png, ... and character.json) or one background "
                    "per song section, with Stable Diffusion 1.5 / SDXL (needs the gen extra) or procedurally.")
    kinds = parser.add_subparsers(title="what to draw", metavar="WHAT", required=True)
    character = kinds.add_parser("character", help="a character in several poses, plus its secondary characters",
                                 description="Draw a character in several poses into OUTPUT/<name>/.")
    add_generator_options(character, CharacterParams, output="out/characters", output_help="output folder",
                          overwrites="a PNG or JSON file in the output", kept="each character drawn")
    character.add_argument("--no-secondary", action="store_true", help="draw only the main character")
    character.set_defaults(run=run_character)

    backgrounds = kinds.add_parser("backgrounds", help="one background per song section",
                                   description="Draw OUTPUT/<label>.png for each section label.")
    add_generator_options(backgrounds, BackgroundParams, output="out/backgrounds", output_help="output folder",
                          overwrites="a PNG or JSON file in the output", kept="the backgrounds")
    backgrounds.set_defaults(run=run_backgrounds)


def run_character(args: argparse.Namespace) -> int:
    """Draw the character and its secondary characters."""
    from .presets import load_character

    params = from_arguments(CharacterParams, args, **({"secondary": []} if args.no_secondary else {}))
    preset = load_character(params.preset)
    secondaries = list(preset.secondary) if params.secondary is None else params.secondary
    output = Path(args.output)
    for folder in [output / (params.name or preset.name), *(output / load_character(s).name for s in secondaries)]:
        _check_may_write(_files_in(folder), args.overwrite)
    for folder in draw_characters(params, Path(args.output), load_pipes=_load, progress=ProgressLine(_describe)):
        print(file=sys.stderr)
        print(f"wrote {folder}")
        keep(args, "character", folder)
    return 0


def run_backgrounds(args: argparse.Namespace) -> int:
    """Draw one background per label."""
    params = from_arguments(BackgroundParams, args)
    output = Path(args.output)
    _check_may_write([output / f"{label}.png" for label in params.labels] + [output / "backgrounds.json"],
                     args.overwrite)
    written = draw_backgrounds(params, Path(args.output), load_pipes=_load, progress=ProgressLine(_describe))
    print(file=sys.stderr)
    print(f"wrote {', '.join(str(path) for path in written.values())}")
    keep(args, "backgrounds", output, name=params.preset if Path(params.preset).suffix == "" else "")
    return 0


def draw_characters(params: CharacterParams, output: Path, *, load_pipes: LoadPipes,
                    progress: Callable[[Any], None] | None = None,
                    cancel: threading.Event | None = None) -> list[Path]:
    """Draw the character ``params`` describe and its secondaries into ``output/<name>/``; returns the folders."""
    from .presets import load_character, load_style

    preset = load_character(params.preset)
    secondaries = list(preset.secondary) if params.secondary is None else params.secondary
    cast = [(preset.name, params.name or preset.name, params.prompt or preset.prompt)]
    cast += [(load_character(name).name, load_character(name).name, load_character(name).prompt)
             for name in secondaries]
    if params.backend == "procedural":
        from .procedural import draw_character

        return [draw_character(output / name, design=design, name=name, seed=params.seed + index,
                               height_px=params.height_px).folder
                for index, (design, name, _) in enumerate(cast)]

    from .diffusion_characters import CharacterRequest, make_character, pose_list

    style = load_style(params.style)
    pipes = load_pipes(params)
    folders = []
    for index, (design, name, prompt) in enumerate(cast):
        request = CharacterRequest(name=name, prompt=prompt, poses=pose_list(style, params.poses), style=style,
                                   seed=params.seed + 1000 * index, width=params.width, height=params.height,
                                   steps=params.steps, guidance=params.guidance, strength=params.strength,
                                   key_tolerance=params.key_tolerance, design=design, pose_scale=params.pose_scale,
                                   background_removal=params.remove_background)
        folders.append(make_character(pipes, request, output / name, progress=progress, cancel=cancel))
    return folders


def draw_backgrounds(params: BackgroundParams, output: Path, *, load_pipes: LoadPipes,
                     progress: Callable[[Any], None] | None = None,
                     cancel: threading.Event | None = None) -> dict[str, Path]:
    """Draw ``output/<label>.png`` for each label; returns the written file of each label."""
    if params.backend == "procedural":
        from .procedural import draw_backgrounds as draw_procedural

        return draw_procedural(output, labels=tuple(params.labels), size=params.size or (1920, 1080), seed=params.seed,
                               theme=params.preset)

    from .diffusion_backgrounds import BackgroundRequest, make_backgrounds
    from .presets import BackgroundPreset, load_background, load_style

    scene = load_background(params.preset)
    if params.prompt:
        scene = BackgroundPreset(name="custom", prompt=params.prompt, sections=scene.sections)
    request = BackgroundRequest(scene=scene, style=load_style(params.style), labels=tuple(params.labels),
                                seed=params.seed, width=params.width, height=params.height,
                                size=params.size, steps=params.steps,
                                guidance=params.guidance, tileable=params.tileable)
    return make_backgrounds(load_pipes(params), request, output, progress=progress, cancel=cancel)


def _files_in(folder: Path) -> list[Path]:
    """The PNG and JSON files already in a character folder Toonbeat is about to draw into."""
    if folder.exists() and not folder.is_dir():
        raise ToonbeatError(f"{folder}: is a file; the character is drawn into a folder of that name")
    return [path for path in folder.glob("*") if path.suffix.lower() in (".png", ".json")] if folder.exists() else []


def _check_may_write(paths: list[Path], overwrite: bool) -> None:
    """Refuse (naming the file and ``--overwrite``) to draw over art Toonbeat did not make."""
    for path in paths:
        check_output(path, overwrite=overwrite, what="image")


def _load(params: ArtParams) -> Any:
    from .diffusion import load_art_model

    pipes = load_art_model(params.model_spec())
    for note in pipes.notes:
        print(f"art: {note}", file=sys.stderr)
    return pipes


def _describe(progress: Any) -> str:
    return (f"art: {progress.label} step {progress.step}/{progress.steps} "
            f"({progress.fraction:.0%} of {progress.images_total} images)")
