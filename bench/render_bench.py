"""Render benchmark: the same 30 s composition by Toonbeat's sequencer stage, one ffmpeg command, and MoviePy.

The composition: one background, one character cycling four poses on the beats, a
camera shake on downbeats, a white flash on beats, the track muxed as AAC, H.264
encoded by x264 with the settings Blender's writer gives Toonbeat's ``master`` quality
on every side (CRF 17, ``medium`` preset, a keyframe every 18 frames, no B-frames).
The **loop** composition replaces the stills by the character's animated dance
loop (16 drawings every two beats, retimed to the beat) and is rendered by
Toonbeat and by ffmpeg. The **no flash** rows render the loop composition without
its flash on both sides: the flash is most of x264's work, so those rows show the
sequencer's own cost beside ffmpeg's more plainly. Prints wall time, CPU time and
peak memory (the whole process tree) at 720p and 1080p.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python -m bench.render_bench [--sizes 720 1080] [--skip moviepy]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from addon.core import beatfile
from addon.core.beatfile import BeatData
from addon.core.clip import read_clip
from bench.measure import Cost, measure
from generators.art.procedural import draw_backgrounds, draw_character
from generators.music.drum_machine import Part, ground_truth_beat_data, synthesize, write_wav

SECONDS = 30.0
BPM = 128.0
POSES = ("idle", "dance", "headbang", "walk")
FLASH_PEAK = 0.55
FLASH_RELEASE = 0.25
SHAKE = 0.012
EFFECTS = {"pose": {"enabled": True}, "shake": {"enabled": True}, "flash": {"enabled": True}}
PRESET = {"name": "Benchmark", "poses": {"drop": list(POSES)}, "pose_every_beats": 1, "flash_on": "beats",
          "effects": EFFECTS}
LOOP_MOVE = "dance"
X264 = ["-c:v", "libx264", "-crf", "17", "-preset", "medium", "-g", "18", "-bf", "0"]
"""ffmpeg's arguments for the x264 encoding Blender does for ``--quality master`` (its GOP and B-frame defaults)."""
AAC = ["-c:a", "aac", "-b:a", "192k", "-ac", "2"]
"""ffmpeg's arguments for Blender's AAC audio as Toonbeat sets it up (at the song's own 44.1 kHz)."""
LOOP_PRESET = {**PRESET, "name": "Loop benchmark", "poses": {"drop": [LOOP_MOVE]}}
UNLIT_LOOP_PRESET = {**LOOP_PRESET, "name": "Loop benchmark, no flash",
                     "effects": {**EFFECTS, "flash": {"enabled": False}}}


def main() -> int:
    """Build the composition, render it every way, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[720, 1080], help="frame heights (16:9)")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=("ffmpeg", "moviepy", "toonbeat-1", "toonbeat", "loops", "ffmpeg-loops",
                                 "loops-no-flash", "ffmpeg-loops-no-flash"),
                        help="renderers to leave out")
    parser.add_argument("--output", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="toonbeat-bench-") as folder:
        work = Path(folder)
        track, beats = make_track(work)
        for height in args.sizes:
            width = height * 16 // 9
            art = make_art(work / f"{height}p", width, height)
            renderers: list[tuple[str, str, Callable[[], Cost]]] = [
                ("toonbeat-1", "Toonbeat sequencer stage, 1 process",
                 partial(toonbeat, work, track, art, width, height, jobs=1)),
                ("toonbeat", "Toonbeat sequencer stage, 2 processes",
                 partial(toonbeat, work, track, art, width, height, jobs=2)),
                ("ffmpeg", "ffmpeg, one filter graph", partial(ffmpeg, work, track, beats, art, width, height)),
                ("moviepy", "MoviePy", partial(moviepy, work, track, beats, art, width, height)),
                ("loops", "Toonbeat sequencer stage, loops, 1 process",
                 partial(toonbeat, work, track, art, width, height, jobs=1, loops=True)),
                ("ffmpeg-loops", "ffmpeg, one filter graph, loops",
                 partial(ffmpeg_loops, work, track, beats, art, width, height)),
                ("loops-no-flash", "Toonbeat sequencer stage, loops, no flash, 1 process",
                 partial(toonbeat, work, track, art, width, height, jobs=1, loops=True, flash=False)),
                ("ffmpeg-loops-no-flash", "ffmpeg, one filter graph, loops, no flash",
                 partial(ffmpeg_loops, work, track, beats, art, width, height, flash=False)),
            ]
            for key, name, render in renderers:
                if key in args.skip:
                    continue
                print(f"{height}p: {name} ...", flush=True, file=sys.stderr)
                cost = render()
                if cost.returncode != 0:
                    raise SystemExit(f"{name} failed:\n{cost.output[-2000:]}")
                rows.append((f"{width}x{height}", name, cost))
    table = format_table(rows)
    print(table)
    if args.output:
        args.output.write_text(table + "\n")
    return 0


def make_track(work: Path) -> tuple[Path, BeatData]:
    """30 s of four-on-the-floor at 128 BPM (16 bars, one section) and its exact beat file."""
    song = synthesize(bpm=BPM, seed=1, style="house", arrangement=[Part("drop", round(SECONDS * BPM / 240))])
    track = work / "track.wav"
    write_wav(track, song.samples, song.sample_rate)
    beats = ground_truth_beat_data(song, track)
    beatfile.save(beats, work / "track.beats.json")
    return track, beats


def make_art(folder: Path, width: int, height: int) -> dict[str, Path]:
    """One character's four poses, its loops and one background, drawn at the frame size."""
    character = draw_character(folder / "hero", design="cyborg_dj", seed=1, height_px=round(height * 0.7))
    looping = draw_character(folder / "looping", design="cyborg_dj", seed=1, height_px=round(height * 0.7),
                             loops=True)
    backgrounds = draw_backgrounds(folder / "backgrounds", labels=("drop",), size=(width, height), seed=1)
    return {"character": character.folder, "looping": looping.folder, "background": backgrounds["drop"],
            "loop": looping.clips[LOOP_MOVE].folder, **{pose: character.poses[pose][0] for pose in POSES}}


def toonbeat(work: Path, track: Path, art: dict[str, Path], width: int, height: int, jobs: int,
             loops: bool = False, flash: bool = True) -> Cost:
    """Toonbeat's own command line: build the scene and render it."""
    kind = f"{'_loops' if loops else ''}{'' if flash else '_unlit'}"
    preset = work / f"bench{kind}_preset.json"
    preset.write_text(json.dumps((LOOP_PRESET if flash else UNLIT_LOOP_PRESET) if loops else PRESET))
    name = f"toonbeat_{height}_{jobs}{kind}.mp4"
    return measure([sys.executable, "-m", "generators", "render", "--audio", str(track),
                    "--beats", str(work / "track.beats.json"),
                    "--characters", str(art["looping" if loops else "character"]),
                    "--backgrounds", str(art["background"]), "--out", str(work / name),
                    "--resolution", f"{width}x{height}", "--fps", "24", "--quality", "master",
                    "--preset", str(preset), "--jobs", str(jobs)], env=child_env())


def ffmpeg(work: Path, track: Path, beats: BeatData, art: dict[str, Path], width: int, height: int) -> Cost:
    """The same composition as one ffmpeg filter graph, written to be cheap: every still is decoded and
    scaled once and then repeated; the shake crops an overscanned background and moves the overlays;
    poses switch by ``enable`` expressions; the flash is a per-frame brightness curve."""
    period, bar, first = 60.0 / BPM, 240.0 / BPM, beats.beats[0]
    character_height = round(height * 0.62)
    margin = math.ceil(SHAKE * height * 2)
    shake = f"{SHAKE * height:.3f}*exp(-mod(t-{first},{bar})*12)*sin(mod(t-{first},{bar})*60)"

    def still(index: int, scale: str) -> str:
        return f"[{index}:v]scale={scale},loop=loop=-1:size=1:start=0,setpts=N/24/TB"

    graph = [f"{still(0, f'{width + 2 * margin}:{height + 2 * margin}')},"
             f"crop={width}:{height}:x='{margin}+{shake}':y='{margin}+{shake}',setsar=1[stage0]"]
    for index in range(len(POSES)):
        graph.append(f"{still(index + 1, f'-1:{character_height}')}[pose{index}]")
        graph.append(
            f"[stage{index}][pose{index}]overlay=eval=frame:x='(W-w)/2-({shake})':y='H*0.92-h-({shake})':"
            f"enable='eq(mod(floor((t-{first})/{period}+0.001),4),{index})':shortest=1[stage{index + 1}]")
    graph.append(
        f"[stage{len(POSES)}]eq=eval=frame:brightness='{FLASH_PEAK}*max(0,1-mod(t-{first},{period})/{FLASH_RELEASE})',"
        "format=yuv420p[video]")
    inputs = ["-i", str(art["background"])]
    for pose in POSES:
        inputs += ["-i", str(art[pose])]
    return measure(["ffmpeg", "-v", "error", "-y", *inputs, "-i", str(track), "-filter_complex", ";".join(graph),
                    "-map", "[video]", "-map", f"{len(POSES) + 1}:a", "-t", str(SECONDS), "-r", "24",
                    *X264, *AAC, str(work / f"ffmpeg_{height}.mp4")])


def ffmpeg_loops(work: Path, track: Path, beats: BeatData, art: dict[str, Path], width: int, height: int,
                 flash: bool = True) -> Cost:
    """The loop composition as one ffmpeg filter graph: the dance loop's frames read as a looping image
    sequence at the rate that plays one cycle every two beats (the track keeps one tempo), resampled to
    24 fps, overlaid with the shake; the flash (unless ``flash`` is false) as in :func:`ffmpeg`."""
    period, bar, first = 60.0 / BPM, 240.0 / BPM, beats.beats[0]
    clip = read_clip(art["loop"])
    character_height = round(height * 0.62)
    margin = math.ceil(SHAKE * height * 2)
    shake = f"{SHAKE * height:.3f}*exp(-mod(t-{first},{bar})*12)*sin(mod(t-{first},{bar})*60)"
    cycle_rate = clip.frame_count / (clip.beats_per_cycle * period)
    flash_filter = f"eq=eval=frame:brightness='{FLASH_PEAK}*max(0,1-mod(t-{first},{period})/{FLASH_RELEASE})',"
    graph = [f"[0:v]scale={width + 2 * margin}:{height + 2 * margin},loop=loop=-1:size=1:start=0,setpts=N/24/TB,"
             f"crop={width}:{height}:x='{margin}+{shake}':y='{margin}+{shake}',setsar=1[stage]",
             f"[1:v]scale=-1:{character_height},setpts=PTS+{first}/TB,fps=24[dancer]",
             f"[stage][dancer]overlay=eval=frame:x='(W-w)/2-({shake})':y='H*0.92-h-({shake})':shortest=1[lit]",
             f"[lit]{flash_filter if flash else ''}format=yuv420p[video]"]
    pattern = str(clip.folder / (clip.frames or "").replace("{index:04d}", "%04d"))
    inputs = ["-i", str(art["background"]), "-stream_loop", "-1", "-framerate", f"{cycle_rate:.6f}", "-i", pattern]
    return measure(["ffmpeg", "-v", "error", "-y", *inputs, "-i", str(track), "-filter_complex", ";".join(graph),
                    "-map", "[video]", "-map", "2:a", "-t", str(SECONDS), "-r", "24",
                    *X264, *AAC, str(work / f"ffmpeg_{height}_loops{'' if flash else '_unlit'}.mp4")])


def moviepy(work: Path, track: Path, beats: BeatData, art: dict[str, Path], width: int, height: int) -> Cost:
    """The same composition with MoviePy's clips, in a child Python so its memory is measured alone."""
    script = work / "moviepy_render.py"
    script.write_text(MOVIEPY_SCRIPT)
    settings = {"track": str(track), "beats": list(beats.beats), "downbeats": list(beats.downbeats),
                "art": {k: str(v) for k, v in art.items()}, "width": width, "height": height,
                "seconds": SECONDS, "poses": POSES, "flash_peak": FLASH_PEAK, "flash_release": FLASH_RELEASE,
                "shake": SHAKE, "x264": X264[2:], "out": str(work / f"moviepy_{height}.mp4")}
    return measure([sys.executable, str(script), json.dumps(settings)], cwd=work)


MOVIEPY_SCRIPT = '''
import json, math, sys
from moviepy import AudioFileClip, ColorClip, CompositeVideoClip, ImageClip, vfx

s = json.loads(sys.argv[1])
width, height, seconds = s["width"], s["height"], s["seconds"]
zoom = 1 + 2 * s["shake"]
downbeats = s["downbeats"]

def shake(t):
    last = max([d for d in downbeats if d <= t], default=-10.0)
    dt = t - last
    offset = s["shake"] * height * math.exp(-dt * 12) * math.sin(dt * 60)
    return (-(zoom - 1) * width / 2 + offset, -(zoom - 1) * height / 2 + offset)

background = ImageClip(s["art"]["background"]).resized((width, height)).with_duration(seconds)
poses = [ImageClip(s["art"][p]).resized(height=round(height * 0.62)) for p in s["poses"]]
clips = [background]
beats = s["beats"] + [seconds]
for index, (start, end) in enumerate(zip(beats[:-1], beats[1:])):
    pose = poses[index % len(poses)]
    clips.append(pose.with_start(start).with_duration(end - start)
                 .with_position(((width - pose.w) / 2, height * 0.92 - pose.h)))
stage = CompositeVideoClip(clips, size=(width, height)).resized(zoom).with_position(shake)
flashes = [ColorClip((width, height), color=(255, 255, 255)).with_start(t).with_duration(s["flash_release"])
           .with_opacity(s["flash_peak"]).with_effects([vfx.FadeOut(s["flash_release"])]) for t in s["beats"]]
video = CompositeVideoClip([stage, *flashes], size=(width, height)).with_duration(seconds)
video = video.with_audio(AudioFileClip(s["track"]).subclipped(0, seconds))
video.write_videofile(s["out"], fps=24, codec="libx264", ffmpeg_params=s["x264"], audio_codec="aac",
                      audio_bitrate="192k", audio_fps=44100, threads=2, logger=None)
'''


def child_env() -> dict[str, str]:
    """The environment for a child Python that imports this checkout's ``addon`` and ``generators``."""
    root = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def format_table(rows: list[tuple[str, str, Cost]]) -> str:
    """A markdown table: one row per renderer and size, speed as a multiple of real time."""
    lines = ["| size | renderer | wall s | CPU s | peak MB | x real time |", "|---|---|---:|---:|---:|---:|"]
    for size, name, cost in rows:
        lines.append(f"| {size} | {name} | {cost.wall_s:.1f} | {cost.cpu_s:.1f} | {cost.peak_mb:.0f} | "
                     f"{SECONDS / cost.wall_s:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
