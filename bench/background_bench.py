"""Background loop benchmark: what a looping background costs to render, from frames or from a movie.

Renders a 10 s, 128 BPM click song at 1280x720, 24 fps, in one process, over a
background loop of 16 drawings on two beats given three ways: PNG frames,
an all-intra H.264 movie (``-g 1``), and the same movie with ffmpeg's default group of
pictures (one key frame, so every cycle seeks back). Prints wall seconds, CPU seconds,
peak memory and whether every hit frame of the MP4 shows within half a frame of its
click:

    nice -n 10 .venv/bin/python -m bench.background_bench
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.measure import measure

SECONDS = 10.0
BPM = 128.0
SIZE = (1280, 720)


def main() -> int:
    """Render the three backgrounds and print a table."""
    from tests.art import background_loop_folder, background_movie_folder
    from tests.blender.test_clip_sync import assert_every_hit_shows_on_its_click
    from tests.songs import click_song_with_beat_file

    root = Path(tempfile.mkdtemp(prefix="toonbeat-background-bench-"))
    wav, beats, _ = click_song_with_beat_file(root, bpm=BPM, seconds=SECONDS)
    folders = {"frames (PNG)": background_loop_folder(root / "frames", size=SIZE),
               "movie, all intra": background_movie_folder(root / "intra", size=SIZE),
               "movie, one key frame": _with_one_key_frame(background_movie_folder(root / "gop", size=SIZE))}
    preset = root / "loops_only.json"
    preset.write_text(json.dumps({"name": "Loops only", "poses": {"drop": ["dance"]},
                                  "effects": {"pose": {"enabled": True}}}))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "HOME": str(root)}
    print(f"{SECONDS:.0f} s at {SIZE[0]}x{SIZE[1]}, 24 fps, one process, {os.cpu_count()} cores")
    print(f"{'background':22} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}  hits on their beats")
    for index, (name, folder) in enumerate(folders.items()):
        video = root / f"background{index}.mp4"
        cost = measure([sys.executable, "-m", "generators", "render", "--audio", str(wav), "--beats", str(beats),
                        "--out", str(video), "--backgrounds", str(folder), "--resolution", f"{SIZE[0]}x{SIZE[1]}",
                        "--fps", "24", "--preset", str(preset), "--jobs", "1"], env=env)
        if cost.returncode != 0:
            print(cost.output[-2000:])
            return 1
        try:
            assert_every_hit_shows_on_its_click(video, 24.0)
            hits = "yes"
        except AssertionError as error:
            hits = f"no: {error}".splitlines()[0]
        print(f"{name:22} {cost.wall_s:7.1f} {cost.cpu_s:7.1f} {cost.peak_mb:8.0f}  {hits}")
    return 0


def _with_one_key_frame(folder: Path) -> Path:
    """Re-encode the folder's drop movie with ffmpeg's default group of pictures (lossy, CRF 18)."""
    movie = folder / "drop" / "loop.mp4"
    encoded = movie.with_name("encoded.mp4")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(movie), "-c:v", "libx264", "-crf", "18",
                    "-pix_fmt", "yuv420p", str(encoded)], check=True)
    encoded.replace(movie)
    return folder


if __name__ == "__main__":
    sys.exit(main())
