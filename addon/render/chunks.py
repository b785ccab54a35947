"""Render a video in parallel pieces and join them without re-encoding.

The sequencer composites one frame at a time, so one Blender process leaves cores
idle. Here the frame range is split into consecutive pieces rendered by child
Blender processes (video only; each piece starts on a key frame), the audio is
mixed down once, and ffmpeg joins the pieces by stream copy while encoding the
audio to AAC. Needs the ``ffmpeg`` command; without it Toonbeat renders in one process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import bpy

from ..assemble import current_scene
from ..core.background_process import BackgroundProcess
from . import allocator

MIN_FRAMES_PER_JOB = 240
MAX_JOBS = 4
CORES_PER_JOB = 2
CACHE_MB = 512
ROOT_PACKAGE = (__package__ or "addon").rpartition(".")[0]
_PROGRESS = re.compile(r"frame (\d+)/(\d+)")


def chunk_ranges(first: int, last: int, jobs: int) -> list[tuple[int, int]]:
    """Split frames ``first..last`` (inclusive) into ``jobs`` consecutive ranges of nearly equal length."""
    total = last - first + 1
    jobs = max(1, min(jobs, total))
    bounds = [first + total * index // jobs for index in range(jobs + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(jobs)]


def automatic_jobs(frames: int) -> int:
    """How many processes pay off. One Blender process keeps about two cores busy (the sequencer's
    threads and x264's), so pieces start paying off from four cores; short videos and machines
    without ffmpeg render in one process."""
    if shutil.which("ffmpeg") is None:
        return 1
    return max(1, min((os.cpu_count() or 1) // CORES_PER_JOB, MAX_JOBS, frames // MIN_FRAMES_PER_JOB))


def render_in_chunks(scene: bpy.types.Scene, jobs: int, report: Callable[[int, int], None]) -> None:
    """Render ``scene`` to its output path with ``jobs`` Blender processes; ``report(done, total)`` shows progress.

    This process renders the first piece itself while child processes render the others.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise OSError("rendering in parallel pieces needs the ffmpeg command on PATH")
    output = Path(bpy.path.abspath(scene.render.filepath))
    total = scene.frame_end - scene.frame_start + 1
    with tempfile.TemporaryDirectory(prefix="toonbeat-render-") as folder:
        work = Path(folder)
        blend = work / "scene.blend"
        bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=True)
        audio = work / "mix.wav"
        bpy.ops.sound.mixdown(filepath=str(audio), container="WAV", codec="PCM", format="S16",
                              mixrate=scene.render.ffmpeg.audio_mixrate, channels="STEREO")
        ranges = chunk_ranges(scene.frame_start, scene.frame_end, jobs)
        pieces = [work / f"piece{index:02d}.mp4" for index in range(len(ranges))]
        cache_mb = max(64, CACHE_MB // len(ranges))
        children = [
            BackgroundProcess([*blender_child_command(), "chunk", str(blend), str(start), str(end), str(piece),
                               str(cache_mb)])
            for (start, end), piece in zip(ranges[1:], pieces[1:], strict=True)
        ]
        own = 0

        def frame_written() -> None:
            nonlocal own
            own += 1
            for child in children:
                child.poll()
            report(own + sum(_frames_done(child) for child in children), total)

        render_range(scene, *ranges[0], pieces[0], cache_mb, frame_written)
        _follow(children, lambda: report(own + sum(_frames_done(child) for child in children), total))
        _join(ffmpeg, pieces, audio, output, work)


def render_piece(blend: Path, first: int, last: int, piece: Path, cache_mb: int) -> int:
    """In a child process: render frames ``first..last`` of ``blend`` as video only to ``piece``."""
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    done = 0

    def frame_written() -> None:
        nonlocal done
        done += 1
        print(f"Toonbeat: frame {done}/{last - first + 1}", flush=True)

    render_range(current_scene(), first, last, piece, cache_mb, frame_written)
    return 0


def render_range(scene: bpy.types.Scene, first: int, last: int, piece: Path, cache_mb: int,
                 frame_written: Callable[[], None]) -> None:
    """Render frames ``first..last`` of ``scene`` as video only to ``piece``; the scene is left as it was
    (in every process: each keeps its freed frame buffers, see ``allocator``)."""
    allocator.keep_freed_buffers()
    render = scene.render
    saved = (scene.frame_start, scene.frame_end, render.ffmpeg.audio_codec, render.filepath)
    scene.frame_start, scene.frame_end = first, last
    render.ffmpeg.audio_codec = "NONE"
    render.filepath = str(piece)
    bpy.context.preferences.system.memory_cache_limit = cache_mb

    def handler(*_args: object) -> None:
        frame_written()

    bpy.app.handlers.render_write.append(handler)
    try:
        bpy.ops.render.render(animation=True, scene=scene.name)
    finally:
        bpy.app.handlers.render_write.remove(handler)
        scene.frame_start, scene.frame_end, render.ffmpeg.audio_codec, render.filepath = saved


def blender_child_command() -> list[str]:
    """How to start another Blender like this one running Toonbeat's command: the same binary, or this
    Python with Blender as a module and this add-on imported as it is installed."""
    if bpy.app.binary_path:
        return [bpy.app.binary_path, "-b", "--command", "toonbeat"]
    return [sys.executable, "-c", _MODULE_COMMAND, ROOT_PACKAGE]


# Registers the add-on package named by argv[1] in a Python with Blender as a module and runs its
# command with the rest; leaves at once, as ``addon/__main__.py`` does (4.5's teardown can crash).
_MODULE_COMMAND = (
    "import bpy, importlib, os, sys; package = sys.argv.pop(1); importlib.import_module(package).register(); "
    "code = importlib.import_module(package + '.cli_command').main(sys.argv[1:]); "
    "sys.stdout.flush(); sys.stderr.flush(); os._exit(code)"
)


def _follow(children: list[BackgroundProcess], report: Callable[[], None]) -> None:
    """Wait for the children, calling ``report`` about once a second; raise if one fails."""
    codes = [child.poll() for child in children]
    while None in codes:
        time.sleep(1.0)
        codes = [child.poll() for child in children]
        report()
    report()
    for index, (child, code) in enumerate(zip(children, codes, strict=True)):
        if code != 0:
            raise OSError(f"render piece {index + 2} failed (exit code {code}): {' | '.join(child.output[-3:])}")


def _frames_done(child: BackgroundProcess) -> int:
    found = next((m for line in reversed(child.output) if (m := _PROGRESS.search(line))), None)
    return int(found.group(1)) if found else 0


def _join(ffmpeg: str, pieces: list[Path], audio: Path, output: Path, work: Path) -> None:
    """Concatenate the video pieces by stream copy and add the audio as AAC."""
    listing = work / "pieces.txt"
    listing.write_text("".join(f"file '{piece}'\n" for piece in pieces))
    joined = work / "joined.mp4"
    command = [ffmpeg, "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio),
               "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "192k",
               "-movflags", "+faststart", str(joined)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise OSError(f"ffmpeg could not join the pieces: {result.stderr.strip()[-300:]}")
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(joined, output)
