"""MusicGen through audiocraft, end to end on a tiny checkpoint loaded by ``MusicGen.get_pretrained``.

audiocraft pins an old torch, so it lives in its own environment (see the README's
recipe); these tests carry the ``audiocraft`` marker and run there:
``pytest -m audiocraft tests/test_music_audiocraft.py``.
"""

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile

from generators.errors import CancelledError
from generators.music.backends import MusicModelSpec, Sampling, load_backend, resolve_backend
from generators.music.musicgen import MusicProgress, MusicRequest, compose, generate_track
from tests import tiny_models

pytestmark = pytest.mark.audiocraft


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.tiny_audiocraft_musicgen(tmp_path_factory.mktemp("audiocraft"))


@pytest.fixture(scope="module")
def backend(checkpoint: Path):
    return load_backend(MusicModelSpec(model=str(checkpoint), device="cpu"))


def short_request(**changes) -> MusicRequest:
    settings = dict(prompt="house, 124 BPM", seconds=7.0, seed=2, window_seconds=3.0, context_seconds=1.0,
                    crossfade_seconds=0.5, sampling=Sampling(top_k=250))
    settings.update(changes)
    return MusicRequest(**settings)


def test_a_folder_with_state_dict_bin_is_loaded_by_audiocraft(checkpoint, backend):
    assert resolve_backend(MusicModelSpec(model=str(checkpoint))) == "audiocraft"
    assert backend.name == "audiocraft" and backend.max_window_seconds == 30.0


def test_a_long_track_is_continued_window_by_window_and_written(backend, tmp_path):
    reports: list[MusicProgress] = []
    result = generate_track(short_request(), tmp_path / "track.wav", backend=backend, progress=reports.append)
    assert soundfile.info(result.wav).frames == 7 * 48_000
    side = json.loads(result.side_file.read_text())
    assert side["backend"] == "audiocraft" and side["settings"]["window_seconds"] == 3.0
    assert reports[-1].seconds_done == pytest.approx(7.0) and reports[-1].windows == 3
    assert len(reports) > 3 * 10  # audiocraft's per-token progress callback reaches us


def test_seeds_make_the_audiocraft_output_repeatable(backend):
    first, again = compose(backend, short_request(seconds=2.0)), compose(backend, short_request(seconds=2.0))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, compose(backend, short_request(seconds=2.0, seed=9)))


def test_cancel_stops_audiocraft_between_token_steps(backend, tmp_path):
    cancel = threading.Event()
    reports: list[MusicProgress] = []

    def cancel_early(report: MusicProgress) -> None:
        reports.append(report)
        if len(reports) == 3:
            cancel.set()

    with pytest.raises(CancelledError):
        generate_track(short_request(), tmp_path / "t.wav", backend=backend, progress=cancel_early, cancel=cancel)
    assert len(reports) == 3 and list(tmp_path.iterdir()) == []
