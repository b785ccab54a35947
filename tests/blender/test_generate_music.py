"""Generate Music inside Blender: a (tiny) MusicGen track becomes the song, is analysed and marked.

Needs PyTorch and transformers, so it runs in the test environment that has the
generators' ``gen`` extra (Blender 5.0's), not on every Blender version.
"""

import bpy
import pytest

from generators.service.server import ToonbeatService
from tests import tiny_models
from tests.blender.jobs import follow, use_service


@pytest.fixture(scope="module")
def musicgen(tmp_path_factory):
    return tiny_models.tiny_musicgen(tmp_path_factory.mktemp("musicgen"))


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0).start()
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
