"""Benchmark of ``toonbeat analyze`` on synthetic electronic music with exact ground truth.

Run from the checkout: ``python -m bench.analysis_bench [--out bench/analysis_results.md]``.

Scores (``mir_eval``, every beat counted, no 5-second trim): beat F-measure
(70 ms), CMLt, downbeat F-measure, tempo within 4 %, section boundary
F-measure (3 s window, the song's start and end not counted), drops found
within one bar and false drops; beside librosa's stock ``beat_track``. Then
speed (seconds of analysis per minute of audio once imported, and a 3-minute
track as a whole ``toonbeat analyze`` process) and the peak memory of a
60-minute file. Prints a markdown table and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generators.analysis import analyze_file
from generators.music.drum_machine import Song, synthesize, write_wav

from .benchmark_tracks import BenchmarkTrack, holdout_tracks, tracks

TEMPO_TOLERANCE = 0.04
SECTION_WINDOW = 3.0


@dataclass(frozen=True)
class Score:
    """One track's scores."""

    name: str
    minutes: float
    tempo_ref: float
    tempo_est: float
    beat_f: float
    cmlt: float
    downbeat_f: float
    section_f: float
    drops_found: int
    drops_true: int
    false_drops: int
    seconds: float
    librosa_f: float | None = None
    librosa_cmlt: float | None = None
    librosa_tempo: float | None = None

    @property
    def tempo_ok(self) -> bool:
        return _within(self.tempo_est, self.tempo_ref)


def _within(estimate: float | None, reference: float) -> bool:
    return estimate is not None and abs(estimate / reference - 1) <= TEMPO_TOLERANCE


def score_track(track: BenchmarkTrack, folder: Path, with_librosa: bool) -> Score:
    """Synthesize, analyze and score one benchmark track."""
    import mir_eval

    song = track.render()
    path = folder / (track.name.replace(" ", "_") + ".wav")
    write_wav(path, song.samples, song.sample_rate)
    start = time.perf_counter()
    data = analyze_file(path)
    seconds = time.perf_counter() - start
    truth = song.truth
    ref_beats, est_beats = np.array(truth.beats), np.array(data.beats)
    continuity = mir_eval.beat.continuity(ref_beats, est_beats)
    found, false = _drop_hits(truth.drops, data.drops, 4 * 60.0 / truth.tempo)
    scores = Score(
        name=track.name,
        minutes=song.duration / 60.0,
        tempo_ref=truth.tempo,
        tempo_est=data.tempo,
        beat_f=mir_eval.beat.f_measure(ref_beats, est_beats),
        cmlt=continuity[1],
        downbeat_f=mir_eval.beat.f_measure(np.array(truth.downbeats), np.array(data.downbeats)),
        section_f=_boundary_f(truth.sections, data.sections),
        drops_found=found,
        drops_true=len(truth.drops),
        false_drops=false,
        seconds=seconds,
    )
    if not with_librosa:
        return scores
    lib_beats, lib_tempo = _librosa_beats(path)
    lib_continuity = mir_eval.beat.continuity(ref_beats, lib_beats)
    return Score(
        **{
            **scores.__dict__,
            "librosa_f": mir_eval.beat.f_measure(ref_beats, lib_beats),
            "librosa_cmlt": lib_continuity[1],
            "librosa_tempo": lib_tempo,
        }
    )


def _librosa_beats(path: Path) -> tuple[np.ndarray, float]:
    import librosa

    y, sr = librosa.load(str(path), sr=22050, mono=True)
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    return np.asarray(beats), float(np.atleast_1d(tempo)[0])


def _boundary_f(reference: tuple, estimate: tuple) -> float:
    import mir_eval

    ref = np.array([[s.start, s.end] for s in reference])
    est = np.array([[s.start, s.end] for s in estimate])
    if len(ref) < 2 and len(est) < 2:
        return 1.0
    return float(mir_eval.segment.detection(ref, est, window=SECTION_WINDOW, trim=True)[2])


def _drop_hits(reference: tuple[float, ...], estimate: tuple[float, ...], bar: float) -> tuple[int, int]:
    """How many true drops have an estimate within one bar, and how many estimates match no true drop."""
    found = sum(any(abs(e - r) <= bar for e in estimate) for r in reference)
    false = sum(not any(abs(e - r) <= bar for r in reference) for e in estimate)
    return found, false


def markdown_table(scores: list[Score]) -> str:
    """The scores as a markdown table with a mean row."""
    with_librosa = scores[0].librosa_f is not None
    header = ["track", "tempo (true / found)", "beat F", "CMLt", "downbeat F", "sections F(3 s)", "drops (false)"]
    if with_librosa:
        header += ["librosa F", "librosa CMLt", "librosa tempo"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in scores:
        row = [
            s.name,
            f"{s.tempo_ref:.1f} / {s.tempo_est:.1f}{'' if s.tempo_ok else ' ✗'}",
            f"{s.beat_f:.3f}",
            f"{s.cmlt:.3f}",
            f"{s.downbeat_f:.3f}",
            f"{s.section_f:.3f}",
            f"{s.drops_found}/{s.drops_true} ({s.false_drops})",
        ]
        if with_librosa:
            row += [f"{s.librosa_f:.3f}", f"{s.librosa_cmlt:.3f}", f"{s.librosa_tempo:.1f}"]
        lines.append("| " + " | ".join(row) + " |")
    mean = [
        "**mean**",
        f"{sum(s.tempo_ok for s in scores)}/{len(scores)} within 4 %",
        *(
            f"**{np.mean([getattr(s, key) for s in scores]):.3f}**"
            for key in ("beat_f", "cmlt", "downbeat_f", "section_f")
        ),
        f"{sum(s.drops_found for s in scores)}/{sum(s.drops_true for s in scores)} "
        f"({sum(s.false_drops for s in scores)})",
    ]
    if with_librosa:
        mean += [
            f"{np.mean([s.librosa_f for s in scores]):.3f}",
            f"{np.mean([s.librosa_cmlt for s in scores]):.3f}",
            f"{sum(_within(s.librosa_tempo, s.tempo_ref) for s in scores)}/{len(scores)} within 4 %",
        ]
    lines.append("| " + " | ".join(mean) + " |")
    return "\n".join(lines)


def whole_process_seconds(path: Path, output: Path, runs: int = 3) -> list[float]:
    """Wall-clock seconds of ``python -m generators analyze path -o output``, ``runs`` times."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "generators", "analyze", str(path), "-o", str(output)],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return times


def peak_memory_mib(path: Path, output: Path) -> tuple[float, float]:
    """Peak RSS (MiB) and wall seconds of one ``toonbeat analyze`` process on ``path``."""
    code = (
        "import resource, sys, time; from generators.cli import main; t = time.perf_counter(); "
        f"code = main(['analyze', {str(path)!r}, '-o', {str(output)!r}]); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds, kib = result.stdout.split()[-2:]
    return float(kib) / 1024, float(seconds)


def long_file(path: Path, minutes: float) -> None:
    """Write a ``minutes`` long 44.1 kHz 16-bit stereo WAV of concatenated drum-machine songs, block by block."""
    import soundfile

    styles = ("house", "techno", "industrial")
    with soundfile.SoundFile(str(path), "w", 44100, 2, subtype="PCM_16") as stream:
        written, seed = 0, 0
        while written < minutes * 60 * 44100:
            song: Song = synthesize(120.0 + 4 * (seed % 5), seed, styles[seed % 3])
            block = song.samples[: int(minutes * 60 * 44100) - written]
            stream.write(block)
            written += len(block)
            seed += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/analysis_results.md"), help="markdown file to write")
    parser.add_argument("--no-librosa", action="store_true", help="skip librosa's beat_track baseline")
    parser.add_argument("--only", default="", help="run only the tracks whose name contains this text")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed and memory measurements")
    parser.add_argument("--long-minutes", type=float, default=60.0, help="length of the memory-test file")
    parser.add_argument("--holdout", type=int, default=12, help="number of randomized held-out tracks (0: none)")
    parser.add_argument(
        "--holdout-seed", type=int, default=2000, help="seed of the held-out set (1000 was used while tuning)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="toonbeat-bench-") as temporary:
        folder = Path(temporary)
        analyze_file(_warmup(folder))
        scores = _score_all(tracks(), folder, args)
        report = ["## Analysis benchmark", ""]
        if scores:
            report += [markdown_table(scores), ""]
        if args.holdout:
            held_out = _score_all(holdout_tracks(args.holdout, args.holdout_seed), folder, args)
            report += (
                []
                if not held_out
                else [
                    "### Held-out tracks (random arrangements, tempi, sounds and degradations; never tuned on)",
                    "",
                    markdown_table(held_out),
                    "",
                ]
            )
            scores += held_out
        minutes = sum(s.minutes for s in scores)
        analysis_seconds = sum(s.seconds for s in scores)
        report.append(
            f"Analysis speed once imported: {analysis_seconds / minutes:.3f} s per minute of audio "
            f"({minutes:.1f} min of audio in {analysis_seconds:.2f} s, {os.cpu_count()} cores)."
        )
        if not args.no_speed:
            three = folder / "three_minutes.wav"
            long_file(three, 3.0)
            runs = whole_process_seconds(three, folder / "three.json")
            report.append(
                f"3-minute WAV, whole `python -m generators analyze` process: "
                f"{min(runs):.2f} s best, {max(runs):.2f} s worst of {len(runs)} runs."
            )
            hour = folder / "long.wav"
            long_file(hour, args.long_minutes)
            mib, seconds = peak_memory_mib(hour, folder / "long.json")
            report.append(
                f"{args.long_minutes:g}-minute 44.1 kHz stereo WAV: peak RSS {mib:.0f} MiB, "
                f"{seconds:.1f} s analysis ({seconds / args.long_minutes:.3f} s per minute)."
            )
    text = "\n".join(report) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


def _score_all(candidates: list[BenchmarkTrack], folder: Path, args: argparse.Namespace) -> list[Score]:
    scores = []
    for track in candidates:
        if args.only and args.only not in track.name:
            continue
        scores.append(score_track(track, folder, not args.no_librosa))
        print(f"  scored {track.name}", file=sys.stderr)
    return scores


def _warmup(folder: Path) -> Path:
    """A short song analysed once so that import and first-call costs stay out of the timings."""
    song = synthesize(128.0, 0, "house", total_bars=12)
    path = folder / "warmup.wav"
    write_wav(path, song.samples, song.sample_rate)
    return path


if __name__ == "__main__":
    sys.exit(main())
