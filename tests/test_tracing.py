"""Tracing flat-coloured cartoons into filled polygons, the way Grease Pencil characters are drawn."""

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from addon.core.tracing import (
    HOLE,
    loop_area,
    quantize,
    region_loops,
    simplify_loop,
    trace,
    tracing_from_dict,
    tracing_to_dict,
)
from generators.art.procedural import draw_character

RED, BLUE, INK = (230, 40, 40), (40, 80, 230), (24, 18, 32)


def blender_pixels(image: Image.Image) -> tuple[bytes, int, int]:
    """RGBA bytes with rows bottom-up, as Blender hands them over."""
    rgba = image.convert("RGBA").transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return rgba.tobytes(), rgba.width, rgba.height


def paint(tracing, background=(255, 0, 255, 255)) -> Image.Image:
    """The traced shapes painted back to front (holes in the background colour), top-down like a PNG."""
    image = Image.new("RGBA", (tracing.width, tracing.height), background)
    draw = ImageDraw.Draw(image)
    for shape in tracing.shapes:
        fill = background if shape.color == HOLE else (*tracing.palette[shape.color], 255)
        draw.polygon([(x, tracing.height - y) for x, y in shape.points], fill=fill)
    return image


def test_anti_aliased_edges_go_to_the_nearest_flat_colour():
    image = Image.new("RGBA", (40, 20), (*RED, 255))
    image.paste((*BLUE, 255), (20, 0, 40, 20))
    image.paste((135, 60, 135, 255), (19, 0, 21, 20))
    result = quantize(*blender_pixels(image))
    assert sorted(result.palette) == sorted([RED, BLUE])
    assert set(result.labels) == {1, 2}


def test_a_square_with_a_hole_has_a_counter_clockwise_outline_and_a_clockwise_hole():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.paste((*RED, 255), (2, 2, 8, 8))
    image.paste((0, 0, 0, 0), (4, 4, 6, 6))
    result = quantize(*blender_pixels(image))
    loops = region_loops(result.labels, 10, 10)[1]
    assert sorted(loop_area(loop) for loop in loops) == [-4.0, 36.0]
    outer = next(loop for loop in loops if loop_area(loop) > 0)
    assert sorted(outer) == [(2.0, 2.0), (2.0, 8.0), (8.0, 2.0), (8.0, 8.0)]


def test_pixels_touching_at_a_corner_are_separate_regions():
    image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    image.putpixel((1, 1), (*RED, 255))
    image.putpixel((2, 2), (*RED, 255))
    result = quantize(*blender_pixels(image))
    assert [loop_area(loop) for loop in region_loops(result.labels, 4, 4)[1]] == [1.0, 1.0]


def test_see_through_holes_come_back_as_holes_painted_after_the_shape_around_them():
    image = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([5, 5, 55, 55], fill=(*RED, 255), outline=(*INK, 255), width=3)
    ImageDraw.Draw(image).ellipse([20, 20, 40, 40], fill=(0, 0, 0, 0), outline=(*INK, 255), width=3)
    tracing = trace(*blender_pixels(image))
    kinds = [shape.color if shape.color == HOLE else tracing.palette[shape.color] for shape in tracing.shapes]
    assert kinds == [INK, RED, INK, HOLE]
    assert tracing.palette[tracing.outline] == INK


def test_a_tracing_saved_as_json_reads_back_the_same_and_a_damaged_or_older_one_is_refused():
    image = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([5, 5, 55, 55], fill=(*RED, 255), outline=(*INK, 255), width=3)
    tracing = trace(*blender_pixels(image))
    document = json.loads(json.dumps(tracing_to_dict(tracing)))
    assert tracing_from_dict(document) == tracing
    with pytest.raises(ValueError, match="version"):
        tracing_from_dict({**document, "version": 0})
    with pytest.raises(ValueError, match="damaged"):
        tracing_from_dict({**document, "shapes": [[0, [1.0, 2.0, 3.0]]]})


def test_simplifying_a_staircase_keeps_it_within_the_tolerance():
    staircase = [(float(i // 2 + i % 2), float(i // 2)) for i in range(40)] + [(20.0, 0.0)]
    simplified = simplify_loop(staircase, tolerance=1.0)
    assert len(simplified) <= 4
    assert all(min(abs(x - px) + abs(y - py) for px, py in simplified) <= 20 for x, y in staircase)


@pytest.fixture(scope="module")
def dancer(tmp_path_factory) -> Path:
    return draw_character(tmp_path_factory.mktemp("dj"), design="cyborg_dj", height_px=256).poses["dance"][0]


def test_a_traced_cartoon_paints_back_into_the_same_picture_away_from_its_edges(dancer):
    image = Image.open(dancer).convert("RGBA")
    tracing = trace(*blender_pixels(image))
    assert 8 <= len(tracing.palette) <= 24
    assert max(abs(a - b) for a, b in zip(tracing.palette[tracing.outline], INK, strict=True)) <= 8
    quantized = quantize(*blender_pixels(image))
    labels, width = quantized.labels, image.width
    flipped = paint(tracing, background=(0, 0, 0, 255)).convert("RGB").transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    raw = flipped.tobytes()
    painted = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    interior = [i for i in range(width + 1, len(labels) - width - 1)
                if labels[i] == labels[i - 1] == labels[i + 1] == labels[i - width] == labels[i + width]]
    expected = [(0, 0, 0), *quantized.palette]
    same = sum(1 for i in interior if painted[i] == expected[labels[i]])
    assert same / len(interior) > 0.99
