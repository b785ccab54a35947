"""The job service over real loopback HTTP, driven through the add-on's client."""

import http.client
import json
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from addon.core import beatfile
from addon.core.character_sheet import read_character
from addon.core.service_client import (
    AuthError,
    OnlineAccessError,
    RequestError,
    ServiceClient,
    ServiceError,
    ServiceUnavailableError,
    ServiceWorker,
)
from generators.errors import ToonbeatError
from generators.service.server import ToonbeatService
from tests import tiny_models
from tests.songs import click_song


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    # The tiny models live in pytest's temporary folders: the service may read from there.
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0,
                              read_from=(tmp_path_factory.getbasetemp(),)).start()
    yield running
    running.stop()


@pytest.fixture
def client(service) -> ServiceClient:
    return ServiceClient(service.url, timeout=5.0)


def music_params(model: Path, **changes) -> dict:
    params = {"prompt": "techno, 130 BPM", "seconds": 4.0, "window": 3.0, "context": 1.0, "crossfade": 0.5,
              "model": str(model), "backend": "transformers", "device": "cpu", "top_k": 20}
    params.update(changes)
    return params


def raw(service, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    host, port = service.address
    connection = http.client.HTTPConnection(host, port, timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"null")


def test_a_music_job_reports_progress_and_its_files_download(client, musicgen, tmp_path):
    job = client.submit("music", music_params(musicgen))
    assert job["status"] in ("queued", "running") and job["params"]["sample_rate"] == 48_000
    seen = []
    while (status := client.job(job["id"]))["status"] not in ("done", "failed", "cancelled"):
        seen.append(status["progress"])
        time.sleep(0.02)
    assert status["status"] == "done", status["error"]
    assert status["progress"] == 1.0 and seen == sorted(seen)
    assert status["files"] == ["track.wav", "track.music.json"]
    files = client.download_all(status, tmp_path)
    assert soundfile.info(files[0]).frames == 4 * 48_000
    assert json.loads(files[1].read_text())["prompt"] == "techno, 130 BPM"


def test_models_stay_loaded_between_jobs(service, client, musicgen):
    before = service.models.loads
    for seed in (1, 2):
        done = client.wait(client.submit("music", music_params(musicgen, seconds=2.0, seed=seed))["id"], 0.05, 60)
        assert done["status"] == "done"
    assert service.models.loads - before <= 1
    assert any(str(musicgen) in model for model in client.health()["models"])


def test_cancel_stops_a_running_job_and_a_queued_one_never_starts(client, musicgen):
    running = client.submit("music", music_params(musicgen, seconds=120.0, window=30.0, context=5.0))
    queued = client.submit("music", music_params(musicgen, seconds=2.0))
    while client.job(running["id"])["progress"] == 0.0:
        time.sleep(0.02)
    assert client.cancel(queued["id"])["status"] == "cancelled"
    client.cancel(running["id"])
    stopped = client.wait(running["id"], 0.05, 30)
    assert stopped["status"] == "cancelled" and stopped["files"] == [] and stopped["progress"] < 0.5
    never = client.job(queued["id"])
    assert never["status"] == "cancelled" and never["started"] is None


def test_an_art_job_returns_character_folders_that_read_back_after_download(client, stable_diffusion, tmp_path):
    params = {"what": "character", "model": str(stable_diffusion), "device": "cpu", "steps": 2, "width": 64,
              "height": 64, "poses": ["idle", "dance"], "secondary": []}
    done = client.wait(client.submit("art", params)["id"], 0.05, 60)
    assert done["status"] == "done", done["error"]
    client.download_all(done, tmp_path)
    character = read_character(tmp_path / "cyborg_dj")
    assert character.pose_names == ("idle", "dance") and "prompts" in character.extra


def test_an_uploaded_song_is_analysed_beside_a_running_gpu_job(client, musicgen, tmp_path):
    song = tmp_path / "song.wav"
    truth = click_song(song, bpm=120.0, seconds=8.0)
    music = client.submit("music", music_params(musicgen, seconds=300.0, window=30.0, context=5.0))
    analysis = client.submit("analysis", {"audio": client.upload(song)})
    done = client.wait(analysis["id"], 0.05, 120)
    assert done["status"] == "done", done["error"]
    assert client.job(music["id"])["status"] in ("queued", "running")  # analysis did not wait for the GPU job
    client.cancel(music["id"])
    beats = beatfile.load(client.download(done["id"], "beats.json", tmp_path))
    assert beats.tempo == pytest.approx(truth.tempo, rel=0.02)
    assert beats.duration == pytest.approx(8.0, abs=0.01)


def test_bad_requests_name_the_field(client, service):
    cases = [
        (("painting", {}), "kind"),
        (("music", {"prompt": "x", "seconds": "long"}), "params.seconds"),
        (("music", {"prompt": "x", "seconds": 0}), "params.seconds"),
        (("music", {"prompt": "x", "tempo": 120}), "params.tempo"),
        (("music", {}), "params.prompt"),
        (("art", {"what": "character", "poses": ["idle", 3]}), "params.poses[1]"),
        (("analysis", {"audio": "0123abcd"}), "params.audio"),
        (("music", "industrial"), "params"),
    ]
    for (kind, params), field in cases:
        with pytest.raises(RequestError) as caught:
            client.submit(kind, params)
        assert caught.value.status == 400 and caught.value.field == field
    status, body = raw(service, "POST", "/jobs", b"{not json", {"Content-Type": "application/json"})
    assert status == 400 and body["field"] == "body" and "not valid JSON" in body["error"]


def test_unknown_jobs_routes_and_files_are_404(client, service):
    with pytest.raises(RequestError) as caught:
        client.job("nope")
    assert caught.value.status == 404 and "no job" in str(caught.value)
    assert raw(service, "GET", "/nowhere")[0] == 404
    assert raw(service, "GET", "/jobs/nope/files/track.wav")[0] == 404


def test_a_missing_model_fails_the_job_with_a_readable_message(client, tmp_path):
    failed = client.wait(client.submit("music", music_params(tmp_path / "no-model"))["id"], 0.05, 30)
    assert failed["status"] == "failed" and "cannot load MusicGen model" in failed["error"]


def test_an_uploaded_melody_reaches_the_job(client, musicgen, tmp_path):
    melody = tmp_path / "hum.wav"
    soundfile.write(melody, 0.3 * np.sin(np.linspace(0, 2000, 16_000)), 16_000)
    upload_id = client.upload(melody)
    failed = client.wait(client.submit("music", music_params(musicgen, melody=upload_id))["id"], 0.05, 30)
    assert failed["status"] == "failed" and "no melody conditioning" in failed["error"]


def test_the_openapi_description_lists_the_routes_and_job_parameters(client, service):
    status, document = raw(service, "GET", "/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.1")
    assert {"/jobs", "/jobs/{job_id}", "/jobs/{job_id}/cancel", "/jobs/{job_id}/files/{path}", "/uploads"} <= set(
        document["paths"])
    music = document["components"]["schemas"]["MusicParams"]["properties"]
    assert music["sample_rate"]["enum"] == [44_100, 48_000] and music["seconds"]["default"] == 180.0


def test_a_token_protected_service_refuses_requests_without_the_token(tmp_path):
    guarded = ToonbeatService(tmp_path, port=0, token="s3cret").start()
    try:
        with pytest.raises(AuthError, match="refused the token"):
            ServiceClient(guarded.url).health()
        with pytest.raises(AuthError):
            ServiceClient(guarded.url, token="guess").health()
        assert ServiceClient(guarded.url, token="s3cret").health()["status"] == "ok"
        assert raw(guarded, "GET", "/openapi.json")[0] == 401
    finally:
        guarded.stop()


def test_listening_beyond_this_machine_needs_a_token(tmp_path):
    with pytest.raises(ToonbeatError, match="without a token"):
        ToonbeatService(tmp_path, host="0.0.0.0", port=0)
    open_to_all = ToonbeatService(tmp_path, host="0.0.0.0", port=0, token="s3cret")
    open_to_all.close()


def test_a_stopped_service_or_a_silent_one_is_a_clear_error(tmp_path):
    stopped = ToonbeatService(tmp_path, port=0).start()
    url = stopped.url
    stopped.stop()
    with pytest.raises(ServiceUnavailableError, match="toonbeat serve"):
        ServiceClient(url).health()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(ServiceUnavailableError, match="timed out"):
            ServiceClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3).health()


def test_the_client_refuses_other_machines_unless_online_access_is_allowed():
    with pytest.raises(OnlineAccessError, match="online access"):
        ServiceClient("http://gpu.example.org:8765")
    assert ServiceClient("http://gpu.example.org:8765", allow_online=True).base_url == "http://gpu.example.org:8765"
    assert ServiceClient("http://localhost:8765").base_url == "http://localhost:8765"
    with pytest.raises(ServiceError, match="must look like"):
        ServiceClient("127.0.0.1:8765")


def test_the_worker_answers_through_futures_the_caller_polls(client, musicgen):
    worker = ServiceWorker(client)
    caller = threading.current_thread()
    ran_on: list[threading.Thread] = []
    client_submit = client.submit

    def submit_and_note_thread(*args, **kwargs):
        ran_on.append(threading.current_thread())
        return client_submit(*args, **kwargs)

    client.submit = submit_and_note_thread
    try:
        future = worker.call("submit", "music", music_params(musicgen, seconds=2.0))
        while not future.done():
            time.sleep(0.01)
        job = future.result()
        status = worker.call("wait", job["id"], 0.05, 60)
        while not status.done():
            time.sleep(0.01)
        assert status.result()["status"] == "done"
        assert ran_on and ran_on[0] is not caller
        failing = worker.call("job", "nope")
        while not failing.done():
            time.sleep(0.01)
        assert isinstance(failing.exception(), RequestError)
    finally:
        worker.shutdown()


def test_toonbeat_serve_runs_as_a_process_and_refuses_an_open_address_without_a_token(tmp_path):
    import os
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = str(Path(__file__).resolve().parents[1])
    environment = {**os.environ, "PYTHONPATH": root}
    environment.pop("TOONBEAT_TOKEN", None)
    refused = subprocess.run([sys.executable, "-m", "generators", "serve", "--host", "0.0.0.0"], cwd=tmp_path,
                             env=environment, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 1 and "without a token" in refused.stderr
    server = subprocess.Popen([sys.executable, "-m", "generators", "serve", "--port", str(port), "--token", "abc",
                               "--work-dir", str(tmp_path / "work")], cwd=tmp_path, env=environment,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert "token required" in server.stderr.readline()
        assert ServiceClient(f"http://127.0.0.1:{port}", token="abc").health()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)


# IP-Adapter, a single file's config, LoRA weights and key tolerance: passed through the service to the drawing.

def draw_character(service, tmp_path: Path, **params) -> Path:
    client = ServiceClient(service.url, timeout=10.0)
    job = client.submit("art", {"what": "character", "device": "cpu", "steps": 2, "width": 64, "height": 64,
                                "poses": ["idle", "dance"], "secondary": [], **params})
    deadline = time.monotonic() + 300
    while (status := client.job(job["id"]))["status"] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert status["status"] == "done", status["error"]
    client.download_all(status, tmp_path)
    return tmp_path / "cyborg_dj"


def test_a_single_file_checkpoint_with_its_config_a_weighted_lora_and_an_ip_adapter_go_through_the_service(
        service, stable_diffusion, tmp_path):
    checkpoint = tiny_models.single_file_checkpoint(stable_diffusion, tmp_path / "model.safetensors")
    lora = tiny_models.tiny_lora(stable_diffusion, tmp_path / "lora")
    adapter = tiny_models.tiny_ip_adapter(stable_diffusion, tmp_path / "ip-adapter")
    folder = draw_character(service, tmp_path / "out", model=str(checkpoint), config=str(stable_diffusion),
                            ip_adapter=str(adapter), loras=[{"path": str(lora), "weight": 0.5}])
    sheet = json.loads((folder / "character.json").read_text())
    assert sheet["loras"] == [[str(lora), 0.5]]
    assert sheet["second_stage"] == "ip-adapter"
    assert sheet["model"] == str(checkpoint)


def test_the_key_tolerance_reaches_the_keyer(service, stable_diffusion, tmp_path):
    client = ServiceClient(service.url, timeout=10.0)
    params = {"what": "character", "model": str(stable_diffusion), "device": "cpu", "steps": 2, "width": 64,
              "height": 64, "poses": ["idle"], "secondary": [], "seed": 4}
    everything_keyed = client.wait(client.submit("art", {**params, "key_tolerance": 1.7})["id"], 0.05, 300)
    assert everything_keyed["status"] == "failed" and "lower the key tolerance" in everything_keyed["error"]
    kept = draw_character(service, tmp_path, **{**params, "key_tolerance": 0.0})  # the same drawing, kept at 0
    assert np.asarray(Image.open(kept / "idle.png").convert("RGBA"))[..., 3].max() == 255
