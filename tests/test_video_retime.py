"""Retiming: in-between frames from DIS optical flow (and FFmpeg's minterpolate) against true in-betweens."""

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from addon.core.clip import FRAMES_PATTERN, Clip
from addon.core.overwrite import OverwriteError, png_is_toonbeat
from generators.errors import ToonbeatError
from generators.video import command
from generators.video.clips import write_clip_folder
from generators.video.retime import interpolate_dis, psnr, retime


def disc_at(x: float, size: int = 64) -> np.ndarray:
    """A textured disc on a gradient floor, its centre at ``x`` pixels: a frame of a sliding shot."""
    image = Image.fromarray(np.tile(np.linspace(40, 200, size, dtype=np.uint8)[:, None, None], (1, size, 3)))
    draw = ImageDraw.Draw(image)
    draw.ellipse((x - 12, 20, x + 12, 44), fill=(230, 60, 40), outline=(10, 10, 10), width=3)
    draw.line((x - 8, 32, x + 8, 32), fill=(250, 250, 90), width=3)
    return np.asarray(image).copy()


def test_the_dis_in_between_is_nearer_the_true_frame_than_a_cross_fade_or_a_held_frame():
    first, truth, second = disc_at(20), disc_at(26), disc_at(32)
    middle = interpolate_dis(first, second, 0.5)
    cross_fade = ((first.astype(np.float64) + second) / 2).round().astype(np.uint8)
    assert psnr(middle, truth) > psnr(cross_fade, truth) + 3
    assert psnr(middle, truth) > psnr(first, truth) + 3
    np.testing.assert_array_equal(interpolate_dis(first, second, 0.0), first)


def test_a_loop_retimed_to_twice_its_frames_keeps_the_originals_and_wraps_to_the_start():
    frames = [disc_at(x) for x in (16, 28, 40, 28)]
    doubled = retime(frames, 8, loop=True, interpolator="dis")
    assert len(doubled) == 8
    for index, frame in enumerate(frames):
        np.testing.assert_array_equal(doubled[2 * index], frame)
    assert psnr(doubled[7], disc_at(22)) > psnr(frames[3], disc_at(22))  # between the last frame and the first
    assert len(retime(frames, 3, loop=False)) == 3


def test_ffmpeg_minterpolate_is_the_fallback_with_the_same_frame_positions():
    frames = [disc_at(x) for x in (16, 28, 40)]
    result = retime(frames, 5, loop=False, interpolator="ffmpeg")
    assert len(result) == 5 and result[0].shape == frames[0].shape
    assert psnr(result[0], frames[0]) > 30 and psnr(result[4], frames[2]) > 30
    assert psnr(result[1], disc_at(22)) > psnr(frames[0], disc_at(22))


def test_alpha_is_carried_through_the_warp():
    def cut_out(x: float) -> np.ndarray:
        rgb = disc_at(x)
        alpha = np.where(np.hypot(np.arange(64)[None, :] - x, np.arange(64)[:, None] - 32) <= 12, 255, 0)
        return np.dstack([rgb, alpha.astype(np.uint8)])

    first, second = cut_out(20), cut_out(32)
    middle = interpolate_dis(first, second, 0.5)
    assert middle.shape == (64, 64, 4)
    assert middle[32, 26, 3] == 255 and middle[32, 36, 3] > 200  # opaque where the disc now is
    assert middle[5, 60, 3] == 0 and middle[60, 2, 3] == 0
    with pytest.raises(ToonbeatError, match="different sizes"):
        interpolate_dis(first, second[:32], 0.5)


def test_the_retime_command_writes_a_clip_with_its_hits_moved(tmp_path, capsys):
    frames = [np.dstack([disc_at(x), np.full((64, 64), 255, np.uint8)]) for x in (16, 28, 40, 28)]
    write_clip_folder(Clip(tmp_path / "sway", "character", "sway", 24.0, 4, FRAMES_PATTERN, None, True, 2, (0, 2),
                           (64, 64), "procedural"), frames)
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["video", "retime", str(tmp_path / "sway"), "--frames", "8", "-o", str(tmp_path / "slow")])
    assert args.run(args) == 0
    written = json.loads((tmp_path / "slow" / "clip.json").read_text())
    assert written["frame_count"] == 8 and written["hit_frames"] == [0, 4] and written["name"] == "sway"
    assert Image.open(tmp_path / "slow" / "frames" / "0007.png").mode == "RGBA"
    assert json.loads((tmp_path / "sway" / "clip.json").read_text())["frame_count"] == 4
    assert "4 -> 8 frames" in capsys.readouterr().out


def test_retime_never_writes_over_its_own_clip_nor_a_hand_made_one_without_overwrite(tmp_path):
    frames = [np.dstack([disc_at(x), np.full((64, 64), 255, np.uint8)]) for x in (16, 28, 40, 28)]
    write_clip_folder(Clip(tmp_path / "sway", "character", "sway", 24.0, 4, FRAMES_PATTERN, None, True, 2, (0, 2),
                           (64, 64), "procedural"), frames)
    hand_made = tmp_path / "mine"
    write_clip_folder(Clip(hand_made, "character", "mine", 24.0, 4, FRAMES_PATTERN, None, True, 2, (0, 2),
                           (64, 64), "import"), frames)
    Image.fromarray(frames[0]).save(hand_made / "frames" / "0000.png")  # redrawn outside Toonbeat: no mark
    before = (hand_made / "frames" / "0000.png").read_bytes()
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())

    def retime_into(folder: Path, *flags: str) -> int:
        args = parser.parse_args(["video", "retime", str(tmp_path / "sway"), "--frames", "8", "-o", str(folder),
                                  *flags])
        return args.run(args)

    with pytest.raises(OverwriteError, match="is the clip this command reads"):
        retime_into(tmp_path / "sway", "--overwrite")
    assert json.loads((tmp_path / "sway" / "clip.json").read_text())["frame_count"] == 4
    with pytest.raises(OverwriteError, match=r"0000\.png: exists and was not made by Toonbeat; pass --overwrite"):
        retime_into(hand_made)
    assert (hand_made / "frames" / "0000.png").read_bytes() == before
    assert retime_into(hand_made, "--overwrite") == 0
    assert len(list((hand_made / "frames").iterdir())) == 8
    assert all(png_is_toonbeat(path) for path in (hand_made / "frames").iterdir())
