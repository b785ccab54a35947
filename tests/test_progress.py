"""Progress as the artist reads it: percent done and the time left at the pace so far."""

import doctest

import pytest

from addon.core import progress
from addon.core.progress import duration_text, progress_text, time_left


def test_time_left_follows_the_pace_so_far():
    assert time_left(0.25, 10.0) == pytest.approx(30.0)
    assert time_left(1.0, 42.0) == 0.0


def test_no_estimate_before_anything_much_is_done():
    assert time_left(0.0, 3.0) is None
    assert progress_text("Analyzing", 0.01, 3.0) == "Analyzing: 1%"
    assert progress_text("Analyzing", None, 0.0) == "Analyzing: starting"


def test_the_text_gives_percent_and_time_left():
    assert progress_text("Running", 0.42, 29.0) == "Running: 42%, 40 s left"
    assert progress_text("Running", 0.1, 20.0) == "Running: 10%, 3:00 min left"
    assert progress_text("Running", 1.0, 20.0) == "Running: 100%"


def test_minutes_and_seconds():
    assert duration_text(59.4) == "59 s"
    assert duration_text(61.0) == "1:01 min"


@pytest.mark.parametrize(("fraction", "elapsed"), [(-0.1, 1.0), (1.5, 1.0), (0.5, -1.0)])
def test_impossible_progress_is_a_clear_error(fraction, elapsed):
    with pytest.raises(ValueError, match=r"fraction done|elapsed time"):
        time_left(fraction, elapsed)


def test_the_docstring_examples_hold():
    assert doctest.testmod(progress).failed == 0
