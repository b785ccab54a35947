"""``toonbeat analyze``: write the beat JSON (and optionally a plot) of one or many songs."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from addon.core.cli_args import add_overwrite_argument
from addon.core.overwrite import check_output

from . import TRACKERS

HELP = "analyze songs: tempo, beats, downbeats, sections, drops, energy -> beat JSON"

DESCRIPTION = """\
Analyze SONG and write its beat file (JSON, see addon/core/beats.schema.json).
With several songs, OUTPUT is a folder that receives <name>.json for each;
a song that fails is reported and the others still finish (exit status 1).
Reads WAV, FLAC, AIFF, OGG (Vorbis, Opus) and MP3, and through FFmpeg (PyAV)
M4A/AAC, WebM, Matroska, WMA and the sound of MP4 and MOV videos."""


def add_parser(subparsers: Any) -> None:
    """Declare the ``analyze`` subcommand."""
    parser = subparsers.add_parser("analyze", help=HELP, description=DESCRIPTION)
    parser.add_argument("songs", nargs="+", type=Path, metavar="SONG", help="audio file(s) to analyze")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT",
        help="beat JSON to write; a folder when several songs are given (or when it is an existing folder)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="PNG",
        help="also draw waveform, energy, beats, sections and drops to this PNG (a folder for several songs)",
    )
    parser.add_argument(
        "--tracker",
        choices=TRACKERS,
        default="toonbeat",
        help="beat tracker: Toonbeat's own (default) or Beat This! (MIT; pip install 'toonbeat[beat-this]' "
        "and its checkpoint)",
    )
    parser.add_argument(
        "--beat-this-checkpoint",
        type=Path,
        metavar="CKPT",
        help="Beat This! checkpoint (default: $TOONBEAT_BEAT_THIS_CHECKPOINT, else torch hub's beat_this-final0.ckpt)",
    )
    add_overwrite_argument(parser, "a beat file or plot")
    parser.add_argument("--progress", action="store_true",
                        help="print a line at every percent done (the add-on's Analyze button reads them)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Analyze every song; returns 0 when all succeeded, 1 otherwise."""
    from addon.core import beatfile
    from generators.errors import ToonbeatError

    from .analyze import analyze_file
    from .plot import plot_beats

    songs: list[Path] = args.songs
    batch = len(songs) > 1 or args.output.is_dir()
    names = _output_names(songs)
    targets = {song: _targets(args, names[song], batch) for song in songs}
    for json_path, plot_path in targets.values():
        for path in filter(None, (json_path, plot_path)):
            check_output(path, inputs=songs, overwrite=args.overwrite, what="beat file or plot")
    failures = 0
    for number, song in enumerate(songs, start=1):
        json_path, plot_path = targets[song]
        started = time.perf_counter()
        try:
            data = analyze_file(
                song,
                progress=_PercentPrinter() if args.progress else None,
                tracker=args.tracker,
                beat_this_checkpoint=args.beat_this_checkpoint,
            )
            beatfile.save(data, json_path)
            if plot_path is not None:
                plot_beats(data, plot_path)
        except (ToonbeatError, beatfile.BeatFileError) as error:
            if not batch:
                raise
            failures += 1
            print(f"[{number}/{len(songs)}] error: {error}", file=sys.stderr, flush=True)
            continue
        seconds = time.perf_counter() - started
        summary = (
            f"{data.tempo:.1f} BPM, {len(data.beats)} beats, {len(data.sections)} sections, "
            f"{len(data.drops)} drops -> {json_path}"
        )
        print(f"[{number}/{len(songs)}] {song}: {summary} ({seconds:.2f} s)", flush=True)
    if failures:
        print(f"toonbeat: {failures} of {len(songs)} songs failed", file=sys.stderr)
        return 1
    return 0


def _targets(args: argparse.Namespace, name: str, batch: bool) -> tuple[Path, Path | None]:
    """The beat file and the plot (if asked for) written for the song named ``name``."""
    json_path = args.output / f"{name}.json" if batch else args.output
    plot_path = None
    if args.plot is not None:
        plot_path = args.plot / f"{name}.png" if batch else args.plot
    return json_path, plot_path


def _output_names(songs: list[Path]) -> dict[Path, str]:
    """The output name of each song: its stem, with ``-2``, ``-3``... for later songs of the same stem."""
    names: dict[Path, str] = {}
    taken: Counter[str] = Counter()
    for song in songs:
        if song not in names:
            taken[song.stem] += 1
            names[song] = song.stem if taken[song.stem] == 1 else f"{song.stem}-{taken[song.stem]}"
    return names


class _PercentPrinter:
    """Prints ``<stage> <n>%`` each time the analysis passes another whole percent."""

    def __init__(self) -> None:
        self.printed = -1

    def __call__(self, fraction: float, stage: str) -> None:
        percent = int(fraction * 100)
        if percent > self.printed:
            self.printed = percent
            print(f"{stage} {percent}%", flush=True)
