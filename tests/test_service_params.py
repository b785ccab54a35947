"""One declaration per generator parameter: the command line, the service and the panel all read the models.

And the parameters the service could not pass before (IP-Adapter, a single file's
config, LoRA weights, key tolerance) reach the drawing, on tiny random-weight models.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core.generator_params import declared
from addon.core.service_client import ServiceClient
from generators import panel_params
from generators.art.params import BackgroundParams, CharacterParams
from generators.cli import build_parser
from generators.music.params import MusicParams
from generators.parameters import default_of
from generators.service.server import ToonbeatService
from tests import tiny_models

ROOT = Path(__file__).resolve().parents[1]


def options(*command: str) -> dict[str, object]:
    parser = build_parser()
    subparser = parser
    for word in command:
        subparser = next(action for action in subparser._actions if hasattr(action, "choices")
                         and isinstance(action.choices, dict) and word in action.choices).choices[word]
    return {action.dest: action for action in subparser._actions}


@pytest.mark.parametrize("command, model", [(("music",), MusicParams), (("art", "character"), CharacterParams),
                                            (("art", "backgrounds"), BackgroundParams)])
def test_every_declared_parameter_is_an_option_whose_help_states_its_default(command, model):
    declared_options = options(*command)
    for name, info in model.model_fields.items():
        if name == "what":
            continue
        option = declared_options[name]
        assert option.default is None  # the model's default applies, not a second copy
        default = default_of(model, name)
        if default not in (None, False, []):
            shown = ",".join(map(str, default)) if isinstance(default, list) else str(default)
            assert f"(default: {shown})" in option.help, (name, option.help)
        assert info.description.split(";")[0][:20] in option.help


def run_toonbeat(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generators", *arguments], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                                    "HOME": "/tmp"})


@pytest.mark.parametrize("arguments, flag", [
    (("music", "--prompt", "x", "--seconds", "1801"), "--seconds"),
    (("music", "--prompt", "x", "--seconds", "nan"), "--seconds"),
    (("music", "--prompt", "x", "--seed", "9" * 400), "--seed"),
    (("music", "--prompt", "x", "--window", "10", "--context", "10"), "--context"),
    (("art", "character", "--name", "../../x", "--backend", "procedural"), "--name"),
    (("art", "character", "--steps", "151"), "--steps"),
    (("art", "character", "--lora", "ink.safetensors:9"), "--lora"),
    (("art", "backgrounds", "--size", "30000x30000", "--backend", "procedural"), "--size"),
    (("art", "backgrounds", "--labels", "intro,../drop", "--backend", "procedural"), "--labels"),
])
def test_the_command_line_refuses_what_the_service_refuses_naming_the_flag(arguments, flag):
    result = run_toonbeat(*arguments)
    assert result.returncode == 1 and result.stderr.startswith(f"toonbeat: error: {flag}"), result.stderr


def test_the_panels_defaults_and_limits_are_the_generators_declarations():
    assert json.loads(panel_params.PANEL_PARAMS.read_text()) == panel_params.described(), (
        "run python -m generators.panel_params")
    assert declared("music", "seconds")["maximum"] == MusicParams.model_fields["seconds"].metadata[1].le
    assert declared("character", "key_tolerance")["default"] == default_of(CharacterParams, "key_tolerance")


@pytest.fixture(scope="module")
def sd15(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.tiny_stable_diffusion(tmp_path_factory.mktemp("sd15"))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0,
                              read_from=(tmp_path_factory.getbasetemp(),)).start()
    yield running
    running.stop()


def draw(service, tmp_path: Path, **params) -> Path:
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
        service, sd15, tmp_path):
    checkpoint = tiny_models.single_file_checkpoint(sd15, tmp_path / "model.safetensors")
    lora = tiny_models.tiny_lora(sd15, tmp_path / "lora")
    adapter = tiny_models.tiny_ip_adapter(sd15, tmp_path / "ip-adapter")
    folder = draw(service, tmp_path / "out", model=str(checkpoint), config=str(sd15), ip_adapter=str(adapter),
                  loras=[{"path": str(lora), "weight": 0.5}])
    sheet = json.loads((folder / "character.json").read_text())
    assert sheet["loras"] == [[str(lora), 0.5]]
    assert sheet["second_stage"] == "ip-adapter"
    assert sheet["model"] == str(checkpoint)


def test_the_key_tolerance_reaches_the_keyer(service, sd15, tmp_path):
    client = ServiceClient(service.url, timeout=10.0)
    params = {"what": "character", "model": str(sd15), "device": "cpu", "steps": 2, "width": 64, "height": 64,
              "poses": ["idle"], "secondary": [], "seed": 4}
    everything_keyed = client.wait(client.submit("art", {**params, "key_tolerance": 1.7})["id"], 0.05, 300)
    assert everything_keyed["status"] == "failed" and "lower the key tolerance" in everything_keyed["error"]
    kept = draw(service, tmp_path, **{**params, "key_tolerance": 0.0})  # the same drawing, keyed at 0, survives
    assert np.asarray(Image.open(kept / "idle.png").convert("RGBA"))[..., 3].max() == 255
