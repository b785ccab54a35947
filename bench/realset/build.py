"""Build the real-music development set: ``python -m bench.realset.build [--limit N] [--jobs 2]``.

Downloads the pinned packages, renders every song, derives its beats and bars from what the player
played (tracker rows) or from the tempo map and time signatures (MIDI), checks them against the song's
own notes, and writes ``<id>.wav`` and ``manifest.json`` (rewritten after each song) to
``$TOONBEAT_REALSET``, and the table ``bench/realset/SONGS.md``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
from mido.midifiles.meta import KeySignatureError

from generators.music.drum_machine import write_wav

from . import audio, fluid, openmpt, scores, sources
from . import tracker_truth as tracker
from .manifest import Song, default_folder, read_manifest, song_record, songs_table, write_manifest
from .midi_truth import checked_midi_truth
from .note_checks import AmbiguousTruthError

SONGS_TABLE = Path(__file__).with_name("SONGS.md")
TRACKER_SUFFIXES = (".mod", ".xm", ".s3m", ".it", ".mptm")
RENDER_PAST_SECONDS = 10.0
"""A MIDI file renders at most this long past ``audio.MAX_SECONDS``: enough to know that a song goes on past
the cut (and so is faded there) without rendering the rest."""


@dataclass(frozen=True)
class Job:
    """One song to render: a file inside an unpacked Debian package, or a corpus score."""

    output: Path
    package: sources.DebianSongs | None = None
    root: Path | None = None
    path: Path | None = None
    score: scores.Score | None = None

    @property
    def song_id(self) -> str:
        if self.score is not None:
            return self.score.song_id
        assert self.package is not None and self.path is not None
        stem = re.sub(r"[^a-z0-9]+", "-", self.path.stem.lower()).strip("-")
        return f"{self.package.package.removesuffix('-data')}-{stem}"

    @property
    def source(self) -> str:
        if self.score is not None:
            return self.score.source
        assert self.package is not None and self.path is not None and self.root is not None
        return f"{self.package.source}:/{self.path.relative_to(self.root)}"


@dataclass(frozen=True)
class Outcome:
    """What became of one job: its record, or why it was left out."""

    job: Job
    song: Song | None
    dropped: str = ""


@dataclass(frozen=True)
class Truth:
    """A rendered song with its checked beats, before trimming."""

    samples: np.ndarray
    sample_rate: int
    beats: list[float]
    positions: list[int]
    end_time: float
    """Where the exact truth ends (seconds)."""
    irregular: str
    meter_denominator: int
    title: str
    author: str


def render_song(job: Job) -> Outcome:
    """Render one song, check its truth, trim it, and write its WAV; never raises for a bad song."""
    try:
        truth = _render_with_truth(job)
    except AmbiguousTruthError as reason:
        return Outcome(job, None, f"ambiguous: {reason}")
    except (ValueError, OSError, EOFError, subprocess.SubprocessError) as error:
        return Outcome(job, None, f"unreadable: {error}")
    duration = len(truth.samples) / truth.sample_rate
    end_time = min(truth.end_time, duration, audio.MAX_SECONDS)
    if end_time < audio.MIN_SECONDS:
        why = f"off the grid after {end_time:.1f} s ({truth.irregular})" if truth.irregular else "shorter than 30 s"
        return Outcome(job, None, why)
    cut = end_time < duration
    samples = audio.finish(truth.samples, truth.sample_rate, end_time, cut)
    kept = [(time, position) for time, position in zip(truth.beats, truth.positions, strict=True) if time < end_time]
    write_wav(job.output / f"{job.song_id}.wav", samples, truth.sample_rate)
    if job.score is not None:
        style, group, licence = job.score.style, job.score.composer, "public domain score; music21 corpus (BSD)"
        file_format = "mid"
    else:
        assert job.package is not None and job.path is not None and job.root is not None
        style, group = job.package.style_of(job.path), job.package.package
        licence = sources.debian_licence(job.root, job.package.package)
        file_format = job.path.suffix.lower().lstrip(".").replace("midi", "mid")
    song = song_record(job.song_id, len(samples) / truth.sample_rate, file_format,
                       [time for time, _ in kept], [position for _, position in kept], style=style,
                       title=truth.title, author=truth.author, licence=licence, source=job.source, group=group,
                       meter_denominator=truth.meter_denominator)
    return Outcome(job, song)


def _render_with_truth(job: Job) -> Truth:
    if job.score is not None:
        midi_path = job.output / ".scores" / f"{job.song_id}.mid"
        midi_path.parent.mkdir(parents=True, exist_ok=True)
        title, author = scores.write_midi(job.score, midi_path)
        return _midi_truth(midi_path, title, author)
    assert job.path is not None and job.package is not None
    if job.path.suffix.lower() in (".mid", ".midi"):
        return _midi_truth(job.path, job.path.stem, f"see {job.package.package}'s copyright file",
                           job.package.bars_from_first_note)
    data = job.path.read_bytes()
    rendered = openmpt.render(data, audio.MAX_SECONDS)
    duration = len(rendered.samples) / openmpt.SAMPLE_RATE
    checked = tracker.checked_truth(rendered.rows, rendered.notes_per_row, duration,
                                    tracker.rows_per_beat_and_bar(data[:64]))
    grid = checked.grid
    return Truth(rendered.samples, openmpt.SAMPLE_RATE, grid.beats, grid.positions, grid.end_time, grid.irregular,
                 4, rendered.title or job.path.stem,
                 rendered.artist or f"see {job.package.package}'s copyright file")


def _midi_truth(path: Path, title: str, author: str, bars_from_first_note: bool = False) -> Truth:
    try:
        midi = mido.MidiFile(path)
    except (KeyError, IndexError, KeySignatureError) as error:
        raise ValueError(f"mido cannot read it: {error!r}") from error
    checked = checked_midi_truth(midi, bars_from_first_note)
    grid = checked.grid
    denominators = {denominator for _, denominator in grid.meters}
    samples = fluid.render(path, audio.MAX_SECONDS + RENDER_PAST_SECONDS)
    return Truth(samples, fluid.SAMPLE_RATE, grid.beats, grid.positions, grid.end_time, grid.irregular,
                 denominators.pop() if len(denominators) == 1 else 4, title, author)


def debian_jobs(packages: Sequence[sources.DebianSongs], cache: Path, output: Path) -> Iterator[Job]:
    """Every song file of the packages, package by package."""
    for package in packages:
        root = sources.unpack_debian(package, cache)
        for path in sources.song_files(package, root):
            yield Job(output, package=package, root=root, path=path)


KINDS = ("trackers", "midi", "scores")
"""The kinds of source, in the order they are rendered."""


def all_jobs(cache: Path, output: Path, kinds: Sequence[str] = KINDS) -> Iterator[Job]:
    """Tracker modules first (electronic and dance), then MIDI files, then corpus scores (those of ``kinds``)."""
    if "trackers" in kinds:
        yield from debian_jobs(sources.TRACKER_PACKAGES, cache, output)
    if "midi" in kinds:
        yield from debian_jobs(sources.MIDI_PACKAGES, cache, output)
    if "scores" in kinds:
        for score in scores.SCORES:
            yield Job(output, score=score)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="stop after this many songs (0: all)")
    parser.add_argument("--jobs", type=int, default=2, help="songs rendered at once (at most 2)")
    parser.add_argument("--output", type=Path, default=None, help="the set's folder (default $TOONBEAT_REALSET)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the songs and left-out files of the existing manifest, render only the rest")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS),
                        help="render only these kinds of source (with --resume: add them to the set)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "toonbeat" / "realset-sources",
                        help="where downloaded packages are kept")
    args = parser.parse_args(argv)
    sources.check_tools()
    scores.check_music21()
    output = args.output or default_folder()
    output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    songs, dropped = read_manifest(output) if args.resume else ([], [])
    done = {song.source for song in songs} | {source for source, _ in dropped}
    jobs = (job for job in all_jobs(args.cache, output, args.kinds) if job.source not in done)
    with ProcessPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as pool:
        for outcome in pool.map(render_song, jobs):
            if outcome.song is None:
                dropped.append((outcome.job.source, outcome.dropped))
                print(f"left out {outcome.job.source}: {outcome.dropped}", flush=True)
            else:
                songs.append(outcome.song)
                print(f"{len(songs):3d} {outcome.song.id}: {outcome.song.duration:.1f} s, {outcome.song.meter}, "
                      f"{outcome.song.tempo_bpm:.1f} BPM", flush=True)
            write_manifest(songs, output, dropped)
            if not args.limit:
                SONGS_TABLE.write_text(songs_table(songs, dropped), encoding="utf-8")
            elif len(songs) >= args.limit:
                pool.shutdown(cancel_futures=True)
                break
    print(f"{len(songs)} songs, {sum(song.duration for song in songs) / 3600:.2f} h, {len(dropped)} left out, "
          f"in {time.monotonic() - started:.0f} s; manifest in {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
