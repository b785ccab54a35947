"""Video jobs on the service: tiny AnimateDiff with a pose ControlNet, over real loopback HTTP."""

import json
import time
from pathlib import Path

import pytest
from PIL import Image

from addon.core.character_sheet import read_character
from addon.core.clip import read_clip
from addon.core.service_client import RequestError, ServiceClient
from generators.service.server import ToonbeatService
from tests import tiny_models


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("video-models")
    sd15 = tiny_models.tiny_stable_diffusion(root / "sd15")
    return {"model": str(sd15), "motion_adapter": str(tiny_models.tiny_motion_adapter(root / "adapter")),
            "controlnet": str(tiny_models.tiny_controlnet(sd15, root / "controlnet"))}


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service")


@pytest.fixture(scope="module")
def service(work_dir, tmp_path_factory: pytest.TempPathFactory):
    running = ToonbeatService(work_dir, port=0, read_from=(tmp_path_factory.getbasetemp(),)).start()
    yield running
    running.stop()


@pytest.fixture
def client(service) -> ServiceClient:
    return ServiceClient(service.url, timeout=10.0)


def clip_params(models: dict[str, str], **changes) -> dict:
    return {**models, "device": "cpu", "frames": 4, "width": 32, "height": 32, "steps": 2, "context": 8,
            **changes}


def test_a_dance_clip_job_reports_its_steps_and_downloads_as_a_character_with_that_move(client, models, tmp_path):
    job = client.submit("video", clip_params(models, move="dance", beats_per_cycle=4, seed=3))
    assert job["kind"] == "video" and job["params"]["fps"] == 24.0  # the declared defaults filled in
    seen = []
    while (status := client.job(job["id"]))["status"] not in ("done", "failed", "cancelled"):
        seen.append(status["progress"])
        time.sleep(0.02)
    assert status["status"] == "done", status["error"]
    assert seen == sorted(seen) and status["progress"] == 1.0
    assert "cyborg_dj dance/dance/clip.json" in status["files"]
    client.download_all(status, tmp_path)
    character = read_character(tmp_path / "cyborg_dj dance")
    clip = character.clips["dance"]
    assert character.name == "cyborg_dj dance" and character.pose_names == ("dance",)
    assert (clip.source, clip.seed, clip.beats_per_cycle, clip.hit_frames) == ("animatediff", 3, 4, (0, 2))
    assert Image.open(clip.frame_path(3)).mode == "RGBA"


def test_a_shot_clip_job_writes_a_clip_folder_and_the_model_stays_loaded(service, client, models, tmp_path):
    before = service.models.loads
    done = client.wait(client.submit("video", clip_params(models, name="strobe_hall"))["id"], 0.05, 300)
    assert done["status"] == "done", done["error"]
    client.download_all(done, tmp_path)
    clip = read_clip(tmp_path / "strobe_hall")
    assert (clip.kind, clip.frame_count, clip.loops, clip.hit_frames) == ("shot", 4, False, ())
    assert service.models.loads == before  # the model the dance loaded, kept


def test_cancel_stops_a_running_clip_and_keeps_none_of_its_files(service, client, models):
    running = client.submit("video", clip_params(models, name="long", frames=16, steps=150))
    while client.job(running["id"])["progress"] == 0.0:
        time.sleep(0.02)
    client.cancel(running["id"])
    stopped = client.wait(running["id"], 0.05, 60)
    assert stopped["status"] == "cancelled" and stopped["files"] == [] and stopped["progress"] < 0.5
    assert not (service.work_dir / "jobs" / running["id"]).exists()


def test_bad_clip_requests_name_their_field(client, models):
    problems = {"frames": 0, "width": 30, "backend": "sora", "move": "spin", "reference": "0123456789abcdef",
                "name": "../up"}
    for field, value in problems.items():
        with pytest.raises(RequestError) as refused:
            client.submit("video", clip_params(models, **{field: value}))
        assert refused.value.field == f"params.{field}", (field, refused.value)
    with pytest.raises(RequestError, match="may read") as outside:
        client.submit("video", clip_params(models, motion_adapter="/etc"))
    assert outside.value.field == "params.motion_adapter"


def test_a_finished_clip_job_is_known_to_a_restarted_service(work_dir, service, client, models, tmp_path):
    done = client.wait(client.submit("video", clip_params(models, name="kept"))["id"], 0.05, 300)
    assert done["status"] == "done", done["error"]
    service.stop()
    again = ToonbeatService(work_dir, port=0).start()
    try:
        restored = ServiceClient(again.url, timeout=10.0).job(done["id"])
        assert (restored["kind"], restored["status"], restored["files"]) == ("video", "done", done["files"])
        ServiceClient(again.url).download_all(restored, tmp_path)
        assert json.loads((tmp_path / "kept" / "clip.json").read_text())["name"] == "kept"
    finally:
        again.stop()
