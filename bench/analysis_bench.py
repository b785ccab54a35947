"""Benchmark of ``toonbeat analyze`` on real music and on synthetic electronic music, both with exact truth.

Run from the checkout (one invocation makes all of ``bench/analysis_results.md``)::

    python -m bench.analysis_bench --madmom-venv /tmp/madmom-venv

Scores (``mir_eval``; every beat counts, no 5-second trim): beat F-measure
(70 ms), CMLt, downbeat F-measure, tempo within 4 % (Acc1) and within 4 % of
1/3, 1/2, 1, 2 or 3 times it (Acc2); on the synthetic songs also the section
boundary F-measure (3 s window; the song's start and end are not counted),
drops found within one bar and false drops. Beside them: librosa's stock
``beat_track`` and, with ``--madmom-venv``, madmom's DBN beat and downbeat
trackers in their own environment (made there when missing; see
``bench/madmom_runner.py``; each file's result is cached in ``MADMOM_CACHE`` by its hash,
so a rerun reads it back; ``--madmom-on`` names the sets madmom runs on). Track sets: the real-music development set's
``train`` and ``test`` splits (``$TOONBEAT_REALSET/manifest.json``, default
``~/.cache/toonbeat/realset``; built by ``python -m bench.realset.build``; Toonbeat hears each ``train`` song
through the network members that never learned it, so both splits are scored on songs the networks did not see),
the named synthetic cases of issue 3, and randomized held-out synthetic tracks
(seed 2000). Then speed (seconds of analysis per minute of audio once
imported, and a 3-minute track as a whole ``python -m generators analyze``
process) and the peak memory of a 60-minute file, with the machine's load.
Prints markdown and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from generators.analysis import activations, analyze_file
from generators.music.drum_machine import GroundTruth, synthesize, write_wav

from .benchmark_tracks import BenchmarkTrack, holdout_tracks, tracks

TEMPO_TOLERANCE = 0.04
OCTAVE_FACTORS = (1 / 3, 1 / 2, 1.0, 2.0, 3.0)
"""Acc2 accepts a tempo within ``TEMPO_TOLERANCE`` of any of these multiples of the true one."""
SECTION_WINDOW = 3.0
REALSET = Path(os.environ.get("TOONBEAT_REALSET", Path.home() / ".cache" / "toonbeat" / "realset"))
MADMOM_CACHE = Path(os.environ.get("TOONBEAT_MADMOM_CACHE", Path.home() / ".cache" / "toonbeat" / "madmom-results"))
"""madmom's results per file (name and hash), so a rerun of the benchmark reads them back."""
MADMOM_INSTALL = (["numpy<2", "cython", "setuptools", "wheel"], ["--no-build-isolation", "madmom==0.16.1"])


@dataclass
class Result:
    """One track: its ground truth, where its audio is, and every tracker's scores."""

    name: str
    path: Path
    truth: GroundTruth
    minutes: float
    scores: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    style: str = "electronic"


def render(track: BenchmarkTrack, folder: Path) -> Result:
    """Synthesize ``track`` into ``folder``."""
    song = track.render()
    path = folder / (track.name.replace(" ", "_").replace(":", "") + ".wav")
    write_wav(path, song.samples, song.sample_rate)
    return Result(track.name, path, song.truth, song.duration / 60.0)


def real_songs(split: str) -> list[Result]:
    """The development set's songs of ``split`` (``train`` or ``test``)."""
    manifest = REALSET / "manifest.json"
    if not manifest.exists():
        return []
    results = []
    for song in json.loads(manifest.read_text())["songs"]:
        if song["split"] != split:
            continue
        truth = GroundTruth(
            tempo=float(song["tempo_bpm"]),
            beats=tuple(song["beats"]),
            downbeats=tuple(song["downbeats"]),
            beats_per_bar=int(song["beats_per_bar"]),
            sections=(),
            drops=(),
        )
        results.append(Result(song["id"], REALSET / song["audio"], truth, song["duration"] / 60.0, style=song["style"]))
    return results


def score_toonbeat(result: Result, *, sections: bool = True) -> None:
    """Analyze ``result``'s audio and score beats, bars and tempo (and sections and drops when ``sections``).

    A ``train`` song is heard through the network members that never learned it (out of fold).
    """
    ensemble = activations.load().unseen_by(result.name)
    start = time.perf_counter()
    data = analyze_file(result.path, ensemble=ensemble)
    result.seconds["toonbeat"] = time.perf_counter() - start
    truth = result.truth
    result.scores.update(_beat_scores("", truth, data.beats, data.downbeats, data.tempo))
    result.scores["meter"] = data.beats_per_bar
    if not sections:
        return
    result.scores["sections"] = _boundary_f(truth, data.sections)
    bar = 4 * 60.0 / truth.tempo
    result.scores["drops found"] = sum(any(abs(e - r) <= bar for e in data.drops) for r in truth.drops)
    result.scores["false drops"] = sum(not any(abs(e - r) <= bar for r in truth.drops) for e in data.drops)


def score_librosa(result: Result) -> None:
    """librosa's stock ``beat_track`` on the same audio (loaded at 22.05 kHz mono, librosa's default)."""
    import librosa

    start = time.perf_counter()
    y, sr = librosa.load(str(result.path), sr=22050, mono=True)
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    result.seconds["librosa"] = time.perf_counter() - start
    result.scores.update(_beat_scores("librosa ", result.truth, beats, None, float(np.atleast_1d(tempo)[0])))


def score_madmom(results: list[Result], python: str, *, run_missing: bool = True) -> None:
    """madmom's DBN trackers on every track, read back from ``MADMOM_CACHE`` or run in one ``python`` process.

    Without ``run_missing`` only the tracks with a cached result get madmom's scores.
    """
    found = madmom_results([r.path for r in results], python, run_missing=run_missing)
    for result in results:
        if result.path not in found:
            continue
        line = found[result.path]
        result.seconds["madmom"] = line["seconds"]
        intervals = np.diff(line["beats"])
        tempo = 60.0 / float(np.median(intervals)) if len(intervals) else 0.0
        result.scores.update(_beat_scores("madmom ", result.truth, line["beats"], line["downbeats"], tempo))


def madmom_results(paths: list[Path], python: str, *, run_missing: bool = True) -> dict[Path, dict]:
    """madmom's beats and downbeats for each of ``paths``, cached in ``MADMOM_CACHE`` by name and file hash.

    madmom takes about 9 s per minute of audio, so each file is run once: the
    runner's JSON line is kept under ``<stem>-<sha256 prefix>.json`` and read
    back while the file is unchanged (the ``seconds`` it took are kept too).
    Without ``run_missing`` the files not cached yet are left out.
    """
    cached = {path: MADMOM_CACHE / f"{path.stem}-{_file_hash(path)[:16]}.json" for path in paths}
    missing = [path for path, entry in cached.items() if not entry.exists()]
    if missing and run_missing:
        runner = Path(__file__).with_name("madmom_runner.py")
        process = subprocess.Popen([python, str(runner), *map(str, missing)], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        MADMOM_CACHE.mkdir(parents=True, exist_ok=True)
        for text in process.stdout:
            line = json.loads(text)
            cached[Path(line["path"])].write_text(text, encoding="utf-8")
        if process.wait():
            raise subprocess.CalledProcessError(process.returncode, process.args)
    return {path: json.loads(entry.read_text(encoding="utf-8")) for path, entry in cached.items() if entry.exists()}


def _file_hash(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def madmom_python(venv: Path) -> str:
    """The python of the madmom environment ``venv``, made (``MADMOM_INSTALL``) when it is missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        for arguments in MADMOM_INSTALL:
            subprocess.run([str(python), "-m", "pip", "install", "-q", *arguments], check=True)
    return str(python)


def _beat_scores(
    prefix: str,
    truth: GroundTruth,
    beats: Sequence[float] | np.ndarray,
    downbeats: Sequence[float] | np.ndarray | None,
    tempo: float | None,
) -> dict[str, float]:
    import mir_eval

    reference = np.array(truth.beats)
    estimate = np.asarray(beats, dtype=float)
    scores = {
        f"{prefix}beat F": mir_eval.beat.f_measure(reference, estimate),
        f"{prefix}CMLt": mir_eval.beat.continuity(reference, estimate)[1],
    }
    if downbeats is not None:
        scores[f"{prefix}downbeat F"] = mir_eval.beat.f_measure(np.array(truth.downbeats), np.asarray(downbeats))
    if tempo is not None:
        scores[f"{prefix}tempo"] = tempo
    return scores


def _boundary_f(truth: GroundTruth, estimate: tuple) -> float:
    import mir_eval

    reference = np.array([[s.start, s.end] for s in truth.sections])
    found = np.array([[s.start, s.end] for s in estimate])
    if len(reference) < 2 and len(found) < 2:
        return 1.0
    return float(mir_eval.segment.detection(reference, found, window=SECTION_WINDOW, trim=True)[2])


def _tempo_ok(estimate: float, reference: float) -> bool:
    return abs(estimate / reference - 1) <= TEMPO_TOLERANCE


def _tempo_octave_ok(estimate: float, reference: float) -> bool:
    return any(_tempo_ok(estimate, reference * factor) for factor in OCTAVE_FACTORS)


def real_table(results: list[Result]) -> str:
    """Scores on real songs: meter, tempo, beats and downbeats of each tracker, and a mean row.

    A tracker without a result for a song (madmom not run on it yet) shows "n/a" there, and its mean
    row says over how many songs it is.
    """
    trackers = [("", "toonbeat")] + [
        (f"{name} ", name) for name in ("librosa", "madmom") if any(f"{name} beat F" in r.scores for r in results)
    ]
    header = ["song", "style", "meter (true / found)", "tempo (true)"]
    for prefix, name in trackers:
        header += [f"{name} tempo", f"{name} beat F", f"{name} CMLt"]
        if any(f"{prefix}downbeat F" in r.scores for r in results):
            header.append(f"{name} downbeat F")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        s = r.scores
        row = [r.name, r.style, f"{r.truth.beats_per_bar} / {s['meter']:.0f}", f"{r.truth.tempo:.1f}"]
        for prefix, _ in trackers:
            downbeats = any(f"{prefix}downbeat F" in other.scores for other in results)
            if f"{prefix}tempo" not in s:
                row += ["n/a"] * (4 if downbeats else 3)
                continue
            mark = "" if _tempo_ok(s[f"{prefix}tempo"], r.truth.tempo) else " ✗"
            row += [f"{s[f'{prefix}tempo']:.1f}{mark}", f"{s[f'{prefix}beat F']:.3f}", f"{s[f'{prefix}CMLt']:.3f}"]
            if downbeats:
                row.append(f"{s[f'{prefix}downbeat F']:.3f}")
        lines.append("| " + " | ".join(row) + " |")
    meters = sum(r.scores["meter"] == r.truth.beats_per_bar for r in results)
    mean = ["**mean**", "", f"{meters}/{len(results)} right", ""]
    for prefix, _ in trackers:
        scored = [r for r in results if f"{prefix}tempo" in r.scores]
        acc1 = np.mean([_tempo_ok(r.scores[f"{prefix}tempo"], r.truth.tempo) for r in scored])
        acc2 = np.mean([_tempo_octave_ok(r.scores[f"{prefix}tempo"], r.truth.tempo) for r in scored])
        over = "" if len(scored) == len(results) else f" ({len(scored)} songs)"
        mean.append(f"Acc1 {acc1:.2f}, Acc2 {acc2:.2f}{over}")
        mean += [f"**{np.mean([r.scores[f'{prefix}{key}'] for r in scored]):.3f}**" for key in ("beat F", "CMLt")]
        if any(f"{prefix}downbeat F" in r.scores for r in results):
            mean.append(f"**{np.mean([r.scores[f'{prefix}downbeat F'] for r in scored]):.3f}**")
    lines.append("| " + " | ".join(mean) + " |")
    return "\n".join(lines)


def markdown_table(results: list[Result]) -> str:
    """The scores as a markdown table with a mean row."""
    others = [name for name in ("librosa", "madmom") if any(name in key for key in results[0].scores)]
    header = ["track", "tempo (true / found)", "beat F", "CMLt", "downbeat F", "sections F(3 s)", "drops (false)"]
    columns = ["beat F", "CMLt", "downbeat F", "sections"]
    if "librosa" in others:
        header += ["librosa beat F", "librosa CMLt", "librosa tempo"]
    if "madmom" in others:
        header += ["madmom beat F", "madmom CMLt", "madmom downbeat F"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        s = r.scores
        row = [r.name, f"{r.truth.tempo:.1f} / {s['tempo']:.1f}{'' if _tempo_ok(s['tempo'], r.truth.tempo) else ' ✗'}"]
        row += [f"{s[key]:.3f}" for key in columns]
        row.append(f"{s['drops found']:.0f}/{len(r.truth.drops)} ({s['false drops']:.0f})")
        if "librosa" in others:
            row += [f"{s['librosa beat F']:.3f}", f"{s['librosa CMLt']:.3f}", f"{s['librosa tempo']:.1f}"]
        if "madmom" in others:
            row += [f"{s['madmom beat F']:.3f}", f"{s['madmom CMLt']:.3f}", f"{s['madmom downbeat F']:.3f}"]
        lines.append("| " + " | ".join(row) + " |")
    mean = [
        "**mean**",
        f"{sum(_tempo_ok(r.scores['tempo'], r.truth.tempo) for r in results)}/{len(results)} within 4 %",
    ]
    mean += [f"**{np.mean([r.scores[key] for r in results]):.3f}**" for key in columns]
    found, false = (sum(r.scores[key] for r in results) for key in ("drops found", "false drops"))
    mean.append(f"{found:.0f}/{sum(len(r.truth.drops) for r in results)} ({false:.0f})")
    if "librosa" in others:
        mean += [f"{np.mean([r.scores[k] for r in results]):.3f}" for k in ("librosa beat F", "librosa CMLt")]
        mean.append(
            f"{sum(_tempo_ok(r.scores['librosa tempo'], r.truth.tempo) for r in results)}/{len(results)} within 4 %"
        )
    if "madmom" in others:
        mean += [
            f"{np.mean([r.scores[k] for r in results]):.3f}"
            for k in ("madmom beat F", "madmom CMLt", "madmom downbeat F")
        ]
    lines.append("| " + " | ".join(mean) + " |")
    return "\n".join(lines)


SPEED_MEANING = {
    "toonbeat": "`analyze_file` after a warm-up: decoding, hashing, beats, bars, sections, onsets, energy",
    "librosa": "`librosa.load` at 22.05 kHz plus `beat_track`",
    "madmom": "RNN and DBN beat tracking plus RNN and DBN downbeat tracking, in madmom's own process",
}


def speed_line(results: list[Result]) -> str:
    """Seconds per minute of audio of each tracker over ``results``, saying what each time covers."""
    minutes = sum(r.minutes for r in results)
    parts = []
    for name, meaning in SPEED_MEANING.items():
        if all(name in r.seconds for r in results):
            total = sum(r.seconds[name] for r in results)
            parts.append(f"{name} {total / minutes:.3f} s ({meaning})")
    return f"Seconds per minute of audio over every song above ({minutes:.1f} min): " + "; ".join(parts)


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


def peak_memory(path: Path, output: Path) -> tuple[float, float]:
    """Peak RSS (MiB) and seconds of one ``toonbeat analyze`` process on ``path`` (plot included).

    The peak is the child's own ``VmHWM`` (Linux): ``ru_maxrss`` would also
    count the pages the child shared with this benchmark process before exec.
    """
    arguments = ["analyze", str(path), "-o", str(output), "--plot", str(output.with_suffix(".png"))]
    code = (
        "import re, sys, time; from pathlib import Path; from generators.cli import main; t = time.perf_counter(); "
        f"code = main({arguments!r}); "
        "peak = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1); "
        "print(time.perf_counter() - t, peak); sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds, kib = result.stdout.split()[-2:]
    return float(kib) / 1024, float(seconds)


def long_file(path: Path, minutes: float) -> None:
    """Write a ``minutes`` long 44.1 kHz 16-bit stereo WAV of drum-machine songs, one song at a time."""
    import soundfile

    styles = ("house", "techno", "industrial")
    frames = int(minutes * 60 * 44100)
    with soundfile.SoundFile(str(path), "w", 44100, 2, subtype="PCM_16") as stream:
        written, seed = 0, 0
        while written < frames:
            song = synthesize(120.0 + 4 * (seed % 5), seed, styles[seed % 3])
            block = song.samples[: frames - written]
            stream.write(block)
            written += len(block)
            seed += 1


def score_all(results: list[Result], args: argparse.Namespace, madmom: str | None, *, sections: bool) -> None:
    """Score every tracker on ``results``."""
    for result in results:
        score_toonbeat(result, sections=sections)
        if not args.no_librosa:
            score_librosa(result)
        print(f"  scored {result.name}", file=sys.stderr)
    if madmom:
        score_madmom(results, madmom, run_missing=not args.madmom_cached_only)


def speed_report(folder: Path, long_minutes: float) -> list[str]:
    """The whole-process time of a 3-minute song and the peak memory of a ``long_minutes`` one."""
    three = folder / "three_minutes.wav"
    long_file(three, 3.0)
    runs = whole_process_seconds(three, folder / "three.json")
    hour = folder / "long.wav"
    long_file(hour, long_minutes)
    mib, seconds = peak_memory(hour, folder / "long.json")
    return [
        f"A 3-minute 44.1 kHz WAV as a whole `python -m generators analyze` process: "
        f"{min(runs):.2f} s best, {max(runs):.2f} s worst of {len(runs)} runs.",
        f"A {long_minutes:g}-minute 44.1 kHz 16-bit stereo WAV ({hour.stat().st_size / 2**20:.0f} MiB): "
        f"peak RSS {mib:.0f} MiB, {seconds:.1f} s including hashing and `--plot`.",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/analysis_results.md"), help="markdown file to write")
    parser.add_argument("--no-librosa", action="store_true", help="skip librosa's beat_track")
    parser.add_argument("--madmom-venv", type=Path, metavar="DIR", help="madmom's environment (made when missing)")
    parser.add_argument(
        "--madmom-on",
        nargs="+",
        choices=("train", "test", "synthetic"),
        default=["train", "test", "synthetic"],
        help="the track sets madmom runs on (with --madmom-venv; its cached results are read back)",
    )
    parser.add_argument(
        "--madmom-cached-only", action="store_true", help="score madmom only where its result is cached already"
    )
    parser.add_argument("--only", default="", help="score only the tracks whose name contains this text")
    parser.add_argument("--holdout", type=int, default=12, help="number of randomized held-out tracks (0: none)")
    parser.add_argument("--holdout-seed", type=int, default=2000, help="seed of the held-out set")
    parser.add_argument("--no-speed", action="store_true", help="skip the whole-process and memory measurements")
    parser.add_argument("--long-minutes", type=float, default=60.0, help="length of the memory-test file")
    args = parser.parse_args()

    madmom = madmom_python(args.madmom_venv) if args.madmom_venv else None
    command = " ".join(["python -m bench.analysis_bench", *sys.argv[1:]])
    report = ["## Analysis benchmark", "", f"Made by `{command}`.", ""]
    everything: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="toonbeat-bench-") as temporary:
        folder = Path(temporary)
        warmup = synthesize(128.0, 0, "house", total_bars=12)
        write_wav(folder / "warmup.wav", warmup.samples, warmup.sample_rate)
        analyze_file(folder / "warmup.wav")
        for split in ("train", "test"):
            results = [r for r in real_songs(split) if args.only in r.name]
            if results:
                score_all(results, args, madmom if split in args.madmom_on else None, sections=False)
                minutes = sum(r.minutes for r in results)
                report += [f"### Real music, `{split}` split ({len(results)} songs, {minutes:.0f} min)", ""]
                report += [real_table(results), ""]
                everything += results
        sets = [("Issue 3 cases", tracks())]
        if args.holdout:
            title = f"Held-out tracks (random arrangements, tempi, sounds, noise and reverb; seed {args.holdout_seed})"
            sets.append((title, holdout_tracks(args.holdout, args.holdout_seed)))
        for title, candidates in sets:
            results = [render(t, folder) for t in candidates if args.only in t.name]
            if results:
                score_all(results, args, madmom if "synthetic" in args.madmom_on else None, sections=True)
                report += [f"### {title}", "", markdown_table(results), ""]
                everything += results
        load = os.getloadavg()[0]
        report.append(f"Machine load while measuring: {load:.2f} (1-minute load average) on {os.cpu_count()} cores.")
        report.append(speed_line(everything) + ".")
        if not args.no_speed:
            report += speed_report(folder, args.long_minutes)
    text = "\n".join(report) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
