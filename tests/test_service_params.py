"""One declaration per generator parameter: the command line, the service and the panel all read the models."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from addon.core.generator_params import declared
from generators import panel_params
from generators.art.params import BackgroundParams, CharacterParams
from generators.cli import build_parser
from generators.music.params import MusicParams
from generators.parameters import default_of

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
