"""Generate Music inside Blender: a (tiny) MusicGen track becomes the song, is analysed and marked.

Needs PyTorch and transformers, so it runs in the test environment that has the
generators' ``gen`` extra (Blender 5.0's), not on every Blender version.
"""

import time

import bpy
import pytest

from generators.service.server import ToonbeatService
from tests.blender.jobs import follow, use_service


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0,
                              read_from=(tmp_path_factory.getbasetemp(),)).start()
    yield running
    running.stop()


def test_a_generated_track_becomes_the_song_with_its_beats_and_markers(toonbeat, tb, service, musicgen, scene):
    use_service(toonbeat, service.url)
    board = tb.module("generation").BOARD
    board.jobs.clear()
    wanted = scene.toonbeat.generate
    wanted.music_model, wanted.music_seconds, wanted.music_preset = str(musicgen), 6.0, "techno"
    assert bpy.ops.toonbeat.generate_music() == {"FINISHED"}
    follow(board)
    assert [(job.kind, job.status) for job in board.jobs] == [("music", "done"), ("analysis", "done")], [
        job.message for job in board.jobs]
    assert scene.toonbeat.audio_path.endswith("track.wav")
    strips = scene.sequence_editor.strips_all
    assert strips["Toonbeat Track"].sound.filepath == scene.toonbeat.audio_path
    assert scene.frame_end - scene.frame_start + 1 == pytest.approx(6.0 * scene.render.fps, abs=2)
    assert any(marker.name.startswith("Bar ") for marker in scene.timeline_markers)


def test_a_service_restart_is_waited_for_and_the_job_it_had_queued_still_lands_in_the_scene(
        toonbeat, tb, musicgen, scene, tmp_path):
    first = ToonbeatService(tmp_path / "service", port=0, read_from=(musicgen,)).start()
    port = first.address[1]
    use_service(toonbeat, first.url)
    board = tb.module("generation").BOARD
    board.jobs.clear()
    music = board.submit(bpy.context, "music", {"prompt": "techno", "seconds": 300.0, "model": str(musicgen),
                                                "backend": "transformers", "device": "cpu", "context": 5.0},
                         "track", "Long track")
    scene.toonbeat.generate.art_backend = "procedural"
    bpy.ops.toonbeat.generate_art(what="character")
    art = board.jobs[1]
    while not (music.status == "running" and music.progress > 0 and art.id):
        board.tick()
        time.sleep(0.02)
    first.stop()  # the music job is interrupted; the art job waits in the queue on disk
    deadline = time.monotonic() + 30.0  # the jobs notice at their next poll, a second or two apart
    while "waiting for the service" not in art.message and time.monotonic() < deadline:
        board.tick()
        time.sleep(0.1)
    assert art.active and "waiting for the service" in art.message
    second = ToonbeatService(tmp_path / "service", port=port, read_from=(musicgen,)).start()
    try:
        follow(board)
    finally:
        second.stop()
    assert music.status == "failed" and "interrupted" in music.message
    assert art.status == "done", art.message
    assert tb.module("stage.sequencer_stage").cast(scene)
