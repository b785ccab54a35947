"""Toonbeat as an artist uses it: installed from the zip into Debian's Blender 4.3, driven in a real window.

``python3 build.py test`` makes the Debian root (``tests/window/chroot.py``) and the zip and
runs this file with ``TOONBEAT_WINDOW_ROOT``, ``TOONBEAT_ZIP`` and ``TOONBEAT_LTS_PYTHON`` (the
Blender 4.5 environment's Python) set. Blender runs under
Xvfb in that root, with this checkout, the generators' environment and its Python bound in
at the same paths, so the Analyze button runs the real analysis. The same scene is then
rendered by the real binary headless, and by ``blender -b --command toonbeat render``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.art import background_folder, character_folder, clip_character_folder
from tests.media import probe, stream
from tests.songs import click_song
from tests.window.chroot import mounted

pytestmark = pytest.mark.window

ROOT = Path(__file__).resolve().parents[2]
DRIVE = Path(__file__).with_name("drive.py")
SONG_SECONDS = 48.0  # the session's song: its analysis, bake and renders
LONG_SONG_MINUTES = 30.0  # still analysing when Esc comes (about 5 s here), on a slow machine too
FPS = 24
PREVIEW_END = 48
SCREEN = "1600x1100x24"
FROZEN_SECONDS = 30.0
WINDOW_TIMEOUT = 900
README_PICTURES = ("panels_view3d", "song_analyzing", "sequencer", "panel_generate", "graph_editor",
                   "timeline_markers")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One artist's session in the window, then the headless renders of its scene; what each printed."""
    root, package, work, out = session_folders(tmp_path_factory, "window")
    song = work / "song" / "club.wav"
    song.parent.mkdir()
    click_song(song, bpm=120.0, seconds=SONG_SECONDS, sections=((0.0, "intro"), (8.0, "drop")))
    long_song = song.with_name("long.wav")
    click_song(long_song, bpm=120.0, seconds=LONG_SONG_MINUTES * 60, sample_rate=22050)
    job = {
        "out": str(out), "song": str(song), "long_song": str(long_song), "video": str(work / "window.mp4"),
        "blend": str(work / "scene.blend"),
        "character": str(character_folder(work / "hero")),
        "loop_character": str(clip_character_folder(work / "dancer", {"dance": (24, 2, (0, 12)),
                                                                     "idle": (16, 2, (0, 8))}, size=(240, 400))),
        "backgrounds": str(background_folder(work / "backgrounds", labels=("intro", "drop"))),
        "generators_python": str(generators_python(work)), "preview_end": PREVIEW_END,
    }
    (work / "job.json").write_text(json.dumps(job))
    env = blender_env(work)
    binds = (ROOT, Path(sys.prefix), *python_binds(), work, package.parent)
    logs: dict[str, subprocess.CompletedProcess[str]] = {}

    def blender(name: str, *arguments: str, window: bool = False) -> subprocess.CompletedProcess[str]:
        logs[name] = run_blender(root, env, out / f"{name}.log", *arguments, window=window)
        return logs[name]

    with mounted(root, binds):
        blender("install", "--command", "extension", "install-file", "-r", "user_default", "-e", str(package))
        blender("window", "--enable-event-simulate", "--python", str(DRIVE), window=True)
        window_video = Path(job["video"])
        gui_video = window_video.with_name("gui.mp4")
        if window_video.exists():
            window_video.rename(gui_video)
        blender("headless", "-b", job["blend"], "-a")
        blender("help", "-b", "--command", "toonbeat", "--help")
        lts_blend = save_with_the_lts_module(work)
        blender("lts_file", "-b", str(lts_blend), "--python-expr", "import bpy; print('opened', bpy.data.version)")
        blender("command", "-b", "--command", "toonbeat", "render", "--audio", str(song),
                "--beats", str(song.with_name("club.beats.json")), "--characters", job["character"],
                "--backgrounds", job["backgrounds"], "--out", str(work / "command.mp4"), "--resolution", "320x180")
        crop_screenshots(root, out)
    docs = os.environ.get("TOONBEAT_WINDOW_DOCS")
    if docs:
        for name in README_PICTURES:
            shutil.copyfile(out / f"{name}.cropped.png", Path(docs) / f"{name}.png")
    return {"work": work, "out": out, "logs": logs, "gui_video": gui_video, "headless_video": window_video}


def session_folders(tmp_path_factory, name: str) -> tuple[Path, Path, Path, Path]:
    """The Debian root and the zip from the environment, and a fresh work folder ``name`` with its ``out/``."""
    work = tmp_path_factory.mktemp(name)
    (work / "out").mkdir()
    return Path(os.environ["TOONBEAT_WINDOW_ROOT"]), Path(os.environ["TOONBEAT_ZIP"]), work, work / "out"


def blender_env(work: Path) -> dict[str, str]:
    """The environment of Blender in the root: a home of its own in ``work``, the job in ``work/job.json``."""
    return {"HOME": str(work / "home"), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
            "TOONBEAT_WINDOW_JOB": str(work / "job.json")}


def run_blender(root: Path, env: dict[str, str], log: Path, *arguments: str,
                window: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the root's Blender with ``arguments`` (in an Xvfb screen when ``window``); its output goes to ``log``."""
    command = ["blender", *arguments]
    if window:
        command = ["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}", *command]
    done = subprocess.run(["chroot", str(root), "env", *(f"{k}={v}" for k, v in env.items()), *command],
                          capture_output=True, text=True, timeout=WINDOW_TIMEOUT, check=False)
    log.write_text(done.stdout + done.stderr)
    return done


def crop_screenshots(root: Path, out: Path) -> None:
    """Cut each screenshot the driver took to the box it recorded, as ``<name>.cropped.png``."""
    for name, shot in _screenshots(out).items():
        width, height = shot["box"][2:]
        x, y = shot["box"][:2]
        subprocess.run(["chroot", str(root), "convert", shot["path"], "-crop", f"{width}x{height}+{x}+{y}",
                        "+repage", str(out / f"{name}.cropped.png")], check=True)


def generators_python(work: Path) -> Path:
    """What the artist sets as the Generators Python: this environment's Python, with this checkout on its path."""
    wrapper = work / "generators-python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def save_with_the_lts_module(work: Path) -> Path:
    """A scene saved by Blender 4.5 LTS as a module, the Blender that writes ``out/demo.blend``."""
    path = work / "lts.blend"
    subprocess.run([os.environ["TOONBEAT_LTS_PYTHON"], "-c", "import sys, bpy; "
                    "bpy.ops.wm.save_as_mainfile(filepath=sys.argv[1])", str(path)],
                   env={**os.environ, "HOME": str(work / "lts-home")}, check=True, capture_output=True)
    return path


def python_binds() -> tuple[Path, ...]:
    """What the generators' environment needs from the Python it was made with: the whole installation,
    or its interpreter and standard library where that is the system's own (``/usr``)."""
    base = Path(sys.base_prefix)
    if base != Path("/usr"):
        return (base,)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return (Path(os.path.realpath(sys.executable)), base / "lib" / version)


def _screenshots(out: Path) -> dict:
    found = out / "result.json"
    return json.loads(found.read_text())["screenshots"] if found.exists() else {}


def result_of(session) -> dict:
    found = session["out"] / "result.json"
    assert found.exists(), "the window session wrote no result:\n" + session["logs"]["window"].stdout[-4000:]
    return json.loads(found.read_text())


def test_the_extension_installs_from_its_zip_with_blenders_own_command(session):
    done = session["logs"]["install"]
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_panel_step_runs_without_an_error_or_a_traceback(session):
    result = result_of(session)
    assert result["failures"] == []
    for name, done in session["logs"].items():
        assert "Traceback" not in done.stdout + done.stderr, f"{name}:\n{done.stdout}{done.stderr}"


def test_the_window_never_froze(session):
    result = result_of(session)
    assert len(result["heartbeats"]) > 20
    # Software OpenGL (llvmpipe) on a busy machine may take seconds for one redraw; a freeze takes longer.
    assert result["longest_heartbeat_gap"] < FROZEN_SECONDS


def test_a_grease_pencil_import_traces_its_loops_from_a_timer_showing_progress(session):
    tracing = result_of(session)["tracing"]
    assert tracing["progress"][0].startswith("Tracing drawings for Grease Pencil: ")
    assert any(text.endswith(" of 40 (Esc cancels)") for text in tracing["progress"]), tracing["progress"]
    assert len(tracing["progress"]) >= 5, "the progress moved on as the drawings were traced"
    assert tracing["heartbeats"] >= 5 and tracing["longest_gap"] < tracing["seconds"] / 2, tracing
    assert tracing["untraced_after"] == 0 and tracing["drawing_objects"] == ["dancer drawing"]


def test_analysis_shows_percent_and_time_left_and_loads_concise_markers(session):
    result = result_of(session)
    assert any(re.fullmatch(r"Analyzing: \d+%, (\d+ s|\d+:\d\d min) left", text)
               for text in result["analysis_progress"]), result["analysis_progress"]
    names = [name for _, name in result["markers"]]
    assert "Bar 2" in names and "Drop" in names
    assert all(re.fullmatch(r"Bar \d+|[A-Z][a-z]+", name) for name in names), names
    assert result["frame_range"] == [1, int(SONG_SECONDS * FPS)]
    assert result["song_hashed_in_window"] == [], "the window hashed the song again after its analysis"


def test_imported_strips_are_not_left_selected(session):
    result = result_of(session)
    assert len(result["strips"]) >= 3
    assert result["selected_strips"] == []


def test_bake_keys_the_choreography_and_keeps_the_artists_frame_range(session):
    result = result_of(session)
    assert result["frame_range_after_bake"] == [1, PREVIEW_END]
    assert result["keys"] > 50
    assert "Camera" in " ".join(result["key_groups"])


def test_generate_without_a_service_fails_with_the_whole_hint(session):
    jobs = result_of(session)["jobs"]
    assert [job["status"] for job in jobs] == ["failed", "failed"]
    assert all("toonbeat serve" in job["message"] for job in jobs)


def test_render_video_in_the_window_writes_the_artists_range_with_the_song(session):
    _assert_video(session["gui_video"], PREVIEW_END / FPS, (1920, 1080))


def test_the_saved_scene_renders_headless_with_the_real_binary(session):
    done = session["logs"]["headless"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    _assert_video(session["headless_video"], PREVIEW_END / FPS, (1920, 1080))


def test_a_scene_saved_by_the_lts_module_opens_in_43_as_out_demo_blend_must(session):
    done = session["logs"]["lts_file"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "opened (4, 5," in done.stdout


def test_the_command_line_renders_and_helps(session):
    done = session["logs"]["command"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    _assert_video(session["work"] / "command.mp4", SONG_SECONDS, (320, 180))
    helped = session["logs"]["help"]
    assert helped.returncode == 0 and "render" in helped.stdout


def _assert_video(path: Path, seconds: float, size: tuple[int, int]) -> None:
    assert path.exists(), f"{path} was not written"
    info = probe(path)
    video = stream(info, "video")
    assert (video["width"], video["height"]) == size
    assert stream(info, "audio")["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(seconds, abs=0.25)
