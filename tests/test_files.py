"""Files are written whole or not at all, with the user's umask, and hashed in one place."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from addon.core import files
from addon.core.files import (
    atomic_folder,
    atomic_path,
    file_identity,
    file_sha256,
    known_sha256,
    remember_sha256,
    write_bytes_atomically,
    write_json_atomically,
)


def test_a_written_file_gets_the_permissions_of_the_users_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_bytes_atomically(b"data", tmp_path / "a.bin")
    finally:
        os.umask(previous)
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "song.beats.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["song.beats.json"]


def test_json_is_written_into_a_new_folder(tmp_path: Path) -> None:
    write_json_atomically({"tempo": 128.0}, tmp_path / "new" / "a.json")
    assert (tmp_path / "new" / "a.json").read_text() == '{"tempo":128.0}'


def test_file_sha256_matches_hashlib_across_chunk_boundaries(tmp_path: Path) -> None:
    data = os.urandom((1 << 20) + 17)
    (tmp_path / "x").write_bytes(data)
    assert file_sha256(tmp_path / "x") == hashlib.sha256(data).hexdigest()


def test_a_known_hash_is_read_again_only_when_the_file_changed(tmp_path: Path, monkeypatch) -> None:
    song = tmp_path / "song.wav"
    song.write_bytes(b"first take")
    reads: list[Path] = []
    monkeypatch.setattr(files, "file_sha256", lambda path: reads.append(path) or file_sha256(path))
    assert known_sha256(song) == hashlib.sha256(b"first take").hexdigest()
    assert known_sha256(tmp_path / "." / "song.wav") == hashlib.sha256(b"first take").hexdigest()
    assert len(reads) == 1
    song.write_bytes(b"second take")  # another size
    assert known_sha256(song) == hashlib.sha256(b"second take").hexdigest()
    os.utime(song, ns=(0, song.stat().st_mtime_ns + 1_000_000))  # the same size, touched
    remember_sha256(file_identity(song), "f" * 64)  # as the analysis process would have hashed it
    assert known_sha256(song) == "f" * 64
    song.write_bytes(b"third take!")  # the same size as the second, rewritten
    os.utime(song, ns=(0, song.stat().st_mtime_ns + 2_000_000))
    assert known_sha256(song) == hashlib.sha256(b"third take!").hexdigest()
    assert len(reads) == 3
    with pytest.raises(FileNotFoundError):
        known_sha256(tmp_path / "missing.wav")


def test_a_folder_of_files_appears_only_when_all_are_written(tmp_path: Path) -> None:
    target = tmp_path / "hero"
    with atomic_folder(target) as staging:
        (staging / "idle.png").write_bytes(b"idle")
        (staging / "dance.png").write_bytes(b"dance")
        assert not target.exists()
    assert sorted(p.name for p in target.iterdir()) == ["dance.png", "idle.png"]
    assert [p.name for p in tmp_path.iterdir()] == ["hero"]


def test_a_failed_folder_adds_nothing_and_keeps_what_was_there(tmp_path: Path) -> None:
    target = tmp_path / "hero"
    target.mkdir()
    (target / "mine.png").write_bytes(b"the artist's")
    with pytest.raises(RuntimeError), atomic_folder(target) as staging:
        (staging / "idle.png").write_bytes(b"idle")
        raise RuntimeError("cancelled")
    assert [p.name for p in target.iterdir()] == ["mine.png"]
    assert [p.name for p in tmp_path.iterdir()] == ["hero"]


def test_a_staged_folder_replaces_its_namesake_whole_before_the_files_land(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "dance"
    (target / "frames").mkdir(parents=True)
    (target / "frames" / "0000.png").write_bytes(b"old first")
    (target / "frames" / "0001.png").write_bytes(b"old second")
    (target / "notes.txt").write_text("the artist's")
    landed: list[str] = []
    replace = os.replace

    def recording_replace(source, destination) -> None:
        if Path(destination).parent == target:
            landed.append(Path(destination).name)
        replace(source, destination)

    with atomic_folder(target) as staging:
        (staging / "frames").mkdir()
        (staging / "frames" / "0000.png").write_bytes(b"new first")
        (staging / "clip.json").write_text("{}")
        monkeypatch.setattr(os, "replace", recording_replace)
    assert landed == ["frames", "clip.json"]
    assert [p.name for p in (target / "frames").iterdir()] == ["0000.png"]
    assert (target / "frames" / "0000.png").read_bytes() == b"new first"
    assert (target / "notes.txt").read_text() == "the artist's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dance"]
