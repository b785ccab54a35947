"""OpenPose skeletons drawn from Toonbeat's pose library: layout, colours, and the pose they show."""

import numpy as np
import pytest

from generators.art.characters.poses import POSES, mirrored
from generators.art.skeletons import COLOURS, body_for, keypoints, skeleton_image

NOSE, NECK, R_WRIST, L_WRIST, R_ANKLE, L_ANKLE, R_EAR, L_EAR = 0, 1, 4, 7, 10, 13, 16, 17


def points(name: str, width: int = 512, height: int = 768):
    return keypoints(POSES[name], body_for("cyborg_dj"), width, height)


def test_every_joint_is_a_dot_in_its_openpose_colour():
    image = np.asarray(skeleton_image(POSES["idle"], 512, 768))
    assert image.shape == (768, 512, 3) and image[0, 0].tolist() == [0, 0, 0]
    for index, point in enumerate(points("idle")):
        if point is not None:
            assert image[round(point[1]), round(point[0])].tolist() == list(COLOURS[index]), index


def test_the_figure_stands_on_the_procedural_characters_ground_line_facing_us():
    idle = points("idle")
    ground = 0.965 * 768
    assert max(idle[R_ANKLE][1], idle[L_ANKLE][1]) == pytest.approx(ground - body_for("cyborg_dj").boot_height
                                                                    * 0.78 * 768)
    assert idle[R_WRIST][0] < 256 < idle[L_WRIST][0]  # the person's right hand on the picture's left
    assert idle[NECK][1] < idle[R_ANKLE][1] and idle[NOSE][1] < idle[NECK][1]


def test_the_skeletons_show_the_poses_asked_for():
    idle, dance, headbang = points("idle"), points("dance"), points("headbang")
    assert dance[R_WRIST][1] < dance[NOSE][1]  # the dance throws an arm up over the head
    assert idle[R_WRIST][1] > idle[NECK][1]
    assert headbang[NOSE][0] > idle[NOSE][0] + 40  # bent over toward the right, head down
    assert headbang[NOSE][1] > idle[NOSE][1] + 40
    flipped = keypoints(mirrored(POSES["dance"]), body_for("cyborg_dj"), 512, 768)
    assert flipped[L_WRIST][1] == pytest.approx(dance[R_WRIST][1], abs=1)
    assert flipped[L_WRIST][0] == pytest.approx(512 - dance[R_WRIST][0], abs=25)


def test_an_ear_turned_away_is_left_out_as_openpose_does():
    walk = points("walk")  # the head turns toward the picture's right: the ear on that side goes behind it
    assert walk[L_EAR] is None and walk[R_EAR] is not None
    assert None not in points("idle")
