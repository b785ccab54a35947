"""Flipbook timing: a Grease Pencil loop shows each hit drawing on its beat's frame, the in-betweens between."""

import bisect
import itertools
from pathlib import Path

import pytest

from addon.core.choreography import Track
from addon.core.clip import FRAMES_PATTERN, Clip
from addon.core.flipbook import drawings_on_frames
from addon.core.retime import Cycle, phase_keys
from addon.core.timing import frame_rate, seconds_to_frame
from tests.test_retime import drifting_grid

NTSC = frame_rate(30, 1.001)


def dance(first_hit: int = 0) -> Clip:
    """16 drawings over two beats, hits on both beats."""
    return Clip(Path("dance"), "character", "dance", 24.0, 16, FRAMES_PATTERN, None, True, 2,
                (first_hit, (first_hit + 8) % 16) if first_hit < 8 else (first_hit - 8, first_hit),
                (64, 64), "import")


def showing(shown: list[tuple[int, int, int | None]], frame: int) -> int | None:
    """The drawing shown on ``frame``: the last change at or before it."""
    return shown[bisect.bisect_right([entry[0] for entry in shown], frame) - 1][2]


def cycle_track(beats: list[float], seconds: float, rate: float, on_twos: bool = False) -> Track:
    cycles = [Cycle(0, float(start), float(start + 2), 2, (0.0, 0.5)) for start in range(0, len(beats) - 2, 2)]
    times, phases = phase_keys(beats, cycles, 1 / rate, seconds, on_twos=on_twos)
    return Track("hero", "cycle", "CONSTANT" if on_twos else "LINEAR", tuple(times), tuple(phases))


@pytest.mark.parametrize("rate", [24.0, NTSC])
def test_over_ten_minutes_every_hit_drawing_shows_from_its_beats_frame(rate):
    beats = drifting_grid(600.0)
    pose = Track("hero", "pose", "CONSTANT", (0.0,), (0.0,))
    end = seconds_to_frame(600.0, rate)
    shown = drawings_on_frames(pose, cycle_track(beats, 600.0, rate), [dance()], rate, 1, end)
    beat_frames = [seconds_to_frame(t, rate) for t in beats[: len(beats) - 3]]
    assert [showing(shown, frame) for frame in beat_frames] == [[0, 8][i % 2] for i in range(len(beat_frames))]
    between = {showing(shown, frame + 3) for frame in beat_frames}
    assert between <= set(range(1, 16)) - {8} and len(between) >= 2


def test_the_drawings_step_forward_between_hits_and_hold_on_twos_when_asked():
    beats = [0.5 * index for index in range(9)]
    pose = Track("hero", "pose", "CONSTANT", (0.0,), (0.0,))
    linear = drawings_on_frames(pose, cycle_track(beats, 4.0, 24.0), [dance()], 24.0, 1, 97)
    assert [drawing for frame, _, drawing in linear if frame < 25] == list(range(16)), "each drawing in turn"
    twos = drawings_on_frames(pose, cycle_track(beats, 4.0, 24.0, on_twos=True), [dance()], 24.0, 1, 97)
    frames = [frame for frame, _, _ in twos]
    assert all(later - earlier >= 2 for earlier, later in itertools.pairwise(frames)
               if later not in (13, 25, 37))


def test_a_still_shows_once_from_its_switch_and_a_later_first_hit_starts_the_cycle_there():
    beats = [0.5 * index for index in range(9)]
    pose = Track("hero", "pose", "CONSTANT", (0.0, 2.0), (1.0, 0.0))
    shown = drawings_on_frames(pose, cycle_track(beats, 4.0, 24.0), [dance(first_hit=4), None], 24.0, 1, 97)
    assert shown[0] == (1, 1, None)
    assert [entry for entry in shown if entry[1] == 1] == [(1, 1, None)]
    assert shown[1] == (49, 0, 4), "the cycle starts on the clip's first hit, frame 4"
    assert (61, 0, 12) in shown
