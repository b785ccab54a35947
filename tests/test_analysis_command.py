"""``toonbeat analyze``: the beat JSON and plot it writes, batches, and failures that leave nothing behind."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from addon.core import beatfile
from generators.analysis import command
from generators.errors import ToonbeatError
from generators.music.drum_machine import synthesize, write_wav


def _parse(*arguments: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="toonbeat")
    command.add_parser(parser.add_subparsers())
    return parser.parse_args(["analyze", *arguments])


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("songs") / "song.wav"
    write_wav(path, synthesize(128.0, 2, "house", total_bars=12, sample_rate=22050).samples, 22050)
    return path


def test_analyze_writes_a_valid_beat_file_with_the_legacy_keys(tmp_path: Path, song: Path):
    output = tmp_path / "beats.json"
    assert command.run(_parse(str(song), "-o", str(output))) == 0
    document = json.loads(output.read_text())
    assert {"tempo", "beats", "onsets"} <= document.keys()
    assert document["format"] == "toonbeat.beats"
    loaded = beatfile.load(output)
    assert loaded.tempo == pytest.approx(128.0, rel=0.01)
    assert loaded.audio.path == str(song)


def test_plot_writes_a_png_picture(tmp_path: Path, song: Path):
    picture = tmp_path / "beats.png"
    assert command.run(_parse(str(song), "-o", str(tmp_path / "beats.json"), "--plot", str(picture))) == 0
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 20_000


def test_a_bad_song_raises_and_writes_nothing(tmp_path: Path):
    (tmp_path / "bad.wav").write_text("not audio")
    output = tmp_path / "out" / "beats.json"
    with pytest.raises(ToonbeatError, match=r"bad\.wav"):
        command.run(_parse(str(tmp_path / "bad.wav"), "-o", str(output), "--plot", str(tmp_path / "p.png")))
    assert not output.exists()
    assert not (tmp_path / "p.png").exists()


def test_a_batch_reports_a_bad_song_finishes_the_others_and_fails_at_the_end(
    tmp_path: Path, song: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "broken.wav").write_bytes(b"RIFF....WAVE")
    folder = tmp_path / "beats"
    arguments = [str(song), str(tmp_path / "broken.wav"), str(tmp_path / "missing.flac"), str(song)]
    assert command.run(_parse(*arguments, "-o", str(folder), "--plot", str(tmp_path / "plots"))) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["song.json"]
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["song.png"]
    out, err = capsys.readouterr()
    assert out.count("song.wav: 128.0 BPM") == 2
    assert "[2/4] error:" in err and "broken.wav" in err
    assert "[3/4] error:" in err and "missing.flac: no such file" in err
    assert "2 of 4 songs failed" in err


def test_songs_with_the_same_name_get_their_own_beat_files(tmp_path: Path, song: Path):
    (tmp_path / "a").mkdir()
    twin = tmp_path / "a" / "song.wav"
    twin.write_bytes(song.read_bytes())
    folder = tmp_path / "out"
    folder.mkdir()
    assert command.run(_parse(str(song), str(twin), "-o", str(folder))) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["song-2.json", "song.json"]


def test_beat_this_where_it_is_not_installed_is_refused_naming_the_package(tmp_path: Path, song: Path):
    output = tmp_path / "beats.json"
    with pytest.raises(ToonbeatError, match=r"beat_this.*pip install 'toonbeat\[beat-this\]'"):
        command.run(_parse(str(song), "-o", str(output), "--tracker", "beat-this"))
    assert not output.exists()
