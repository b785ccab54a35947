"""Presets are data files: the built-in ones load, typos are caught, overrides apply."""

import json

import pytest

from addon.core.presets import EFFECTS, PresetError, apply_overrides, builtin_preset_names, load_preset


def test_the_three_built_in_presets_load():
    assert {"house_bounce", "industrial_headbang", "minimal"} <= set(builtin_preset_names())
    for name in builtin_preset_names():
        preset = load_preset(name)
        assert set(preset.effects) <= set(EFFECTS)
        assert preset.poses


def test_a_copied_and_edited_preset_file_loads(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "Mine", "poses": {"drop": ["dance"]}, "effects": {"flash": {"intensity": 2}}}))
    preset = load_preset(path)
    assert preset.name == "Mine"
    assert preset.strength("flash") == 2.0
    assert preset.strength("shake") == 0.0


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"efects": {}}, "unknown key 'efects'"),
        ({"effects": {"wobble": {}}}, "unknown effect 'wobble'"),
        ({"effects": {"flash": {"intensity": 9}}}, "'intensity' must be a number from 0 to 3"),
        ({"poses": {"drop": []}}, "non-empty lists"),
        ({"flash_on": "hats"}, "'flash_on' must be one of"),
        ({"section_colors": {"drop": [2, 0, 0]}}, "values from 0 to 1"),
    ],
)
def test_mistakes_in_a_preset_are_named(tmp_path, document, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(PresetError, match=message):
        load_preset(path)


def test_unknown_preset_names_list_the_known_ones():
    with pytest.raises(PresetError, match="house_bounce"):
        load_preset("disco")


def test_overrides_switch_effects_and_scale_intensities():
    preset = load_preset("house_bounce")
    changed = apply_overrides(preset, enable=["strobe"], disable=["shake"], strength={"flash": 2.0})
    assert changed.effect("strobe").enabled
    assert changed.strength("shake") == 0.0
    assert changed.strength("flash") == pytest.approx(2 * preset.strength("flash"))
    with pytest.raises(PresetError):
        apply_overrides(preset, enable=["wobble"])


def test_a_users_preset_is_found_by_name_before_a_shipped_one_of_the_same_name(tmp_path):
    mine = tmp_path / "minimal.json"
    mine.write_text(json.dumps({"name": "My minimal", "effects": {"pose": {"enabled": True}}}))
    assert load_preset("minimal", search=(tmp_path,)).name == "My minimal"
    assert load_preset("minimal").name != "My minimal"


def test_a_preset_file_that_is_not_there_is_named_in_the_error(tmp_path):
    with pytest.raises(PresetError, match=r"gone.json: cannot read the preset: no such file"):
        load_preset(tmp_path / "gone.json")
