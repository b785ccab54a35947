"""Characters stand side by side on one ground line, never overlapping."""

import pytest

from addon.core.stage_layout import Figure, place_figures


def extent(figure, placement):
    width = figure.width * placement.scale
    left = placement.ground_x - figure.anchor[0] * width
    return left, left + width


def test_the_main_character_stands_in_the_middle():
    [placement] = place_figures(1920, 1080, [Figure("Hero", 512, 768, (0.5, 1.0))])
    assert placement.ground_x == pytest.approx(960)


def test_the_main_character_stands_equally_tall_in_any_frame_whatever_its_image_size():
    shares = []
    for frame_width, frame_height in ((1920, 1080), (1280, 720), (640, 360)):
        for image_height in (256, 768, 2048):
            [placement] = place_figures(frame_width, frame_height,
                                        [Figure("Hero", image_height // 2, image_height, (0.5, 1.0))])
            height = image_height * placement.scale
            assert frame_height / 2 < height and placement.ground_y + height < frame_height  # tall, head in frame
            shares.append(height / frame_height)
    assert max(shares) == pytest.approx(min(shares))


def test_a_sheets_scale_makes_the_character_that_much_smaller():
    [full] = place_figures(1920, 1080, [Figure("Hero", 300, 600, (0.5, 1.0))])
    [half] = place_figures(1920, 1080, [Figure("Hero", 300, 600, (0.5, 1.0), scale=0.5)])
    assert half.scale == pytest.approx(full.scale / 2)


def test_several_characters_never_overlap_and_stay_in_frame():
    figures = [Figure(f"C{i}", 600, 700, (0.4, 0.95)) for i in range(5)]
    placements = place_figures(1280, 720, figures)
    spans = sorted(extent(f, p) for f, p in zip(figures, placements, strict=True))
    assert all(left >= 0 and right <= 1280 for left, right in spans)
    assert all(spans[i][1] <= spans[i + 1][0] + 1e-6 for i in range(len(spans) - 1))
    assert len({p.ground_y for p in placements}) == 1


def test_secondary_characters_are_smaller_and_beside_the_main_one():
    figures = [Figure("Main", 100, 200, (0.5, 1.0)), Figure("Second", 100, 200, (0.5, 1.0))]
    main, second = place_figures(1920, 1080, figures)
    assert second.scale < main.scale
    assert second.ground_x > main.ground_x
