"""The embedded art backend: characters in four poses and one background per section, with no model."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core.character_sheet import STANDARD_POSES, Character, read_character
from generators.art.procedural import DESIGNS, draw_backgrounds, draw_character
from generators.art.scenes.backdrop import THEMES
from generators.errors import ToonbeatError

HEIGHT = 384
LABELS = ("intro", "build", "drop", "breakdown", "outro")


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGBA")).astype(np.int32)


def opaque(image: np.ndarray) -> np.ndarray:
    return image[..., 3] > 128


def every_pose_file(character: Character) -> list[Path]:
    return [path for paths in character.poses.values() for path in paths]


@pytest.fixture(scope="module")
def characters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Character]:
    root = tmp_path_factory.mktemp("characters")
    return {design: draw_character(root / design, design, height_px=HEIGHT, variants=2) for design in DESIGNS}


@pytest.fixture(scope="module")
def backgrounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    root = tmp_path_factory.mktemp("backgrounds")
    return {theme: draw_backgrounds(root / theme, LABELS, size=(320, 180), theme=theme) for theme in THEMES}


def test_there_is_a_main_and_a_secondary_design() -> None:
    assert {"cyborg_dj", "robot_drummer"} <= set(DESIGNS)


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_every_pose_has_a_transparent_background_and_an_opaque_body(characters: dict[str, Character],
                                                                     design: str) -> None:
    character = characters[design]
    assert set(STANDARD_POSES) <= set(character.poses)
    for path in every_pose_file(character):
        with Image.open(path) as image:
            assert image.mode == "RGBA"
            assert image.height == HEIGHT
        image_pixels = pixels(path)
        corners = image_pixels[[0, 0, -1, -1], [0, -1, 0, -1], 3]
        assert (corners == 0).all(), path.name
        assert (image_pixels[..., 3] == 255).mean() > 0.08, f"{path.name}: too little solid body"


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_nothing_is_cut_off_at_the_image_edges(characters: dict[str, Character], design: str) -> None:
    for path in every_pose_file(characters[design]):
        alpha = pixels(path)[..., 3]
        assert alpha[0].max() == 0 and alpha[:, 0].max() == 0 and alpha[:, -1].max() == 0, path.name


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_the_silhouette_is_outlined_in_dark_ink(characters: dict[str, Character], design: str) -> None:
    for path in every_pose_file(characters[design]):
        image = pixels(path)
        solid = image[..., 3] > 200
        inner = solid.copy()
        inner[1:] &= solid[:-1]
        inner[:-1] &= solid[1:]
        inner[:, 1:] &= solid[:, :-1]
        inner[:, :-1] &= solid[:, 1:]
        border = solid & ~inner
        luminance = image[..., :3] @ np.array([0.299, 0.587, 0.114])
        assert border.sum() > 200
        assert (luminance[border] < 70).mean() > 0.8, f"{path.name}: silhouette edge is not dark ink"


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_the_four_poses_look_clearly_different(characters: dict[str, Character], design: str) -> None:
    character = characters[design]
    masks = {pose: opaque(pixels(character.poses[pose][0])) for pose in STANDARD_POSES}
    for first, second in itertools.combinations(STANDARD_POSES, 2):
        overlap = (masks[first] & masks[second]).sum() / (masks[first] | masks[second]).sum()
        assert overlap < 0.7, f"{first} and {second} share {overlap:.0%} of their silhouette"


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_every_pose_stands_on_the_anchor(characters: dict[str, Character], design: str) -> None:
    character = characters[design]
    anchor_x, anchor_y = character.anchor
    for path in every_pose_file(character):
        solid = opaque(pixels(path))
        height, width = solid.shape
        rows = np.nonzero(solid.any(axis=1))[0]
        assert abs(rows[-1] + 1 - anchor_y * height) <= 2, f"{path.name}: feet down to row {rows[-1]}"
        boots = solid[rows[-1] - height // 12 : rows[-1] + 1]
        columns = np.nonzero(boots.any(axis=0))[0]
        centre = (columns[0] + columns[-1]) / 2
        assert abs(centre - anchor_x * width) <= 0.12 * height, f"{path.name}: feet centred at column {centre}"


def test_at_full_size_the_feet_touch_the_anchor_row(tmp_path: Path) -> None:
    character = draw_character(tmp_path / "dj", height_px=768)
    for pose in STANDARD_POSES:
        solid = opaque(pixels(character.poses[pose][0]))
        lowest = np.nonzero(solid.any(axis=1))[0][-1]
        assert abs(lowest + 1 - character.anchor[1] * 768) <= 2, f"{pose}: feet down to row {lowest}"


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_every_pose_of_a_character_has_the_same_size(characters: dict[str, Character], design: str) -> None:
    sizes = {Image.open(path).size for path in every_pose_file(characters[design])}
    assert len(sizes) == 1


def test_read_character_round_trips(characters: dict[str, Character]) -> None:
    character = characters["cyborg_dj"]
    assert read_character(character.folder) == character
    assert character.name == "Cyborg DJ"
    assert character.scale == 1.0
    assert character.extra["design"] == "cyborg_dj"
    assert character.extra["seed"] == 0
    assert character.pose_names == STANDARD_POSES
    assert not [path for path in character.folder.iterdir() if path.name.startswith(".")]


def test_variants_are_numbered_files_of_a_different_pose(characters: dict[str, Character]) -> None:
    dance = characters["cyborg_dj"].poses["dance"]
    assert [path.name for path in dance] == ["dance.png", "dance_2.png"]
    assert (opaque(pixels(dance[0])) != opaque(pixels(dance[1]))).mean() > 0.03


def test_the_same_seed_draws_the_same_character(tmp_path: Path) -> None:
    first = draw_character(tmp_path / "a", "robot_drummer", seed=5, height_px=160)
    second = draw_character(tmp_path / "b", "robot_drummer", seed=5, height_px=160)
    for pose in STANDARD_POSES:
        assert np.array_equal(pixels(first.poses[pose][0]), pixels(second.poses[pose][0]))


def test_another_seed_or_design_draws_a_different_character(tmp_path: Path) -> None:
    base = draw_character(tmp_path / "base", "cyborg_dj", seed=0, height_px=160)
    reseeded = draw_character(tmp_path / "seeded", "cyborg_dj", seed=1, height_px=160)
    robot = draw_character(tmp_path / "robot", "robot_drummer", seed=0, height_px=160)
    idle = pixels(base.poses["idle"][0])
    for other in (reseeded, robot):
        other_idle = pixels(other.poses["idle"][0])
        assert other_idle.shape != idle.shape or np.abs(other_idle - idle).mean() > 3
    assert reseeded.extra["seed"] == 1


def test_a_palette_override_recolours_that_part(tmp_path: Path) -> None:
    red = draw_character(tmp_path / "red", "cyborg_dj", height_px=160, palette={"jacket": "#ff0000"})
    plain = draw_character(tmp_path / "plain", "cyborg_dj", height_px=160)

    def pure_red(character: Character) -> int:
        image = pixels(character.poses["idle"][0])
        return int(((image[..., 0] == 255) & (image[..., 1] == 0) & (image[..., 2] == 0)).sum())

    assert pure_red(red) > 200
    assert pure_red(plain) == 0


@pytest.mark.parametrize(("arguments", "message"), [
    ({"design": "unicorn"}, "unknown character design"),
    ({"palette": {"cape": "#ffffff"}}, "unknown colour name"),
    ({"palette": {"jacket": "not a colour"}}, "is not '#rrggbb'"),
    ({"palette": {"jacket": (300, 0, 0)}}, "is not '#rrggbb'"),
    ({"height_px": 10}, "at least 64"),
    ({"variants": 0}, "at least 1"),
])
def test_bad_character_requests_give_one_clear_error(tmp_path: Path, arguments: dict, message: str) -> None:
    with pytest.raises(ToonbeatError, match=message):
        draw_character(tmp_path / "character", **arguments)
    assert not (tmp_path / "character").exists()


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_backgrounds_are_opaque_the_right_size_and_one_per_label(backgrounds: dict[str, dict[str, Path]],
                                                                 theme: str) -> None:
    written = backgrounds[theme]
    assert list(written) == list(LABELS)
    for label, path in written.items():
        assert path.name == f"{label}.png"
        with Image.open(path) as image:
            assert image.size == (320, 180)
            assert image.mode == "RGB"


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_each_section_gets_its_own_lighting(backgrounds: dict[str, dict[str, Path]], theme: str) -> None:
    images = {label: pixels(path)[..., :3].astype(float) for label, path in backgrounds[theme].items()}
    for first, second in itertools.combinations(LABELS, 2):
        assert np.abs(images[first] - images[second]).mean() > 4, f"{first} and {second} look alike"
    brightness = {label: image.mean() for label, image in images.items()}
    assert max(brightness, key=brightness.__getitem__) == "drop"
    breakdown = images["breakdown"]
    assert breakdown[..., 2].mean() > breakdown[..., 0].mean(), "the breakdown is bluish"
    assert brightness["breakdown"] < brightness["intro"]

    def warmth(image: np.ndarray) -> float:
        return float(image[..., 0].mean() - image[..., 2].mean())

    assert warmth(images["build"]) > warmth(images["intro"])


def test_the_same_seed_paints_the_same_backgrounds_and_another_seed_does_not(tmp_path: Path) -> None:
    first = draw_backgrounds(tmp_path / "a", ["drop"], size=(160, 90), seed=3, theme="city")
    again = draw_backgrounds(tmp_path / "b", ["drop"], size=(160, 90), seed=3, theme="city")
    other = draw_backgrounds(tmp_path / "c", ["drop"], size=(160, 90), seed=4, theme="city")
    assert np.array_equal(pixels(first["drop"]), pixels(again["drop"]))
    assert not np.array_equal(pixels(first["drop"]), pixels(other["drop"]))


def test_numbered_section_labels_take_their_sections_mood(tmp_path: Path) -> None:
    written = draw_backgrounds(tmp_path, ["drop", "drop_2", "verse", "chorus"], size=(160, 90))
    assert sorted(path.name for path in written.values()) == ["chorus.png", "drop.png", "drop_2.png", "verse.png"]


@pytest.mark.parametrize(("arguments", "message"), [
    ({"labels": ["intro", "solo"]}, "unknown section label 'solo'"),
    ({"labels": ["../drop"]}, "cannot be a file name"),
    ({"theme": "beach"}, "unknown background theme"),
    ({"size": (32, 18)}, "at least 64x64"),
])
def test_bad_background_requests_give_one_clear_error(tmp_path: Path, arguments: dict, message: str) -> None:
    with pytest.raises(ToonbeatError, match=message):
        draw_backgrounds(tmp_path / "backgrounds", **arguments)
    assert not (tmp_path / "backgrounds").exists()


def test_background_loops_sweep_their_beams_and_are_brightest_on_their_beats(tmp_path: Path) -> None:
    from addon.core.backgrounds import background_clip

    written = draw_backgrounds(tmp_path, ["drop", "breakdown"], size=(320, 180), seed=2, loops=True)
    for label, still in written.items():
        clip = background_clip(still)
        assert clip is not None and (clip.kind, clip.name, clip.size) == ("background", label, (320, 180))
        assert clip.hit_frames == (0, clip.frame_count // 2) and clip.beats_per_cycle == 2
        frames = [pixels(path)[..., :3].astype(float) for path in clip.frame_paths()]
        assert np.abs(pixels(still)[..., :3] - frames[0]).mean() < 4, "the still is the loop's first drawing (as JPEG)"
        brightness = [frame.mean() for frame in frames]
        assert set(clip.hit_frames) == set(np.argsort(brightness)[-2:].tolist()), f"{label}: hits are brightest"
        changes = [np.abs(b - a).mean() for a, b in itertools.pairwise(frames)]
        assert min(changes) > 0.2, f"{label}: every drawing moves"
