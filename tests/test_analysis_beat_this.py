"""``--tracker beat-this``: Beat This!'s plumbing with a tiny random-weight checkpoint (its accuracy is not tested).

Runs in the audiocraft environment (``build.py test``), which has torchaudio and
``beat_this``; the error for a missing package is tested where it is not installed
(``tests/test_analysis_command.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from addon.core import beatfile
from generators.analysis import analyze_file, beat_this_tracker
from generators.errors import ToonbeatError
from generators.music.drum_machine import synthesize, write_wav

TINY = {"transformer_dim": 32, "ff_mult": 2, "n_layers": 1, "head_dim": 16, "stem_dim": 16}
"""A Beat This! small enough to build and run in a second; weights random (seeded)."""


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint laid out as Beat This!'s own: hyper-parameters and the state dict under ``model.``."""
    import torch
    from beat_this.model.beat_tracker import BeatThis

    torch.manual_seed(0)
    model = BeatThis(**TINY)
    path = tmp_path_factory.mktemp("beat-this") / "tiny.ckpt"
    state = {f"model.{name}": value for name, value in model.state_dict().items()}
    torch.save({"hyper_parameters": TINY, "state_dict": state}, path)
    return path


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("song") / "house.wav"
    music = synthesize(124.0, 1, "house", total_bars=12, sample_rate=22050)
    write_wav(path, music.samples, music.sample_rate)
    return path


def test_beat_this_beats_become_a_valid_beat_file(checkpoint: Path, song: Path, tmp_path: Path):
    tracker = beat_this_tracker.load(checkpoint)
    import soundfile

    samples, rate = soundfile.read(str(song), dtype="float32")
    beats, _downbeats = tracker(samples, rate)
    data = analyze_file(song, tracker="beat-this", beat_this_checkpoint=checkpoint)
    assert data.beats == tuple(np.round(np.clip(np.sort(beats), 0.0, data.audio.duration), 4).tolist())
    assert set(data.downbeats) <= set(data.beats)
    assert data.beats_per_bar in (3, 4)
    saved = tmp_path / "house.json"
    beatfile.save(data, saved)
    assert beatfile.load(saved).beats == data.beats


def test_the_command_line_takes_the_tracker_and_its_checkpoint(checkpoint: Path, song: Path, tmp_path: Path):
    output = tmp_path / "house.json"
    command = [sys.executable, "-m", "generators", "analyze", str(song), "-o", str(output)]
    subprocess.run([*command, "--tracker", "beat-this", "--beat-this-checkpoint", str(checkpoint)], check=True)
    assert json.loads(output.read_text())["beats_per_bar"] in (3, 4)


def test_a_missing_or_unusable_checkpoint_is_named(song: Path, tmp_path: Path):
    missing = tmp_path / "nowhere.ckpt"
    with pytest.raises(ToonbeatError, match=r"nowhere\.ckpt is missing"):
        analyze_file(song, tracker="beat-this", beat_this_checkpoint=missing)
    broken = tmp_path / "broken.ckpt"
    import torch

    torch.save({"state_dict": {}}, broken)
    with pytest.raises(ToonbeatError, match="cannot use the checkpoint"):
        beat_this_tracker.load(broken)
