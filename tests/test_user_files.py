"""Toonbeat writes over only files it made, never over an input of the same run, and otherwise refuses
naming the file and ``--overwrite``; what it writes is marked as its own and gets the user's umask."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core import beatfile
from addon.core.overwrite import (
    OverwriteError,
    check_output,
    check_writable_in_place,
    is_same_file,
    is_toonbeat_file,
    mark_mp4,
)
from addon.core.png import write_png
from generators.art.procedural import draw_backgrounds
from generators.cli import main
from generators.images import toonbeat_png_info
from generators.music.drum_machine import synthesize, write_wav
from tests.songs import click_song


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("songs") / "song.wav"
    write_wav(path, synthesize(128.0, 2, "house", total_bars=12, sample_rate=22050).samples, 22050)
    return path


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    """``toonbeat ARGUMENTS`` in this process: the exit code and what it printed on stderr."""
    code = main(list(arguments))
    return code, capsys.readouterr().err


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


# The rule itself


def test_an_input_is_never_an_output_not_even_with_overwrite(tmp_path: Path) -> None:
    song = tmp_path / "song.wav"
    song.write_bytes(b"RIFF")
    with pytest.raises(OverwriteError, match=r"song.wav: is the same file as .*song.wav, which this command"):
        check_output(song, inputs=[song], overwrite=True)


def test_a_link_to_an_input_is_the_input(tmp_path: Path) -> None:
    song = tmp_path / "song.wav"
    song.write_bytes(b"RIFF")
    (tmp_path / "hard.wav").hardlink_to(song)
    (tmp_path / "soft.wav").symlink_to(song)
    assert is_same_file(tmp_path / "hard.wav", song)
    assert is_same_file(tmp_path / "soft.wav", song)
    assert is_same_file(tmp_path / "sub" / ".." / "song.wav", song)
    assert not is_same_file(tmp_path / "other.wav", song)
    with pytest.raises(OverwriteError, match="is the same file as"):
        check_output(tmp_path / "hard.wav", inputs=[song], overwrite=True)


def test_a_file_toonbeat_did_not_make_needs_overwrite(tmp_path: Path) -> None:
    notes = tmp_path / "my_notes.mp4"
    notes.write_text("notes")
    with pytest.raises(OverwriteError, match=r"my_notes.mp4: exists and was not made by Toonbeat; "
                                             r"pass --overwrite to replace it"):
        check_output(notes)
    assert check_output(notes, overwrite=True) == notes.resolve()
    assert check_output(tmp_path / "new.mp4") == (tmp_path / "new.mp4").resolve()


def test_a_folder_is_never_an_output(tmp_path: Path) -> None:
    with pytest.raises(OverwriteError, match="is a folder; name the video to write inside it"):
        check_output(tmp_path, overwrite=True, what="video")


def test_a_symlink_loop_as_output_says_so(tmp_path: Path) -> None:
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(loop)
    with pytest.raises(OverwriteError, match=r"loop.mp4: is a symlink loop"):
        check_output(loop)


def test_a_read_only_file_is_not_saved_in_place(tmp_path: Path) -> None:
    blend = tmp_path / "scene.blend"
    blend.write_bytes(b"BLENDER")
    check_writable_in_place(blend)
    blend.chmod(0o444)
    with pytest.raises(OverwriteError, match=r"scene.blend: the file or its folder is read-only"):
        check_writable_in_place(blend)


# Every kind of file Toonbeat writes carries its mark; other files of the same kind do not


def test_a_beat_file_is_toonbeats_and_other_json_is_not(tmp_path: Path) -> None:
    beatfile.save(click_song(tmp_path / "s.wav", seconds=4.0), tmp_path / "s.beats.json")
    (tmp_path / "config.json").write_text('{"format": "something else"}')
    (tmp_path / "broken.json").write_bytes(b"\xff\xfe{")
    assert is_toonbeat_file(tmp_path / "s.beats.json")
    assert not is_toonbeat_file(tmp_path / "config.json")
    assert not is_toonbeat_file(tmp_path / "broken.json")


def test_pngs_written_by_toonbeat_are_marked_and_others_are_not(tmp_path: Path) -> None:
    write_png(tmp_path / "keyed.png", bytes(4 * 4 * 4), 4, 4)
    Image.new("RGB", (4, 4)).save(tmp_path / "drawn.png", pnginfo=toonbeat_png_info())
    Image.new("RGB", (4, 4)).save(tmp_path / "users.png")
    assert is_toonbeat_file(tmp_path / "keyed.png")
    assert is_toonbeat_file(tmp_path / "drawn.png")
    assert not is_toonbeat_file(tmp_path / "users.png")
    assert Image.open(tmp_path / "keyed.png").size == (4, 4)


def test_wavs_written_by_toonbeat_are_marked_and_others_are_not(tmp_path: Path) -> None:
    import soundfile

    write_wav(tmp_path / "ours.wav", np.zeros((4800, 2)), 48000)
    soundfile.write(tmp_path / "users.wav", np.zeros(4800), 48000)
    click_song(tmp_path / "wave_module.wav", seconds=2.0)
    assert is_toonbeat_file(tmp_path / "ours.wav")
    assert not is_toonbeat_file(tmp_path / "users.wav")
    assert not is_toonbeat_file(tmp_path / "wave_module.wav")
    assert soundfile.info(tmp_path / "ours.wav").frames == 4800


def test_a_marked_mp4_still_plays_and_an_unmarked_one_is_not_toonbeats(tmp_path: Path) -> None:
    video = tmp_path / "video.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64:d=1", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(video)], check=True)
    assert not is_toonbeat_file(video)
    mark_mp4(video)
    assert is_toonbeat_file(video)
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames",
                            "-of", "csv=p=0", str(video)], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "25"
    assert probe.stderr == ""


# analyze


def test_analyze_refuses_to_write_the_beat_file_over_the_song(tmp_path: Path, song: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "s.wav"
    shutil.copy(song, copy)
    before = copy.read_bytes()
    code, err = run(capsys, "analyze", str(copy), "-o", str(copy), "--overwrite")
    assert code == 1
    assert "s.wav: is the same file as" in err
    assert copy.read_bytes() == before


def test_analyze_refuses_a_plot_over_the_song_and_a_file_of_the_users(tmp_path: Path, song: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}')
    code, err = run(capsys, "analyze", str(song), "-o", str(tmp_path / "b.json"), "--plot", str(song))
    assert code == 1
    assert "is the same file as" in err
    code, err = run(capsys, "analyze", str(song), "-o", str(notes))
    assert code == 1
    assert f"{notes}: exists and was not made by Toonbeat; pass --overwrite to replace it" in err
    assert notes.read_text() == '{"mine": true}'
    assert not (tmp_path / "b.json").exists()


def test_analyze_replaces_its_own_beat_file_and_a_users_file_only_with_overwrite(
        tmp_path: Path, song: Path, capsys: pytest.CaptureFixture[str], umask_022: None) -> None:
    beats, plot = tmp_path / "song.beats.json", tmp_path / "song.png"
    assert run(capsys, "analyze", str(song), "-o", str(beats), "--plot", str(plot))[0] == 0
    assert run(capsys, "analyze", str(song), "-o", str(beats), "--plot", str(plot))[0] == 0
    assert beats.stat().st_mode & 0o777 == 0o644
    assert plot.stat().st_mode & 0o777 == 0o644
    assert is_toonbeat_file(plot)
    users = tmp_path / "users.json"
    users.write_text("{}")
    assert run(capsys, "analyze", str(song), "-o", str(users), "--overwrite")[0] == 0
    assert beatfile.load(users).tempo > 0


def test_analyze_checks_every_output_of_a_batch_before_analysing_any(tmp_path: Path, song: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.wav"
    shutil.copy(song, other)
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.json").write_text("my own")
    code, err = run(capsys, "analyze", str(song), str(other), "-o", str(out))
    assert code == 1
    assert "other.json: exists and was not made by Toonbeat" in err
    assert sorted(p.name for p in out.iterdir()) == ["other.json"]


# art


def test_art_backgrounds_refuse_to_draw_over_the_users_image(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            umask_022: None) -> None:
    out = tmp_path / "bg"
    arguments = ["art", "backgrounds", "--backend", "procedural", "-o", str(out), "--labels", "intro,drop",
                 "--size", "96x64"]
    assert run(capsys, *arguments)[0] == 0
    assert run(capsys, *arguments)[0] == 0, "its own backgrounds are replaced"
    assert (out / "drop.png").stat().st_mode & 0o777 == 0o644
    Image.new("RGB", (8, 8), (9, 9, 9)).save(out / "drop.png")
    before = snapshot(out)
    code, err = run(capsys, *arguments)
    assert code == 1
    assert f"{out / 'drop.png'}: exists and was not made by Toonbeat; pass --overwrite" in err
    assert snapshot(out) == before
    assert run(capsys, *arguments, "--overwrite")[0] == 0
    assert is_toonbeat_file(out / "drop.png")


def test_art_character_refuses_a_folder_holding_the_users_files(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "characters"
    arguments = ["art", "character", "--backend", "procedural", "-o", str(out), "--no-secondary",
                 "--height-px", "96"]
    assert run(capsys, *arguments)[0] == 0
    assert run(capsys, *arguments)[0] == 0
    folder = next(out.iterdir())
    Image.new("RGB", (8, 8)).save(folder / "idle.png")
    before = snapshot(out)
    code, err = run(capsys, *arguments)
    assert code == 1
    assert "idle.png: exists and was not made by Toonbeat" in err
    assert snapshot(out) == before


def test_art_character_output_that_is_a_file_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cyborg_dj").write_text("a file")
    code, err = run(capsys, "art", "character", "--backend", "procedural", "-o", str(tmp_path), "--no-secondary",
                    "--name", "cyborg_dj")
    assert code == 1
    assert "cyborg_dj: is a file; the character is drawn into a folder" in err


# music and demo refuse before any model or synthesis runs


def test_music_refuses_to_write_over_the_melody_or_a_users_wav(tmp_path: Path, song: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "music", "-o", str(song), "--melody", str(song), "--overwrite")
    assert code == 1
    assert "is the same file as" in err
    users = tmp_path / "take1.wav"
    shutil.copy(song, users)
    import soundfile

    soundfile.write(users, np.zeros(4800), 48000)
    code, err = run(capsys, "music", "-o", str(users))
    assert code == 1
    assert f"{users}: exists and was not made by Toonbeat; pass --overwrite" in err
    (tmp_path / "take2.music.json").write_text("{}")
    code, err = run(capsys, "music", "-o", str(tmp_path / "take2.wav"))
    assert code == 1
    assert "take2.music.json: exists and was not made by Toonbeat" in err


def test_demo_refuses_to_write_over_a_users_file_before_it_starts(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "track.wav").write_text("my recording")
    code, err = run(capsys, "demo", "--out-dir", str(tmp_path))
    assert code == 1
    assert "track.wav: exists and was not made by Toonbeat; pass --overwrite" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["demo", "track.wav"]


def test_procedural_backgrounds_are_written_with_the_users_umask(tmp_path: Path, umask_022: None) -> None:
    written = draw_backgrounds(tmp_path, labels=("drop",), size=(96, 64))
    assert written["drop"].stat().st_mode & 0o777 == 0o644
