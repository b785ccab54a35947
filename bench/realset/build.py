"""Build the real-music development set: ``python -m bench.realset.build [--limit N] [--jobs 2]``.

Downloads the pinned packages, renders every song, derives its beats and bars from what the player
played (tracker rows) or from the tempo map (MIDI), checks them against the song's notes, and writes
``<id>.wav`` and ``manifest.json`` (rewritten after each song) to ``$TOONBEAT_REALSET``, and
``bench/realset/SONGS.md``.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generators.music.drum_machine import write_wav

from . import audio, openmpt, sources
from . import tracker_truth as truth
from .manifest import Song, default_folder, song_record, songs_table, write_manifest

SONGS_TABLE = Path(__file__).with_name("SONGS.md")


@dataclass(frozen=True)
class Job:
    """One song to render: its file inside an unpacked package."""

    package: sources.DebianSongs
    root: Path
    path: Path
    output: Path

    @property
    def song_id(self) -> str:
        stem = re.sub(r"[^a-z0-9]+", "-", self.path.stem.lower()).strip("-")
        return f"{self.package.package.removesuffix('-data')}-{stem}"

    @property
    def source(self) -> str:
        return f"{self.package.source}:/{self.path.relative_to(self.root)}"


@dataclass(frozen=True)
class Outcome:
    """What became of one job: its record, or why it was left out."""

    job: Job
    song: Song | None
    dropped: str = ""


def render_tracker(job: Job) -> Outcome:
    """Render one module, check its truth, and write its WAV."""
    data = job.path.read_bytes()
    rendered = openmpt.render(data, audio.MAX_SECONDS)
    duration = len(rendered.samples) / openmpt.SAMPLE_RATE
    try:
        checked = truth.checked_truth(rendered.rows, rendered.notes_per_row, duration,
                                      truth.rows_per_beat_and_bar(data[:64]))
    except truth.AmbiguousTruth as reason:
        return Outcome(job, None, f"ambiguous: {reason}")
    grid = checked.grid
    cut = bool(grid.irregular) or duration >= audio.MAX_SECONDS
    end_time = grid.end_time if grid.irregular else duration
    if end_time < audio.MIN_SECONDS or len(grid.beats) < 8:
        why = f"off the grid after {end_time:.1f} s ({grid.irregular})" if grid.irregular else "shorter than 30 s"
        return Outcome(job, None, why)
    samples = audio.finish(rendered.samples, openmpt.SAMPLE_RATE, end_time, cut)
    beats = [(time, position) for time, position in zip(grid.beats, grid.positions, strict=True) if time < end_time]
    write_wav(job.output / f"{job.song_id}.wav", samples, openmpt.SAMPLE_RATE)
    song = song_record(
        job.song_id, len(samples) / openmpt.SAMPLE_RATE, job.path.suffix.lower().lstrip("."),
        [time for time, _ in beats], [position for _, position in beats],
        style=job.package.style_of(job.path), title=rendered.title or job.path.stem,
        author=rendered.artist or f"see {job.package.package}'s copyright file",
        licence=sources.debian_licence(job.root, job.package.package), source=job.source,
        group=job.package.package)
    return Outcome(job, song)


def tracker_jobs(cache: Path, output: Path) -> Iterator[Job]:
    """Every module file of the tracker packages, package by package."""
    for package in sources.TRACKER_PACKAGES:
        root = sources.unpack_debian(package, cache)
        for path in sources.song_files(package, root):
            yield Job(package, root, path, output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="stop after this many songs (0: all)")
    parser.add_argument("--jobs", type=int, default=2, help="songs rendered at once (at most 2 here)")
    parser.add_argument("--output", type=Path, default=None, help="the set's folder ($TOONBEAT_REALSET)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "toonbeat" / "realset-sources",
                        help="where downloaded packages are kept")
    args = parser.parse_args(argv)
    sources.check_tools()
    output = args.output or default_folder()
    output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    songs: list[Song] = []
    dropped: list[tuple[str, str]] = []
    with ProcessPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as pool:
        for outcome in pool.map(render_tracker, tracker_jobs(args.cache, output)):
            if outcome.song is None:
                dropped.append((outcome.job.source, outcome.dropped))
                print(f"left out {outcome.job.source}: {outcome.dropped}", flush=True)
                continue
            songs.append(outcome.song)
            write_manifest(songs, output)
            print(f"{len(songs):3d} {outcome.song.id}: {outcome.song.duration:.1f} s, {outcome.song.meter}, "
                  f"{outcome.song.tempo_bpm:.1f} BPM", flush=True)
            if args.limit and len(songs) >= args.limit:
                break
    SONGS_TABLE.write_text(songs_table(songs, dropped), encoding="utf-8")
    print(f"{len(songs)} songs, {sum(song.duration for song in songs) / 3600:.2f} h, {len(dropped)} left out, "
          f"in {time.monotonic() - started:.0f} s; manifest in {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
