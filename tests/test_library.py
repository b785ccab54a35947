"""The library keeps every version, never rewrites one, and finds entries by tag, tempo, style and section."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from addon.core import asset_catalogs, library
from addon.core.backgrounds import background_clip, read_backgrounds
from addon.core.character_sheet import read_character
from addon.core.library import LibraryError
from generators import cli
from tests.art import background_folder, character_folder
from tests.songs import click_song_with_beat_file


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def tmp_in(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return tmp_path / "in"


@pytest.fixture
def song(tmp_in: Path) -> tuple[Path, Path]:
    wav, beats_path, _ = click_song_with_beat_file(tmp_in, bpm=128.0, seconds=8.0,
                                                   sections=((0.0, "intro"), (4.0, "drop")))
    return wav, beats_path


def test_a_catalog_has_the_same_uuid_on_every_machine() -> None:
    # The literal is the point: a library synced from another machine must land in the same catalogs.
    assert asset_catalogs.catalog_uuid("Toonbeat/Songs") == asset_catalogs.catalog_uuid(" Toonbeat / Songs/ ")
    assert asset_catalogs.catalog_uuid("Toonbeat/Songs") == "afcbb5a8-8d4b-5006-9277-335c6259faf4"
    assert asset_catalogs.catalog_uuid("Toonbeat/Songs") != asset_catalogs.catalog_uuid("Toonbeat/Characters")


def test_catalogs_are_only_added_to_and_keep_what_the_artist_renamed(tmp_path: Path) -> None:
    songs = asset_catalogs.catalog_uuid("Toonbeat/Songs")
    artist_lines = f"VERSION 1\n\n1b4e28ba-2fa1-11d2-883f-0016d3cca427:My Stuff:My-Stuff\n{songs}:Music/Tracks:Tracks\n"
    (tmp_path / asset_catalogs.CATALOG_FILE).write_text(artist_lines)
    last = asset_catalogs.ensure_catalogs(tmp_path, ["Toonbeat/Songs/Industrial"])
    text = (tmp_path / asset_catalogs.CATALOG_FILE).read_text()
    assert text.startswith(artist_lines)
    assert text.count(songs) == 1
    assert last == asset_catalogs.catalog_uuid("Toonbeat/Songs/Industrial")
    assert asset_catalogs.read_catalogs(tmp_path)[last] == "Toonbeat/Songs/Industrial"
    assert asset_catalogs.catalog_uuid("Toonbeat") in asset_catalogs.read_catalogs(tmp_path)


def test_a_catalog_path_with_a_colon_is_refused() -> None:
    with pytest.raises(ValueError, match="catalog path"):
        asset_catalogs.catalog_uuid("Toonbeat/Songs:Evil")


def test_a_song_is_copied_with_its_beat_file_tempo_sections_and_catalog(tmp_path: Path, song) -> None:
    wav, _ = song
    entry, added = library.add(tmp_path / "lib", "song", wav, style="industrial")
    assert added and entry.version == 1
    assert entry.folder == tmp_path / "lib" / "songs" / "clicks" / "v001"
    assert (entry.folder / "clicks.wav").read_bytes() == wav.read_bytes()
    assert (entry.folder / "clicks.beats.json").is_file()
    assert entry.bpm == 128.0 and entry.sections == ("intro", "drop")
    assert {"song", "128 BPM", "4/4", "intro", "drop", "industrial"} <= set(entry.tags)
    assert entry.catalog == "Toonbeat/Songs/Industrial"
    assert asset_catalogs.catalog_uuid(entry.catalog) in asset_catalogs.read_catalogs(tmp_path / "lib")
    assert library.entries(tmp_path / "lib") == [entry]


def test_a_song_without_a_beat_file_is_refused_with_the_way_out(tmp_path: Path, song) -> None:
    wav, beats_path = song
    beats_path.unlink()
    with pytest.raises(LibraryError, match="toonbeat analyze"):
        library.add(tmp_path / "lib", "song", wav)
    assert not (tmp_path / "lib").exists() or not list((tmp_path / "lib").rglob("entry.json"))


def test_adding_the_same_files_again_adds_nothing(tmp_path: Path, song) -> None:
    wav, _ = song
    first, _ = library.add(tmp_path / "lib", "song", wav)
    again, added = library.add(tmp_path / "lib", "song", wav)
    assert not added and again == first
    assert [e.version for e in library.entries(tmp_path / "lib")] == [1]


def test_a_regeneration_with_the_same_name_adds_a_version_and_never_touches_the_old_one(tmp_path: Path,
                                                                                         tmp_in: Path) -> None:
    characters = tmp_path / "lib" / "characters"
    first, _ = library.add(tmp_path / "lib", "character", character_folder(tmp_in / "dj"), name="DJ")
    before = _snapshot(first.folder)
    character_folder(tmp_in / "dj", size=(100, 220))  # drawn again: other pixels, same name
    second, added = library.add(tmp_path / "lib", "character", tmp_in / "dj", name="DJ")
    assert added and (first.version, second.version) == (1, 2)
    assert _snapshot(first.folder) == before
    assert sorted(p.name for p in (characters / "dj").iterdir()) == ["v001", "v002"]
    assert library.newest_versions(library.entries(tmp_path / "lib")) == [second]


def test_an_unfinished_copy_is_ignored_and_never_reused(tmp_path: Path, tmp_in: Path) -> None:
    unfinished = tmp_path / "lib" / "backgrounds" / "club" / "v001"
    unfinished.mkdir(parents=True)
    (unfinished / "drop.png").write_bytes(b"half a file")
    entry, _ = library.add(tmp_path / "lib", "backgrounds", background_folder(tmp_in / "club", ("intro", "drop")))
    assert entry.version == 2
    assert (unfinished / "drop.png").read_bytes() == b"half a file"
    assert library.entries(tmp_path / "lib") == [entry]
    assert sorted(entry.sections) == ["drop", "intro"] and entry.preview == "drop.png"


def test_a_corrupt_entry_file_is_skipped_not_fatal(tmp_path: Path, tmp_in: Path) -> None:
    entry, _ = library.add(tmp_path / "lib", "character", character_folder(tmp_in / "dj"))
    other, _ = library.add(tmp_path / "lib", "backgrounds", background_folder(tmp_in / "bg"))
    (entry.folder / library.ENTRY_FILE).write_bytes(b"\xff not json")
    with pytest.warns(UserWarning, match="entry.json"):
        assert library.entries(tmp_path / "lib") == [other]


def test_a_character_keeps_its_poses_as_tags_and_its_sheet_origin(tmp_path: Path, tmp_in: Path) -> None:
    folder = character_folder(tmp_in / "robot")
    (folder / "character.json").write_text(json.dumps({"name": "Robot Drummer", "prompt": "a robot", "seed": 7,
                                                       "model": "tiny-sd", "style": "industrial"}))
    entry, _ = library.add(tmp_path / "lib", "character", folder)
    assert entry.name == "robot-drummer" and entry.title == "Robot Drummer"
    assert {"character", "idle", "dance", "headbang", "walk", "industrial"} <= set(entry.tags)
    assert entry.origin == {"prompt": "a robot", "seed": 7, "model": "tiny-sd"}
    assert entry.preview == "idle.png" and (entry.folder / "character.json").is_file()


def test_a_clip_of_jpeg_frames_is_previewed_by_its_first_hit_and_a_broken_clip_is_refused(tmp_path: Path,
                                                                                           tmp_in: Path) -> None:
    from PIL import Image

    from addon.core.clip import Clip, read_clip, write_clip

    folder = tmp_in / "strobes"
    (folder / "frames").mkdir(parents=True)
    for index in range(4):
        Image.new("RGB", (16, 9), (60 * index, 0, 0)).save(folder / "frames" / f"{index:03d}.jpg")
    write_clip(Clip(folder, "background", "strobes", 24.0, 4, "frames/{index:03d}.jpg", None, True, 2, (2,), (16, 9),
                    "procedural", seed=5))
    entry, _ = library.add(tmp_path / "lib", "clip", folder)
    assert entry.preview == "frames/002.jpg" and read_clip(entry.folder).frame_count == 4
    assert {"clip", "background", "strobes", "procedural"} <= set(entry.tags) and entry.origin["seed"] == 5
    backgrounds = background_folder(tmp_in / "bg")
    shutil.copytree(folder, backgrounds / "drop")  # drop.png's loop, as the procedural venues write them
    copied, _ = library.add(tmp_path / "lib", "backgrounds", backgrounds)
    assert background_clip(read_backgrounds(copied.folder)["drop"]).frame_count == 4  # frames came along
    (folder / "frames" / "003.jpg").unlink()
    with pytest.raises(LibraryError, match=r"missing frames/003\.jpg"):
        library.add(tmp_path / "lib", "clip", folder)


def test_a_musicgen_song_records_the_weights_licence(tmp_path: Path, song) -> None:
    wav, _ = song
    wav.with_suffix(".music.json").write_text(json.dumps({"prompt": "industrial techno", "seed": 3,
                                                          "model": "facebook/musicgen-small"}))
    entry, _ = library.add(tmp_path / "lib", "song", wav)
    assert entry.origin["licence"].startswith("CC-BY-NC-4.0")
    assert (entry.folder / "clicks.music.json").is_file()


def test_search_by_tag_tempo_style_section_and_text(tmp_path: Path, tmp_in: Path) -> None:
    lib = tmp_path / "lib"
    for bpm, name, style in ((100.0, "slow", "house"), (128.0, "club", "industrial"), (140.0, "fast", "industrial")):
        (tmp_in / name).mkdir()
        wav, _, _ = click_song_with_beat_file(tmp_in / name, bpm=bpm, seconds=8.0,
                                              sections=((0.0, "intro"), (4.0, "drop" if bpm > 110 else "outro")))
        library.add(lib, "song", wav, name=name, style=style)
    library.add(lib, "character", character_folder(tmp_in / "dj"), tags=["club"])
    found = library.entries(lib)
    names = lambda entries: [e.name for e in entries]  # noqa: E731
    assert names(library.search(found, bpm=(120, 130))) == ["club"]
    assert names(library.search(found, style="Industrial")) == ["club", "fast"]
    assert names(library.search(found, section="drop", bpm=(135, 200))) == ["fast"]
    assert names(library.search(found, tags=["club"])) == ["dj"]
    assert names(library.search(found, kind="song", text="slo")) == ["slow"]
    assert library.search(found, bpm=(1, 400), kind="character") == []


def test_find_resolves_names_kinds_and_versions(tmp_path: Path, tmp_in: Path) -> None:
    lib = tmp_path / "lib"
    library.add(lib, "character", character_folder(tmp_in / "dj"))
    character_folder(tmp_in / "dj", size=(90, 90))
    library.add(lib, "character", tmp_in / "dj")
    assert library.find(lib, "dj").version == 2
    assert library.find(lib, "character:dj@v1").version == 1
    assert library.find(lib, "dj@1").version == 1
    with pytest.raises(LibraryError, match="not in the library"):
        library.find(lib, "dj@v3")
    with pytest.raises(LibraryError, match="unknown kind"):
        library.find(lib, "movie:dj")


def test_the_command_line_adds_lists_filters_and_shows(tmp_path: Path, song, capsys) -> None:
    wav, _ = song
    lib = str(tmp_path / "lib")
    assert cli.main(["library", "add", "song", str(wav), "--style", "industrial", "--tag", "night",
                     "--library", lib, "--no-assets"]) == 0
    assert "song:clicks@v1 added" in capsys.readouterr().out
    assert cli.main(["library", "add", "song", str(wav), "--library", lib, "--no-assets"]) == 0
    assert "already there" in capsys.readouterr().out
    assert cli.main(["library", "list", "--bpm", "120-130", "--tag", "night", "--json", "--library", lib]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["reference"] for e in listed] == ["song:clicks@v1"] and listed[0]["bpm"] == 128.0
    assert cli.main(["library", "list", "--bpm", "60-90", "--library", lib]) == 0
    assert "0 entries" in capsys.readouterr().out
    assert cli.main(["library", "show", "clicks", "--json", "--library", lib]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sections"] == ["intro", "drop"] and shown["style"] == "industrial"


def test_the_command_line_refuses_nonsense_with_a_message(tmp_path: Path, capsys) -> None:
    lib = str(tmp_path / "lib")
    assert cli.main(["library", "show", "nothing", "--library", lib]) == 1
    assert "not in the library" in capsys.readouterr().err
    assert cli.main(["library", "add", "character", str(tmp_path / "missing"), "--library", lib]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["library", "list", "--bpm", "130-120", "--library", lib])
    assert "range" in capsys.readouterr().err


def test_an_entry_from_another_library_keeps_its_name(tmp_path: Path, tmp_in: Path) -> None:
    cloud, _ = library.add(tmp_path / "cloud", "character", character_folder(tmp_in / "dj"), name="Neon DJ")
    home, added = library.add(tmp_path / "home", "character", cloud.folder)
    assert added and home.reference == "character:neon-dj@v1"
    assert "entry.json" not in home.files


def test_generating_with_library_adds_what_was_drawn_and_a_second_run_adds_a_version(tmp_path: Path, capsys) -> None:
    lib = tmp_path / "lib"
    common = ["--backend", "procedural", "--no-secondary", "--height-px", "160", "--library", str(lib)]
    assert cli.main(["art", "character", "-o", str(tmp_path / "a"), *common]) == 0
    assert cli.main(["art", "character", "-o", str(tmp_path / "b"), "--seed", "5", *common]) == 0
    assert [e.reference for e in library.entries(lib)] == ["character:cyborg-dj@v1", "character:cyborg-dj@v2"]
    assert cli.main(["art", "backgrounds", "--backend", "procedural", "--labels", "intro,drop", "--size", "320x180",
                     "-o", str(tmp_path / "bg"), "--library", str(lib)]) == 0
    backgrounds = library.find(lib, "backgrounds:industrial-club")
    assert sorted(backgrounds.sections) == ["drop", "intro"]
    assert "added" in capsys.readouterr().out


def test_libraries_filled_apart_define_the_same_catalogs(tmp_path: Path, tmp_in: Path) -> None:
    cloud, home = tmp_path / "cloud", tmp_path / "home"
    library.add(cloud, "character", character_folder(tmp_in / "dj"), style="industrial")
    library.add(home, "backgrounds", background_folder(tmp_in / "club"))
    library.add(home, "character", character_folder(tmp_in / "robot"), style="Industrial")
    shared = {"Toonbeat", "Toonbeat/Characters", "Toonbeat/Characters/Industrial"}
    on = {place: {path: uuid for uuid, path in asset_catalogs.read_catalogs(place).items()} for place in (cloud, home)}
    assert {path: on[cloud][path] for path in shared} == {path: on[home][path] for path in shared}


def test_a_character_without_a_sheet_keeps_its_name_in_the_library(tmp_path: Path, tmp_in: Path) -> None:
    source = character_folder(tmp_in / "dj")
    entry, _ = library.add(tmp_path / "lib", "character", source)
    assert read_character(entry.folder).name == "dj"
    assert not (source / "character.json").exists()
    assert library.add(tmp_path / "lib", "character", source)[1] is False


def test_the_command_line_filters_by_style_and_section(tmp_path: Path, tmp_in: Path, song, capsys) -> None:
    wav, _ = song
    lib = str(tmp_path / "lib")
    assert cli.main(["library", "add", "song", str(wav), "--style", "industrial", "--library", lib, "--no-assets"]) == 0
    assert cli.main(["library", "add", "backgrounds", str(background_folder(tmp_in / "club", ("intro", "outro"))),
                     "--style", "house", "--library", lib, "--no-assets"]) == 0
    capsys.readouterr()

    def listed(*filters: str) -> list[str]:
        assert cli.main(["library", "list", *filters, "--json", "--library", lib]) == 0
        return [entry["reference"] for entry in json.loads(capsys.readouterr().out)]

    assert listed("--style", "House") == ["backgrounds:club@v1"]
    assert listed("--section", "drop") == ["song:clicks@v1"]
    assert listed("--section", "intro") == ["backgrounds:club@v1", "song:clicks@v1"]
    assert listed("--section", "intro", "--style", "industrial", "--kind", "song") == ["song:clicks@v1"]
