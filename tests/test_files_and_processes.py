"""Small pure helpers: PNG headers, background folders, audio checks, background processes."""

import signal
import sys
import time

import pytest
from PIL import Image

from addon.core.audio_check import AudioMismatchError, check_audio_matches
from addon.core.background_process import KILL_AFTER_SECONDS, BackgroundProcess
from addon.core.backgrounds import background_for, read_backgrounds
from addon.core.png import ImageError, read_png_info
from tests.art import background_folder
from tests.songs import click_song


@pytest.mark.parametrize(("mode", "bits", "kind"), [("RGBA", 8, "rgba"), ("L", 8, "grey"), ("I;16", 16, "grey"),
                                                    ("RGB", 8, "rgb")])
def test_png_headers_are_read_for_every_kind_of_png(tmp_path, mode, bits, kind):
    path = tmp_path / "image.png"
    Image.new(mode, (33, 17)).save(path)
    assert read_png_info(path) == read_png_info(path).__class__(33, 17, bits, kind)


def test_broken_images_are_named(tmp_path):
    (tmp_path / "text.png").write_text("hello")
    (tmp_path / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    with pytest.raises(ImageError, match="not a PNG"):
        read_png_info(tmp_path / "text.png")
    with pytest.raises(ImageError, match="truncated"):
        read_png_info(tmp_path / "cut.png")
    with pytest.raises(ImageError, match="cannot read"):
        read_png_info(tmp_path / "missing.png")


def test_sections_without_their_own_background_borrow_a_related_one(tmp_path):
    images = read_backgrounds(background_folder(tmp_path / "bg", labels=("intro", "drop")))
    assert background_for("chorus", images).name == "drop.png"
    assert background_for("breakdown", images).name == "intro.png"
    single = read_backgrounds(background_folder(tmp_path / "one", labels=("club",)))
    assert background_for("drop", single).name == "club.png"


def test_audio_that_is_not_the_analysed_file_is_refused(tmp_path):
    beats = click_song(tmp_path / "a.wav", seconds=4.0)
    check_audio_matches(tmp_path / "a.wav", beats)
    click_song(tmp_path / "b.wav", seconds=5.0)
    with pytest.raises(AudioMismatchError, match=r"5\.00 s against 4\.00 s"):
        check_audio_matches(tmp_path / "b.wav", beats)
    with pytest.raises(FileNotFoundError):
        check_audio_matches(tmp_path / "missing.wav", beats)


def test_a_background_process_reports_output_progress_and_exit_code():
    job = BackgroundProcess([sys.executable, "-c", "print('half 50%', flush=True); print('done 100%')"])
    while (code := job.poll()) is None:
        time.sleep(0.01)
    assert code == 0
    assert job.progress == 1.0
    assert job.output == ["half 50%", "done 100%"]


def test_a_background_process_can_be_cancelled():
    job = BackgroundProcess([sys.executable, "-c", "import time; time.sleep(30)"])
    assert job.cancel()
    deadline = time.monotonic() + 5
    while job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.poll() not in (None, 0)


def test_cancelling_returns_at_once_and_a_process_that_ignores_it_is_killed():
    stubborn = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('ready', flush=True); time.sleep(30)")
    job = BackgroundProcess([sys.executable, "-c", stubborn])
    deadline = time.monotonic() + 10
    while not job.output and time.monotonic() < deadline:
        job.poll()
        time.sleep(0.01)
    asked = time.monotonic()
    assert job.cancel()
    assert time.monotonic() - asked < 0.5, "cancel waited for the process on the caller's thread"
    assert job.poll() is None, "a process that ignores SIGTERM is still running right after cancel"
    while job.poll() is None and time.monotonic() < asked + KILL_AFTER_SECONDS + 5:
        time.sleep(0.05)
    assert job.poll() == -signal.SIGKILL
    assert time.monotonic() - asked >= KILL_AFTER_SECONDS


def test_cancelling_a_process_that_has_ended_leaves_its_result():
    job = BackgroundProcess([sys.executable, "-c", "print('done 100%')"])
    deadline = time.monotonic() + 10
    while job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not job.cancel()
    assert job.poll() == 0
    assert job.output == ["done 100%"]
