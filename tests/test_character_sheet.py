"""Character folders: pose PNGs by name, variants, and the optional sheet."""

import json

import pytest

from addon.core.character_sheet import CharacterError, read_character, write_sheet
from tests.art import character_folder


def test_poses_and_numbered_variants_are_found_by_file_name(tmp_path):
    folder = character_folder(tmp_path / "robot", poses=("idle", "dance", "dance_2", "walk", "wave"))
    character = read_character(folder)
    assert character.name == "robot"
    assert character.pose_names == ("idle", "dance", "walk", "wave")
    assert [p.name for p in character.poses["dance"]] == ["dance.png", "dance_2.png"]
    assert character.anchor == (0.5, 1.0)


def test_the_sheet_names_the_character_and_sets_anchor_and_scale(tmp_path):
    folder = character_folder(tmp_path / "dj", poses=("idle", "dance"))
    write_sheet(folder, "Cyborg DJ", anchor=(0.45, 0.95), scale=1.2, prompt="a cyborg", seed=3)
    character = read_character(folder)
    assert (character.name, character.anchor, character.scale) == ("Cyborg DJ", (0.45, 0.95), 1.2)
    assert character.extra == {"prompt": "a cyborg", "seed": 3}


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ({"anchor": [2, 0]}, "'anchor' must be two numbers"),
        ({"scale": 0}, "'scale' must be a positive"),
        ({"poses": {"idle": ["missing.png"]}}, "missing pose image"),
        ({"poses": ["idle.png"]}, "'poses' must map"),
    ],
)
def test_a_bad_sheet_is_refused_clearly(tmp_path, sheet, message):
    folder = character_folder(tmp_path / "c", poses=("idle",))
    (folder / "character.json").write_text(json.dumps(sheet))
    with pytest.raises(CharacterError, match=message):
        read_character(folder)


def test_an_empty_or_missing_folder_is_refused(tmp_path):
    with pytest.raises(CharacterError, match="no pose images"):
        read_character(tmp_path)
    with pytest.raises(CharacterError, match="not a folder"):
        read_character(tmp_path / "nowhere")
