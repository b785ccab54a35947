"""Retiming loops: every hit on its beat, through tempo changes, ten minutes long, at the scene's exact rate."""

import itertools
import math

import pytest

from addon.core.choreography import CastMember, plan_choreography
from addon.core.presets import load_preset
from addon.core.retime import Cycle, CycleTiming, beat_position, beat_time, phase_keys
from addon.core.timing import frame_rate, seconds_to_frame
from tests.songs import click_song

NTSC = frame_rate(30, 1.001)


def drifting_grid(seconds: float, start_bpm: float = 118.0, end_bpm: float = 134.0) -> list[float]:
    """Beats of a song whose tempo slides from ``start_bpm`` to ``end_bpm``."""
    beats, time = [], 0.31
    while time < seconds:
        beats.append(time)
        bpm = start_bpm + (end_bpm - start_bpm) * time / seconds
        time += 60.0 / bpm
    return beats


def test_the_beat_clock_is_the_beat_grid_and_runs_on_evenly_past_its_ends():
    beats = [1.0, 1.5, 2.5]
    assert [beat_time(beats, p) for p in (0, 0.5, 1, 1.5, 2, 3)] == [1.0, 1.25, 1.5, 2.0, 2.5, 3.5]
    assert beat_time(beats, -2) == 0.0
    for seconds in (0.2, 1.1, 2.4, 9.0):
        assert beat_time(beats, beat_position(beats, seconds)) == pytest.approx(seconds)


def test_over_ten_minutes_at_29_97_every_hit_key_lands_on_its_beats_frame():
    beats = drifting_grid(600.0)
    cycles = [Cycle(0, float(start), float(start + 2), 2, (0.0, 0.5)) for start in range(0, len(beats) - 2, 2)]
    times, phases = phase_keys(beats, cycles, 1 / NTSC, 600.0)
    hits = {round(t, 9): p for t, p in zip(times, phases, strict=True) if p in (0.0, 0.5)}
    for index, beat in enumerate(beats[: len(cycles) * 2]):
        assert hits[round(beat, 9)] == (0.0 if index % 2 == 0 else 0.5)
    last = beats[len(cycles) * 2 - 1]
    frame = seconds_to_frame(last, NTSC, 1)
    assert abs((frame - 1) / NTSC - last) <= 0.5 / NTSC


def test_between_hits_the_phase_grows_at_the_speed_that_reaches_the_next_hit():
    beats = [0.0, 0.5, 1.25, 2.0]
    times, phases = phase_keys(beats, [Cycle(0, 0.0, 3.0, 3, (0.0,))], 1 / 24, 2.0)
    assert times[:3] == [0.0, 0.5, 1.25]
    assert phases[:3] == pytest.approx([0.0, 1 / 3, 2 / 3])


def test_a_cycle_ends_one_frame_before_the_next_starts_on_its_beat():
    beats = [float(i) * 0.5 for i in range(9)]
    cycles = [Cycle(0, 0.0, 2.0, 2, (0.0,)), Cycle(1, 2.0, 3.0, 4, (0.0,))]
    times, phases = phase_keys(beats, cycles, 1 / 24, 4.0)
    index = times.index(1.0)
    assert times[index - 1] == pytest.approx(1.0 - 1 / 24)
    assert phases[index - 1] == pytest.approx((2 - 1 / 12) / 2)
    assert phases[index] == 0.0


def test_a_cut_phase_is_keyed_as_a_cycles_end_is_one_frame_before_and_on_it():
    beats = [float(i) * 0.5 for i in range(9)]
    cycles = [Cycle(0, 0.0, 2.0, 2, (0.0, 0.5), (0.75,)), Cycle(0, 2.0, 4.0, 2, (0.0, 0.5), (0.75,))]
    times, phases = phase_keys(beats, cycles, 1 / 24, 4.0)
    for cut in (0.75, 1.75):
        index = next(i for i, t in enumerate(times) if t == pytest.approx(cut))
        assert phases[index] == pytest.approx(0.75)
        assert times[index - 1] == pytest.approx(cut - 1 / 24)
        assert phases[index - 1] == pytest.approx(0.75 - 1 / 24)  # a 1 s cycle: one frame is 1/24 of it
    assert times.count(0.5) == 1 and phases[times.index(0.5)] == pytest.approx(0.5), "hits keep their keys"
    with pytest.raises(ValueError, match="cut phases"):
        CycleTiming(2, (0.0,), (1.0,))


def test_held_on_twos_keys_every_other_frame_and_still_on_every_beat():
    beats = [float(i) * 0.5 for i in range(5)]
    times, _ = phase_keys(beats, [Cycle(0, 0.0, 4.0, 4, (0.0,))], 1 / 24, 2.0, on_twos=True)
    frames = [round(t * 24) for t in times]
    assert {0, 12, 24, 36} <= set(frames)
    assert all(b - a == 2 for a, b in itertools.pairwise(frames) if b % 12 and a % 12)


def test_a_preferred_cycle_length_is_used_only_where_every_hit_stays_on_a_beat():
    timing = CycleTiming(2, (0.0, 0.5))
    assert timing.length_for(4) == 4
    assert timing.length_for(1) == 2
    assert timing.length_for(None) == 2


def test_sections_cut_to_the_next_move_on_their_downbeat_and_cycles_follow_the_bar(tmp_path):
    sections = ((0.0, "intro"), (4.0, "drop"), (8.0, "breakdown"))
    beats = click_song(tmp_path / "song.wav", bpm=120, seconds=12.0, sections=sections, first_beat=0.25)
    hero = CastMember("Hero", ("idle", "dance", "headbang"),
                      (CycleTiming(4, (0.0, 0.25, 0.5, 0.75)), CycleTiming(2, (0.0, 0.5)), CycleTiming(1, (0.0,))))
    plan = plan_choreography(beats, [hero], load_preset("industrial_headbang"))
    pose, cycle = plan.track("Hero", "pose"), plan.track("Hero", "cycle")
    assert {4.25, 8.25} <= set(pose.times) <= {0.0, *beats.beats}
    starts = [t for t, phase in zip(cycle.times, cycle.values, strict=True) if phase == 0.0]
    assert {4.25, 8.25} <= set(starts) <= set(beats.beats)
    idle_starts = [t for t in starts if t < 4.25]
    assert all(math.isclose((t - 0.25) % 2.0, 0.0, abs_tol=1e-9) for t in idle_starts)
    assert cycle.times[0] == 0.0 and cycle.values[0] > 0.0


def test_a_preset_asking_for_twos_gets_constant_keys_two_frames_apart(tmp_path):
    beats = click_song(tmp_path / "song.wav", bpm=120, seconds=4.0)
    hero = CastMember("Hero", ("dance",), (CycleTiming(2, (0.0, 0.5)),))
    plan = plan_choreography(beats, [hero], load_preset("house_bounce"), key_spacing=1 / 24)
    cycle = plan.track("Hero", "cycle")
    assert cycle.interpolation == "CONSTANT"
    frames = sorted({round(t * 24) for t in cycle.times})
    assert {round(b * 24) for b in beats.beats} <= set(frames)
    assert all(b - a in (1, 2) for a, b in itertools.pairwise(frames))


@pytest.mark.parametrize("bad", [{"cycle_beats": {"drop": 0}}, {"cycle_beats": {"drop": "two"}},
                                 {"hold_on_twos": "yes"}])
def test_a_preset_with_a_bad_cycle_setting_is_refused(bad):
    from addon.core.presets import PresetError, preset_from_dict

    with pytest.raises(PresetError, match=r"cycle_beats|hold_on_twos"):
        preset_from_dict({"name": "x", **bad}, "bad.json")
