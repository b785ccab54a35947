"""Inputs that used to crash or hang: huge images, huge or deep beat files, impossible times, bad text,
unreadable files and nonsense numbers are each one clear message naming the file (and field)."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from addon.core import beatfile
from addon.core.beatfile import BeatFileError
from addon.core.cli_args import add_render_arguments
from addon.core.input_limits import MAX_IMAGE_PIXELS, MAX_JSON_DEPTH, InputLimitError, unreadable_reason
from addon.core.json_files import read_json_object
from addon.core.png import read_png_info
from addon.core.presets import PresetError, load_preset
from generators.analysis.audio import open_audio
from generators.cli import main
from generators.errors import ToonbeatError
from generators.images import open_image
from tests.art import png_header
from tests.songs import click_song

NOBODY = 65534


@pytest.fixture
def song_document(tmp_path: Path) -> dict:
    """A valid 8-second beat file as a document to spoil."""
    return beatfile.to_dict(click_song(tmp_path / "song.wav", seconds=8.0))


def test_a_20000_pixel_square_pose_is_refused_from_its_header(tmp_path: Path) -> None:
    pose = png_header(tmp_path / "idle.png", 20000, 20000)
    assert pose.stat().st_size < 100
    with pytest.raises(InputLimitError, match=r"idle.png: the image is 20000 x 20000 pixels"):
        read_png_info(pose)


@pytest.mark.parametrize(("width", "height", "allowed"), [
    (8192, 8192, True), (8192, 8193, False), (MAX_IMAGE_PIXELS, 1, True), (MAX_IMAGE_PIXELS + 1, 1, False)])
def test_the_pixel_limit_holds_at_its_edge(tmp_path: Path, width: int, height: int, allowed: bool) -> None:
    pose = png_header(tmp_path / "pose.png", width, height)
    if allowed:
        assert read_png_info(pose).width == width
    else:
        with pytest.raises(InputLimitError, match="at most 67,108,864 pixels"):
            read_png_info(pose)


def test_the_generators_refuse_a_huge_image_before_decoding_it(tmp_path: Path) -> None:
    pose = png_header(tmp_path / "pose.png", 20000, 20000)
    with pytest.raises(ToonbeatError, match=r"pose.png: cannot read the image .*20000 x 20000"):
        open_image(pose)


def test_the_generators_still_read_an_image_at_the_limit_header(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (64, 32), (1, 2, 3)).save(tmp_path / "small.png")
    assert open_image(tmp_path / "small.png").size == (64, 32)


def test_a_beat_file_with_a_million_beats_is_refused_at_once(tmp_path: Path, song_document: dict) -> None:
    song_document["beats"] = [0.001 * i for i in range(1_000_000)]
    path = tmp_path / "many.beats.json"
    path.write_text(json.dumps(song_document))
    with pytest.raises(BeatFileError, match=r"many.beats.json: \$.beats has 1,000,000 entries; "
                                            r"Toonbeat reads at most 200,000"):
        beatfile.load(path)


@pytest.mark.parametrize(("count", "allowed"), [(beatfile.MAX_TIMES, True), (beatfile.MAX_TIMES + 1, False)])
def test_the_beat_count_limit_holds_at_its_edge(song_document: dict, count: int, allowed: bool) -> None:
    duration = beatfile.MAX_DURATION_SECONDS
    song_document["audio"]["duration"] = duration
    song_document["beats"] = [i * duration / count for i in range(count)]
    song_document["beat_positions"] = [i % 4 + 1 for i in range(count)]
    song_document["downbeats"] = song_document["beats"][::4]
    song_document["sections"] = [{"start": 0.0, "end": duration, "label": "drop"}]
    if allowed:
        assert len(beatfile.from_dict(song_document, "edge.json").beats) == count
    else:
        with pytest.raises(BeatFileError, match=r"\$.beats has 200,001 entries"):
            beatfile.from_dict(song_document, "edge.json")


@pytest.mark.parametrize("field", ["onsets", "downbeats", "drops", "sections", "energy.low"])
def test_every_list_has_a_count_limit(song_document: dict, field: str) -> None:
    limit = beatfile.MAX_SECTIONS if field == "sections" else (
        beatfile.MAX_ENERGY_FRAMES if field.startswith("energy") else beatfile.MAX_TIMES)
    owner, key = (song_document["energy"], "low") if field == "energy.low" else (song_document, field)
    owner[key] = [0.0] * (limit + 1)
    with pytest.raises(BeatFileError, match=rf"\$.{field} has {limit + 1:,} entries"):
        beatfile.from_dict(song_document, "big.json")


@pytest.mark.parametrize(("frames", "allowed"), [(1000, True), (1001, False)])
def test_the_energy_limit_holds_at_its_edge(monkeypatch: pytest.MonkeyPatch, song_document: dict, frames: int,
                                            allowed: bool) -> None:
    monkeypatch.setattr(beatfile, "MAX_ENERGY_FRAMES", 1000)
    for band in ("overall", "low", "mid", "high"):
        song_document["energy"][band] = [0.5] * frames
    if allowed:
        assert len(beatfile.from_dict(song_document, "energy.json").energy.low) == frames
    else:
        with pytest.raises(BeatFileError, match=r"\$.energy.overall has 1,001 entries"):
            beatfile.from_dict(song_document, "energy.json")


def test_a_beat_file_nested_100000_deep_is_a_message_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.beats.json"
    path.write_text('{"analyzer": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(BeatFileError, match=r"deep.beats.json: JSON nested"):
        beatfile.load(path)


@pytest.mark.parametrize(("depth", "allowed"), [(MAX_JSON_DEPTH, True), (MAX_JSON_DEPTH + 1, False)])
def test_the_nesting_limit_holds_at_its_edge(song_document: dict, depth: int, allowed: bool) -> None:
    nested: object = []
    for _ in range(depth - 3):  # the document, the analyzer object and the innermost list are three levels
        nested = [nested]
    song_document["analyzer"] = {"name": "x", "version": "1", "deep": nested}
    if allowed:
        assert beatfile.from_dict(song_document, "nested.json").analyzer["name"] == "x"
    else:
        with pytest.raises(BeatFileError, match=rf"nested.json: JSON nested more than {MAX_JSON_DEPTH} levels"):
            beatfile.from_dict(song_document, "nested.json")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("beats", 1e308, r"\$.beats\[3\]: 1e\+308 s is past the end of the audio \(8 s\)"),
    ("beats", float("inf"), r"\$.beats\[3\]: expected number, found float inf"),
    ("onsets", float("nan"), r"\$.onsets\[3\]: expected number, found float nan"),
    ("beats", 8.0011, r"\$.beats\[3\]: 8.0011 s is past the end of the audio"),
])
def test_times_are_finite_and_within_the_audio(tmp_path: Path, song_document: dict, field: str, value: float,
                                               message: str) -> None:
    times = song_document[field]
    times[3:] = [value]
    if field == "beats":
        song_document["beat_positions"] = song_document["beat_positions"][:4]
    path = tmp_path / "times.beats.json"
    path.write_text(json.dumps(song_document))
    with pytest.raises(BeatFileError, match=rf"times.beats.json: invalid beat file: {message}"):
        beatfile.load(path)


def test_a_beat_exactly_at_the_end_of_the_audio_is_fine(song_document: dict) -> None:
    song_document["beats"][-1] = song_document["audio"]["duration"] + beatfile.TIME_TOLERANCE_SECONDS
    assert beatfile.from_dict(song_document, "end.json").beats[-1] == pytest.approx(8.001)


@pytest.mark.parametrize(("duration", "allowed"), [(beatfile.MAX_DURATION_SECONDS, True),
                                                   (beatfile.MAX_DURATION_SECONDS + 1, False)])
def test_the_song_length_limit_holds_at_its_edge(song_document: dict, duration: float, allowed: bool) -> None:
    song_document["audio"]["duration"] = duration
    song_document["sections"][-1]["end"] = duration
    if allowed:
        assert beatfile.from_dict(song_document, "long.json").duration == duration
    else:
        with pytest.raises(BeatFileError, match=r"\$.audio.duration: 21601.0 s is not a song length"):
            beatfile.from_dict(song_document, "long.json")


def test_a_legacy_beat_file_with_a_beat_at_1e308_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps({"tempo": 120, "beats": [0.5, 1e308], "onsets": []}))
    with pytest.raises(BeatFileError, match=r"legacy.json: invalid beat file: \$.audio.duration"):
        beatfile.load(path)


def test_a_beat_file_of_invalid_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.beats.json"
    path.write_bytes(b'{"tempo": 120, "beats": [], "comment": "caf\xe9"}')
    with pytest.raises(BeatFileError, match=r"latin1.beats.json: not a beat file: the text is not UTF-8 "
                                            r"\(byte 0xe9 at offset 43\)"):
        beatfile.load(path)


def test_a_beat_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.beats.json"
    with open(path, "wb") as stream:
        stream.truncate(beatfile.MAX_FILE_BYTES + 1)
    with pytest.raises(BeatFileError, match=r"huge.beats.json: the beat file is 67,108,865 bytes"):
        beatfile.load(path)


@pytest.mark.parametrize("reader", ["choreography", "art", "music"])
def test_a_preset_of_invalid_utf8_names_the_file(tmp_path: Path, reader: str) -> None:
    path = tmp_path / "mine.json"
    path.write_bytes(b'{"name": "caf\xe9"}')
    if reader == "choreography":
        with pytest.raises(PresetError, match=r"mine.json: cannot read the preset: the text is not UTF-8"):
            load_preset(path)
    elif reader == "art":
        from generators.art.presets import load_character

        with pytest.raises(ToonbeatError, match=r"mine.json: cannot read the preset: the text is not UTF-8"):
            load_character(str(path))
    else:
        from generators.music.presets import load_preset as load_music_preset

        with pytest.raises(ToonbeatError, match=r"mine.json: cannot read the music preset: the text is not UTF-8"):
            load_music_preset(str(path))


def test_a_deeply_nested_preset_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"poses": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(PresetError, match=r"deep.json: cannot read the preset: JSON nested too deeply"):
        load_preset(path)


def test_a_symlink_loop_says_so(tmp_path: Path) -> None:
    loop = tmp_path / "song.wav"
    loop.symlink_to(loop)
    with pytest.raises(ToonbeatError, match=r"song.wav: is a symlink loop"):
        open_audio(loop)
    with pytest.raises(BeatFileError, match=r"cannot read the beat file: is a symlink loop"):
        beatfile.load(loop)


def test_a_broken_link_says_where_it_points(tmp_path: Path) -> None:
    link = tmp_path / "song.wav"
    link.symlink_to(tmp_path / "moved.wav")
    with pytest.raises(ToonbeatError, match=r"song.wav: is a broken link \(to .*moved.wav\)"):
        open_audio(link)


def message_when_read_without_permission(read: Callable[[Path], object], path: Path) -> str:
    """The error ``read(path)`` raises in a child process that may not read ``path`` (run as user
    ``nobody`` when the tests run as root, who reads every file)."""
    receive, send = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(receive)
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            try:
                read(path)
                message = "read it"
            except Exception as error:
                message = f"{type(error).__name__}: {error}"
            os.write(send, message.encode())
        finally:
            os._exit(0)
    os.close(send)
    with os.fdopen(receive, "rb") as stream:
        message = stream.read().decode()
    os.waitpid(child, 0)
    return message


@pytest.mark.parametrize("reader", [open_audio, beatfile.load, load_preset])
def test_a_file_without_read_permission_says_so(reader: Callable[[Path], object]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="toonbeat-unreadable-"))
    path = folder / "locked.json"
    try:
        folder.chmod(0o755)
        path.write_text("{}")
        path.chmod(0o200)
        message = message_when_read_without_permission(reader, path)
        assert f"{path}" in message and "no permission to read it" in message, message
        assert "not an audio file" not in message
    finally:
        path.unlink()
        folder.rmdir()


def test_unreadable_reason_is_none_for_a_readable_file(tmp_path: Path) -> None:
    (tmp_path / "ok.json").write_text("{}")
    assert unreadable_reason(tmp_path / "ok.json") is None
    assert unreadable_reason(tmp_path) == "is a folder, not a file"
    assert read_json_object(tmp_path / "ok.json", "preset", ValueError) == {}


def _render_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toonbeat render")
    add_render_arguments(parser)
    return parser


@pytest.mark.parametrize(("option", "value", "allowed"), [
    ("--jobs", "-1", False), ("--jobs", "0", True), ("--jobs", "64", True), ("--jobs", "65", False),
    ("--jobs", "two", False), ("--fps", "nan", False), ("--fps", "inf", False), ("--fps", "0", False),
    ("--fps", "29.97", True),
])
def test_nonsense_numbers_are_rejected_by_the_parser(capsys: pytest.CaptureFixture[str], option: str, value: str,
                                                     allowed: bool) -> None:
    arguments = ["--audio", "a.wav", "--beats", "b.json", "--out", "v.mp4", option, value]
    if allowed:
        assert _render_parser().parse_args(arguments) is not None
        return
    with pytest.raises(SystemExit) as stop:
        _render_parser().parse_args(arguments)
    assert stop.value.code == 2
    assert f"argument {option}" in capsys.readouterr().err


@pytest.mark.parametrize(("arguments", "message"), [
    (["demo", "--bars", "11"], "argument --bars: '11' must be from 12 to 1000"),
    (["demo", "--bars", "1000000"], "must be from 12 to 1000"),
    (["demo", "--bpm", "nan"], "argument --bpm: 'nan' must be a positive number"),
    (["demo", "--fps", "-24"], "argument --fps"),
    (["render", "--audio", "a.wav", "--beats", "b.json", "--out", "v.mp4", "--jobs", "-1"], "argument --jobs"),
])
def test_the_command_line_rejects_nonsense_numbers_in_every_command(capsys: pytest.CaptureFixture[str],
                                                                    arguments: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main(arguments)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("tempo", beatfile.MAX_TEMPO_BPM, True), ("tempo", beatfile.MAX_TEMPO_BPM + 0.5, False),
    ("frame_rate", beatfile.MAX_ENERGY_RATE, True), ("frame_rate", beatfile.MAX_ENERGY_RATE + 1, False),
])
def test_tempo_and_energy_rate_limits_hold_at_their_edge(song_document: dict, field: str, value: float,
                                                         allowed: bool) -> None:
    owner = song_document["energy"] if field == "frame_rate" else song_document
    owner[field] = value
    if allowed:
        assert beatfile.from_dict(song_document, "rates.json") is not None
    else:
        with pytest.raises(BeatFileError, match=rf"rates.json: invalid beat file: \$.(energy.)?{field}: {value:g}"):
            beatfile.from_dict(song_document, "rates.json")
