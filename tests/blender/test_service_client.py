"""The installed extension's service client, inside Blender, against a running job service.

Blender's main thread only polls futures between its own work; the requests run
on the client's worker thread. The service has no MusicGen weights here: procedural
art works, MusicGen fails with the remedy (the gen extra, or a model it can load).
"""

import time

import bpy
import pytest

from addon.core.character_sheet import read_character
from generators.service.server import ToonbeatService

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0, token="t0ken").start()
    yield running
    running.stop()


@pytest.fixture
def client_module(toonbeat):
    """``core.service_client`` as shipped in the extension zip."""
    import importlib

    return importlib.import_module(f"{toonbeat.__name__}.core.service_client")


def poll(future, scene):
    """What a ``bpy.app.timers`` callback does: check, let Blender work, check again."""
    frames = 0
    while not future.done():
        scene.frame_set(1 + frames % 10)
        frames += 1
        time.sleep(0.01)
    return future.result(), frames


def test_blender_queues_a_job_and_receives_a_character_folder_without_waiting(client_module, service, scene,
                                                                               tmp_path):
    client = client_module.ServiceClient(service.url, token="t0ken", allow_online=bpy.app.online_access)
    worker = client_module.ServiceWorker(client)
    try:
        job, _ = poll(worker.call("submit", "art", {"what": "character", "backend": "procedural", "seed": 3}), scene)
        finished, frames = poll(worker.call("wait", job["id"], 0.05, 120), scene)
        assert finished["status"] == "done", finished["error"]
        assert frames > 0  # Blender kept working while the job ran
        poll(worker.call("download_all", finished, tmp_path), scene)
    finally:
        worker.shutdown()
    assert read_character(tmp_path / "cyborg_dj").pose_names == ("idle", "dance", "headbang", "walk")


def test_a_music_job_the_service_cannot_run_fails_with_the_remedy(client_module, service):
    client = client_module.ServiceClient(service.url, token="t0ken")
    failed = client.wait(client.submit("music", {"preset": "industrial", "seconds": 5})["id"], 0.05, 60)
    assert failed["status"] == "failed"
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "gen extra" in failed["error"]
    else:
        assert "cannot load MusicGen model 'small'" in failed["error"]
        assert "give a size, a hub id that is downloaded or reachable, or a checkpoint folder" in failed["error"]


def test_a_wrong_token_and_a_remote_address_without_online_access_are_refused(client_module, service):
    with pytest.raises(client_module.AuthError):
        client_module.ServiceClient(service.url, token="wrong").health()
    with pytest.raises(client_module.OnlineAccessError, match="Allow Online Access"):
        client_module.ServiceClient("http://gpu.example.org:8765", allow_online=False)


def test_blender_uploads_a_song_and_gets_its_beat_file_back(client_module, service, scene, tmp_path):
    from addon.core import beatfile
    from tests.songs import click_song

    song = tmp_path / "song.wav"
    click_song(song, bpm=128.0, seconds=6.0)
    client = client_module.ServiceClient(service.url, token="t0ken")
    worker = client_module.ServiceWorker(client)
    try:
        upload_id, _ = poll(worker.call("upload", song), scene)
        job, _ = poll(worker.call("submit", "analysis", {"audio": upload_id}), scene)
        finished, _ = poll(worker.call("wait", job["id"], 0.05, 120), scene)
        assert finished["status"] == "done", finished["error"]
        path, _ = poll(worker.call("download", job["id"], "beats.json", tmp_path / "result"), scene)
    finally:
        worker.shutdown()
    assert beatfile.load(path).tempo == pytest.approx(128.0, rel=0.02)
