"""Small test images: characters with one coloured shape per pose, and flat backgrounds."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

POSE_COLORS = {"idle": (230, 40, 40), "dance": (40, 200, 60), "headbang": (40, 80, 230), "walk": (240, 220, 30)}


def character_folder(folder: Path, poses: tuple[str, ...] = tuple(POSE_COLORS), size: tuple[int, int] = (120, 200),
                     background: tuple[int, int, int, int] = (0, 0, 0, 0)) -> Path:
    """A character folder with one filled ellipse per pose, feet at the bottom centre."""
    folder.mkdir(parents=True, exist_ok=True)
    width, height = size
    for pose in poses:
        image = Image.new("RGBA", size, background)
        draw = ImageDraw.Draw(image)
        color = POSE_COLORS.get(pose, (200, 200, 200))
        draw.ellipse([width * 0.2, height * 0.05, width * 0.8, height - 1], fill=(*color, 255),
                     outline=(0, 0, 0, 255), width=4)
        image.save(folder / f"{pose}.png")
    return folder


def background_folder(folder: Path, labels: tuple[str, ...] = ("drop",), size: tuple[int, int] = (320, 180),
                      color: tuple[int, int, int] = (20, 20, 40)) -> Path:
    """A folder of flat background images, one per label."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, label in enumerate(labels):
        shade = tuple(min(255, c + 25 * index) for c in color)
        Image.new("RGB", size, shade).save(folder / f"{label}.png")
    return folder


def png_header(path: Path, width: int, height: int) -> Path:
    """A PNG that announces ``width`` x ``height`` pixels in a few dozen bytes (one empty data chunk)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
                     + chunk(b"IEND", b""))
    return path


def clip_character_folder(folder: Path, moves: dict[str, tuple[int, int, tuple[int, ...]]],
                          size: tuple[int, int] = (120, 200)) -> Path:
    """A character of animated clips: per move ``(frame_count, beats_per_cycle, hit_frames)``.

    Every frame is an ellipse whose grey level climbs from dark to mid grey through
    the cycle, except the hit frames, which are white: a viewer (or a test) sees a hit
    as the brightest frame.
    """
    from addon.core.clip import FRAMES_PATTERN, Clip, write_clip

    width, height = size
    for name, (count, beats, hits) in moves.items():
        clip = Clip(folder / name, "character", name, 24.0, count, FRAMES_PATTERN, None, True, beats, hits,
                    size, "import")
        for index, path in enumerate(clip.frame_paths()):
            level = 255 if index in hits else 40 + round(100 * index / count)
            image = Image.new("RGBA", size, (0, 0, 0, 0))
            ImageDraw.Draw(image).ellipse([width * 0.1, height * 0.05, width * 0.9, height - 1],
                                          fill=(level, level, level, 255))
            path.parent.mkdir(parents=True, exist_ok=True)
            image.save(path)
        write_clip(clip)
    return folder


def background_loop_folder(folder: Path, labels: tuple[str, ...] = ("drop",), frame_count: int = 16, beats: int = 2,
                           hits: tuple[int, ...] = (0, 8), size: tuple[int, int] = (320, 180),
                           frames: str | None = None) -> Path:
    """A background folder whose labels each have a loop beside their still: grey frames climbing from dark
    to mid grey through the cycle, the hit frames white (a test sees a hit as the brightest frame); ``frames``
    is the frame files' pattern (PNG by default, ``frames/{index:04d}.jpg`` as the procedural loops)."""
    from addon.core.clip import FRAMES_PATTERN, Clip, write_clip

    background_folder(folder, labels, size)
    for label in labels:
        clip = Clip(folder / label, "background", label, 16.0, frame_count, frames or FRAMES_PATTERN, None, True,
                    beats, hits, size, "import")
        for index, path in enumerate(clip.frame_paths()):
            level = 255 if index in hits else 30 + round(100 * index / frame_count)
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", size, (level, level, level)).save(path)
        write_clip(clip)
    return folder


def background_movie_folder(folder: Path, labels: tuple[str, ...] = ("drop",), frame_count: int = 16, beats: int = 2,
                            hits: tuple[int, ...] = (0, 8), size: tuple[int, int] = (320, 180)) -> Path:
    """``background_loop_folder`` with each loop's frames made into one lossless H.264 movie by ffmpeg
    (the frames go, the clip names the movie)."""
    import shutil
    import subprocess

    from addon.core.clip import Clip, write_clip

    background_loop_folder(folder, labels, frame_count, beats, hits, size)
    for label in labels:
        frames = folder / label / "frames"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-framerate", "16", "-i", str(frames / "%04d.png"),
                        "-c:v", "libx264", "-qp", "0", "-g", "1", "-pix_fmt", "yuv444p",
                        str(folder / label / "loop.mp4")], check=True)
        shutil.rmtree(frames)
        write_clip(Clip(folder / label, "background", label, 16.0, frame_count, None, "loop.mp4", True, beats, hits,
                        size, "import"))
    return folder
