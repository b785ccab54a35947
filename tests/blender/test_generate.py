"""The Generate panel's jobs: queued on a running service, followed from a timer, results in the scene."""

import bpy
import pytest

from generators.service.server import ToonbeatService
from tests.blender.jobs import follow, use_service
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0).start()
    yield running
    running.stop()


@pytest.fixture
def board(toonbeat, tb, service, scene):
    use_service(toonbeat, service.url)
    board = tb.module("generation").BOARD
    board.jobs.clear()
    return board


def test_generated_characters_and_backgrounds_go_on_stage_while_blender_keeps_working(board, scene, tb, tmp_path):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=6.0, sections=((0.0, "build"), (3.0, "drop")))
    settings = scene.toonbeat
    settings.audio_path, settings.beats_path = str(wav), str(beats_json)
    bpy.ops.toonbeat.load_song()
    settings.generate.art_backend = "procedural"
    assert bpy.ops.toonbeat.generate_art(what="character") == {"FINISHED"}
    assert bpy.ops.toonbeat.generate_art(what="backgrounds") == {"FINISHED"}
    ticks = follow(board)
    assert [job.status for job in board.jobs] == ["done", "done"], [job.message for job in board.jobs]
    assert len(ticks) > 2
    cast = tb.module("stage.sequencer_stage").cast(scene)
    assert cast and cast[0].slots[:4] == ("idle", "dance", "headbang", "walk")
    labels = {s["toonbeat"]["label"] for s in scene.sequence_editor.strips_all if s.get("toonbeat")
              and s["toonbeat"]["role"] == "background"}
    assert labels == {"build", "drop"}
    assert bpy.ops.toonbeat.bake() == {"FINISHED"}


def test_an_analysis_job_uploads_the_song_and_loads_its_beats_and_markers(board, scene, tmp_path):
    wav, _, _ = click_song_with_beat_file(tmp_path, bpm=120.0, seconds=12.0)
    scene.toonbeat.audio_path = str(wav)
    board.submit(bpy.context, "analysis", {}, "beats", "Analysis", upload=wav)
    follow(board)
    [job] = board.jobs
    assert job.status == "done", job.message
    assert scene.toonbeat.beats_path.endswith("beats.json")
    assert any(m.name.startswith("Bar 2") for m in scene.timeline_markers)


def test_a_job_the_service_cannot_run_ends_failed_with_its_reason(board, scene):
    scene.toonbeat.generate.music_model = "/nowhere/musicgen"
    assert bpy.ops.toonbeat.generate_music() == {"FINISHED"}
    follow(board)
    [job] = board.jobs
    assert job.status == "failed"
    assert job.message


def test_a_stopped_service_is_reported_without_a_traceback(toonbeat, tb, scene):
    use_service(toonbeat, "http://127.0.0.1:9")
    board = tb.module("generation").BOARD
    board.jobs.clear()
    bpy.ops.toonbeat.generate_art(what="backgrounds")
    follow(board, timeout=30)
    assert board.jobs[0].status == "failed"
    assert "no Toonbeat service answers" in board.jobs[0].message
