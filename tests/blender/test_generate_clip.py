"""Generate Clip in Blender: a tiny AnimateDiff on a real service process, the clip on the timeline on the beats.

The service runs as ``toonbeat serve`` in a Python with the gen extra, as it does for users:
this one on Blender 5.0's environment, the one ``TOONBEAT_GENERATORS_PYTHON`` names on
4.5's (which has no torch); ``python3 build.py test`` sets it.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import bpy
import pytest

from tests.blender.jobs import follow, use_service
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
ROOT = Path(__file__).resolve().parents[2]
BUILD_MODELS = """
import json, sys
from pathlib import Path
from tests import tiny_models
root = Path(sys.argv[1])
sd15 = tiny_models.tiny_stable_diffusion(root / "sd15")
adapter = tiny_models.tiny_motion_adapter(root / "adapter")
controlnet = tiny_models.tiny_controlnet(sd15, root / "controlnet")
print(json.dumps({"clip_model": str(sd15), "clip_motion_adapter": str(adapter), "clip_controlnet": str(controlnet)}))
"""


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def generators_python() -> str:
    """A Python with the gen extra: this one, or the one the test command names."""
    if importlib.util.find_spec("diffusers") is not None:
        return sys.executable
    named = os.environ.get("TOONBEAT_GENERATORS_PYTHON")
    assert named, "this Python has no diffusers: set TOONBEAT_GENERATORS_PYTHON to one with the gen extra"
    return named


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("video-models")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    built = subprocess.run([generators_python(), "-c", BUILD_MODELS, str(root)], env=environment, check=True,
                           timeout=600, capture_output=True, text=True)
    return json.loads(built.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def service(tmp_path_factory, models):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    environment.pop("TOONBEAT_TOKEN", None)
    work = tmp_path_factory.mktemp("service")
    url = f"http://127.0.0.1:{port}"
    with open(work / "serve.log", "w") as log:
        process = subprocess.Popen([generators_python(), "-m", "generators", "serve", "--port", str(port),
                                    "--work-dir", str(work / "jobs"), "--read-from",
                                    str(Path(models["clip_model"]).parents[1])], env=environment, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while not answers(url):
            assert process.poll() is None and time.monotonic() < deadline, (work / "serve.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.fixture
def song(toonbeat, tb, service, scene, models, tmp_path):
    use_service(toonbeat, service)
    board = tb.module("generation").BOARD
    board.jobs.clear()
    board.save()
    wav, beats_json, beats = click_song_with_beat_file(tmp_path, bpm=120.0, seconds=8.0,
                                                       sections=((0.0, "build"), (4.0, "drop")))
    settings = scene.toonbeat
    settings.audio_path, settings.beats_path = str(wav), str(beats_json)
    assert bpy.ops.toonbeat.load_song() == {"FINISHED"}
    wanted = settings.generate
    for name, value in {**models, "clip_frames": 4, "clip_steps": 2, "clip_width": 32, "clip_height": 32}.items():
        setattr(wanted, name, value)
    return board, beats


def test_a_dance_clip_lands_as_the_character_dancing_it_on_the_beats(song, tb, scene):
    board, beats = song
    scene.toonbeat.generate.clip_move = "dance"
    assert bpy.ops.toonbeat.generate_clip() == {"FINISHED"}
    follow(board, timeout=900)
    [job] = board.jobs
    assert job.status == "done", job.message
    member = next(m for m in tb.module("stage.sequencer_stage").cast(scene) if m.name == "cyborg_dj dance")
    assert member.slots == ("dance",) and member.timings[0].beats_per_cycle == 2
    assert bpy.ops.toonbeat.bake() == {"FINISHED"}
    speed = next(s for s in scene.sequence_editor.strips_all if s.type == "SPEED")
    rate = scene.render.fps / scene.render.fps_base
    beat_frame = scene.frame_start + beats.beats[4] * rate
    scene.frame_set(round(beat_frame))
    assert speed.speed_frame_number == pytest.approx(0.0, abs=0.6)  # each cycle starts on a beat: its first hit


def test_a_shot_is_laid_over_the_section_under_the_playhead_and_made_again_in_its_place(song, tb, scene):
    board, beats = song
    rate = scene.render.fps / scene.render.fps_base
    compat = tb.module("compat")
    user = compat.new_effect_strip(scene, "Mine", "COLOR", 9, 1, 20)
    wanted = scene.toonbeat.generate
    wanted.clip_move, wanted.clip_beats_per_cycle, wanted.clip_section = "NONE", 2, "PLAYHEAD"
    for _ in range(2):
        scene.frame_set(scene.frame_start + round(5.0 * rate))  # in the drop (following the jobs moves it)
        assert bpy.ops.toonbeat.generate_clip() == {"FINISHED"}
        follow(board, timeout=900)
        assert all(job.status == "done" for job in board.jobs), [job.message for job in board.jobs]
    shots = [s for s in compat.strips(scene) if s.get("toonbeat") and s["toonbeat"]["role"] == "shot"]
    assert len(shots) == 1 and shots[0]["toonbeat"]["label"] == "drop"
    shot = shots[0]
    start = scene.frame_start + round(4.0 * rate)
    assert (shot.frame_final_start, shot.frame_final_end) == (start, scene.frame_start + round(8.0 * rate))
    assert shot.channel > 9 and len(shot.input_1.elements) == 4
    assert (user.channel, user.frame_final_start, user.frame_final_end, user.type) == (9, 1, 21, "COLOR")
    second_cycle = scene.frame_start + next(b for b in beats.beats if b >= 4.0 + 1.0 - 1e-6) * rate
    scene.frame_set(round(second_cycle) - 2)
    late = shot.speed_frame_number
    scene.frame_set(round(second_cycle))
    assert late > 2.5 and shot.speed_frame_number == pytest.approx(0.0, abs=0.3)  # starts over on its beat


def test_a_clip_for_a_song_without_beats_is_refused_with_what_to_do(toonbeat, tb, scene):
    scene.toonbeat.beats_path = ""
    with pytest.raises(RuntimeError, match="load a song and its beats first"):
        bpy.ops.toonbeat.generate_clip()
