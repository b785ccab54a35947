"""The embedded default's animated loops: real in-betweens, hits on beats, squash on the hits."""

import numpy as np
import pytest
from PIL import Image

from addon.core.character_sheet import read_character
from generators.art.characters.moves import MOVES, in_between
from generators.art.procedural import draw_character

HEIGHT = 128


@pytest.fixture(scope="module")
def dj(tmp_path_factory):
    return draw_character(tmp_path_factory.mktemp("dj") / "dj", "robot_drummer", height_px=HEIGHT, loops=True)


def alpha(path):
    with Image.open(path) as image:
        return np.asarray(image.getchannel("A"), dtype=np.int16)


def test_every_move_is_a_loop_of_12_to_24_drawings_with_hits_on_whole_beats(dj):
    assert set(dj.clips) == {"idle", "dance", "headbang", "walk", "jump", "fist_pump"} == set(MOVES)
    for name, clip in dj.clips.items():
        assert 12 <= clip.frame_count <= 24, name
        assert clip.loops and clip.source == "procedural"
        assert all(b == round(b) for b in (h * clip.beats_per_cycle / clip.frame_count for h in clip.hit_frames))
        assert len(set(clip.hit_beats)) == len(clip.hit_frames)


def test_the_drawings_between_hits_differ_from_each_other(dj):
    clip = dj.clips["dance"]
    frames = [alpha(path) for path in clip.frame_paths()]
    changes = [np.abs(b - a).mean() for a, b in zip(frames, frames[1:] + frames[:1], strict=True)]
    assert min(changes) > 0.3
    assert max(changes) < 40 * min(changes) + 30


def test_the_body_squashes_on_a_hit_and_stretches_on_the_way_up():
    jump = MOVES["jump"]
    assert in_between(jump, 0.0).squash > 0.1
    assert in_between(jump, 0.5).squash < 0
    assert in_between(jump, 0.7).lift > 0.1


def test_hair_and_cables_fly_out_late_after_the_head_whips():
    headbang = MOVES["headbang"]
    flows = [in_between(headbang, i / 12).pose.hair_flow for i in range(12)]
    assert max(flows) >= 0.8 and min(flows) < 0.6


def test_a_move_without_a_still_shows_its_first_hit_drawing_on_still_stages(dj):
    assert dj.poses["jump"] == (dj.clips["jump"].frame_path(0),)
    again = read_character(dj.folder)
    assert again.clips == dj.clips


def test_every_frame_of_a_character_shares_the_height_and_keeps_the_anchor_centred(dj):
    for clip in dj.clips.values():
        for path in clip.frame_paths():
            with Image.open(path) as image:
                assert image.height == HEIGHT and image.width % 2 == 0 and image.mode == "RGBA"


def test_drawing_on_several_cores_gives_the_same_drawings_as_on_one():
    from generators.art.characters.cyborg_dj import CyborgDJ
    from generators.art.loops import draw_move_frames

    moves = (MOVES["headbang"],)
    alone = draw_move_frames(CyborgDJ(), 64, moves, workers=1)["headbang"]
    shared = draw_move_frames(CyborgDJ(), 64, moves, workers=2)["headbang"]
    assert [image.tobytes() for image in alone] == [image.tobytes() for image in shared]
