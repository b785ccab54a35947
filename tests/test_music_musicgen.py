"""MusicGen through transformers, end to end on a tiny random-weight checkpoint loaded offline."""

import argparse
import importlib.util
import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile

from generators.errors import CancelledError, ToonbeatError
from generators.music import command
from generators.music.backends import MusicModelSpec, Sampling, load_backend, resolve_backend
from generators.music.loudness import integrated_loudness
from generators.music.musicgen import MusicProgress, MusicRequest, compose, generate_track
from generators.music.presets import build_prompt, load_preset, preset_names
from tests import tiny_models


@pytest.fixture(scope="module")
def backend(musicgen: Path):
    return load_backend(MusicModelSpec(model=str(musicgen), backend="transformers", device="cpu"))


def short_request(**changes) -> MusicRequest:
    settings = dict(prompt="industrial techno, 128 BPM", seconds=7.0, seed=4, window_seconds=3.0,
                    context_seconds=1.0, crossfade_seconds=0.5, sampling=Sampling(top_k=20))
    settings.update(changes)
    return MusicRequest(**settings)


def test_a_checkpoint_folder_with_config_json_picks_the_transformers_backend(musicgen):
    assert resolve_backend(MusicModelSpec(model=str(musicgen))) == "transformers"


def test_a_long_track_is_written_as_48_khz_wav_with_its_side_file(backend, tmp_path):
    result = generate_track(short_request(), tmp_path / "track.wav", backend=backend)
    audio, sr = soundfile.read(result.wav, always_2d=True)
    assert sr == 48_000 and audio.shape == (7 * 48_000, 1)
    side = json.loads(result.side_file.read_text())
    assert side["prompt"] == "industrial techno, 128 BPM" and side["seed"] == 4
    assert side["backend"] == "transformers" and side["model"] == backend.model_id
    assert side["duration"] == 7.0 and side["settings"]["sampling"]["top_k"] == 20
    assert side["toonbeat_version"]
    assert integrated_loudness(audio.T, sr) == pytest.approx(side["loudness"]["output_lufs"], abs=0.01)
    assert np.abs(audio).max() <= 10 ** (-1 / 20) + 1e-3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["track.music.json", "track.wav"]


def test_the_same_seed_gives_the_same_music_and_another_seed_other_music(backend):
    first = compose(backend, short_request(seconds=3.0))
    again = compose(backend, short_request(seconds=3.0))
    other = compose(backend, short_request(seconds=3.0, seed=5))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_progress_counts_seconds_of_audio_up_to_the_whole_track_across_windows(backend):
    reports: list[MusicProgress] = []
    compose(backend, short_request(), progress=reports.append)
    done = [report.seconds_done for report in reports]
    assert done == sorted(done) and done[-1] == pytest.approx(7.0)
    assert reports[-1].windows == 3 and reports[-1].seconds_left == pytest.approx(0.0)
    assert len(reports) > 3 * 10  # token steps inside each window, not only window ends


def test_cancel_stops_inside_a_window_and_writes_nothing(backend, tmp_path):
    cancel = threading.Event()
    reports: list[MusicProgress] = []

    def cancel_after_a_few_steps(report: MusicProgress) -> None:
        reports.append(report)
        if len(reports) == 5:
            cancel.set()

    with pytest.raises(CancelledError):
        generate_track(short_request(), tmp_path / "track.wav", backend=backend, progress=cancel_after_a_few_steps,
                       cancel=cancel)
    assert len(reports) == 5 and reports[-1].window == 0
    assert list(tmp_path.iterdir()) == []


def test_a_model_that_is_not_there_is_one_clear_error(tmp_path):
    with pytest.raises(ToonbeatError, match=r"cannot load MusicGen model .*missing': no such file or folder"):
        load_backend(MusicModelSpec(model=str(tmp_path / "missing"), backend="transformers", device="cpu"))
    with pytest.raises(ToonbeatError, match="cannot load MusicGen model 'nobody/no-musicgen'"):
        load_backend(MusicModelSpec(model="nobody/no-musicgen", backend="transformers", device="cpu"))


def test_each_window_continues_from_the_kept_codes_without_re_encoding_audio(backend, monkeypatch):
    """audiocraft's way: the next window is prompted with the tail of the codes the model made, not with
    the decoded audio encoded again (cheaper, and no decode-encode round trip)."""
    encodes, prompts = [], []
    encode, generate = backend.model.audio_encoder.encode, backend.model.generate
    monkeypatch.setattr(backend.model.audio_encoder, "encode", lambda *a, **k: encodes.append(1) or encode(*a, **k))
    monkeypatch.setattr(backend.model, "generate",
                        lambda **k: prompts.append(k.get("decoder_input_ids")) or generate(**k))
    windows = []
    original = backend.generate
    monkeypatch.setattr(backend, "generate", lambda *a, **k: windows.append(original(*a, **k)) or windows[-1])
    audio = compose(backend, short_request(seconds=5.0))
    assert audio.shape == (1, 5 * 16_000) and encodes == []
    assert prompts[0] is None and len(prompts) == 2
    first = windows[0].cut(3 * 16_000)
    assert first.codes.shape == (2, 150)  # 3 s at 50 frames a second, 2 codebooks
    np.testing.assert_array_equal(prompts[1].numpy(), first.codes[:, -50:].numpy())
    assert windows[1].codes.shape[1] >= 150 and np.array_equal(windows[1].codes[:, :50], first.codes[:, -50:])


def test_a_melody_for_a_model_without_melody_conditioning_is_one_clear_error(backend, tmp_path):
    hum = tmp_path / "hum.wav"
    soundfile.write(hum, 0.4 * np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000), 16_000)
    assert not backend.supports_melody
    with pytest.raises(ToonbeatError, match="has no melody conditioning; use the melody model"):
        generate_track(short_request(melody=str(hum)), tmp_path / "out" / "track.wav", backend=backend)
    assert not (tmp_path / "out" / "track.wav").exists()


def test_a_melody_file_that_cannot_be_read_is_one_clear_error(backend, tmp_path):
    (tmp_path / "hum.wav").write_text("not audio")
    with pytest.raises(ToonbeatError, match="cannot read the melody"):
        compose(backend, short_request(melody=str(tmp_path / "hum.wav")))


def test_the_melody_model_without_torchaudio_is_one_clear_error(tmp_path, monkeypatch):
    tiny_models.tiny_musicgen_melody_config(vocab_size=64).save_pretrained(tmp_path)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "torchaudio" else find_spec(name, *args))
    with pytest.raises(ToonbeatError, match="chroma with torchaudio, which is not installed"):
        load_backend(MusicModelSpec(model=str(tmp_path), backend="transformers", device="cpu"))


def test_bad_settings_name_the_setting():
    with pytest.raises(ToonbeatError, match="context_seconds"):
        short_request(context_seconds=5.0).check()
    with pytest.raises(ToonbeatError, match="sample_rate"):
        short_request(sample_rate=22_050).check()


def test_presets_fill_in_the_tempo_and_are_editable_json():
    assert {"industrial", "house", "techno", "edm"} <= set(preset_names())
    preset = load_preset("industrial")
    assert "140 BPM" in build_prompt(None, preset, bpm=140)
    assert build_prompt("with cowbell", preset).endswith(", with cowbell")
    with pytest.raises(ToonbeatError, match="no such music preset"):
        load_preset("polka")


def test_the_music_command_writes_a_44_1_khz_track_from_a_preset(musicgen, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    out = tmp_path / "song.wav"
    args = parser.parse_args(["music", "--preset", "house", "--bpm", "122", "--seconds", "4", "--window", "3",
                              "--context", "1", "--crossfade", "0.5", "--model", str(musicgen), "--device", "cpu",
                              "--backend", "transformers", "--sample-rate", "44100", "-o", str(out)])
    assert args.run(args) == 0
    assert soundfile.info(out).samplerate == 44_100 and soundfile.info(out).frames == 4 * 44_100
    side = json.loads(out.with_suffix(".music.json").read_text())
    assert side["preset"] == "house" and side["bpm"] == 122 and "122 BPM" in side["prompt"]
    assert "wrote" in capsys.readouterr().out


def test_the_model_option_tells_the_user_the_weights_are_non_commercial(capsys):
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["music", "--help"])
    assert "CC-BY-NC4.0:non-commercial" in "".join(capsys.readouterr().out.split())  # argparse wraps at hyphens


def test_running_out_of_gpu_memory_in_a_window_is_one_message_naming_the_settings_to_change(backend, monkeypatch,
                                                                                          tmp_path):
    import torch

    def out_of_memory(**kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")

    monkeypatch.setattr(backend.model, "generate", out_of_memory)
    with pytest.raises(ToonbeatError, match="ran out of memory generating window 1 of 3") as caught:
        generate_track(short_request(), tmp_path / "track.wav", backend=backend)
    assert "smaller --model" in str(caught.value) and "--window" in str(caught.value)
    assert not (tmp_path / "track.wav").exists()
