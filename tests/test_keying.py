"""Keying out the flat background of pose images drawn without transparency."""

from PIL import Image, ImageDraw

from addon.core.keying import border_color, has_transparency, key_out
from addon.core.png import read_png_info, write_png

PAPER, RED, INK = (250, 250, 250), (230, 40, 40), (0, 0, 0)


def on_paper(size=(60, 80)) -> Image.Image:
    """A red, ink-outlined ellipse with a paper-white eye inside it, on white paper, no alpha."""
    image = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(image)
    draw.ellipse([8, 8, size[0] - 8, size[1] - 4], fill=RED, outline=INK, width=3)
    draw.rectangle([26, 30, 34, 38], fill=PAPER)
    return image


def rgba_bytes(image: Image.Image) -> bytes:
    return image.convert("RGBA").transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes()


def test_a_drawing_on_flat_paper_has_that_paper_as_its_border_colour():
    assert border_color(rgba_bytes(on_paper()), 60, 80) == PAPER


def test_a_busy_border_is_not_keyed():
    image = on_paper()
    ImageDraw.Draw(image).rectangle([0, 0, 59, 30], fill=(10, 120, 10))
    assert border_color(rgba_bytes(image), 60, 80) is None


def test_keying_clears_the_paper_around_the_figure_but_not_inside_it():
    keyed = key_out(rgba_bytes(on_paper()), 60, 80, PAPER)
    keyed_image = Image.frombytes("RGBA", (60, 80), bytes(keyed)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    assert keyed_image.getpixel((0, 0))[3] == 0
    assert keyed_image.getpixel((59, 79))[3] == 0
    assert keyed_image.getpixel((30, 34)) == (*PAPER, 255)
    assert keyed_image.getpixel((30, 60)) == (*RED, 255)
    assert has_transparency(bytes(keyed))
    assert not has_transparency(rgba_bytes(on_paper()))


def test_soft_edges_get_partial_alpha_with_the_paper_taken_out():
    image = Image.new("RGB", (30, 10), PAPER)
    image.paste(INK, (15, 0, 30, 10))
    image.paste((125, 125, 125), (14, 0, 15, 10))
    keyed = Image.frombytes("RGBA", (30, 10), bytes(key_out(rgba_bytes(image), 30, 10, PAPER)))
    red, green, blue, alpha = keyed.getpixel((14, 5))
    assert 110 < alpha < 145
    assert max(red, green, blue) < 10


def test_written_png_reads_back_with_the_same_pixels(tmp_path):
    pixels = rgba_bytes(on_paper())
    write_png(tmp_path / "copy.png", pixels, 60, 80)
    assert read_png_info(tmp_path / "copy.png").color_type == "rgba"
    assert rgba_bytes(Image.open(tmp_path / "copy.png")) == pixels
    assert [p.name for p in tmp_path.iterdir()] == ["copy.png"]


def test_the_keyers_docstring_example_runs():
    import doctest

    from addon.core import keying

    assert doctest.testmod(keying).failed == 0
