"""The choreography plan: every move lands on the music, as plain data both stages read."""

import pytest

from addon.core.beatfile import Energy
from addon.core.choreography import CAMERA, LIGHT, CastMember, plan_choreography, resolve_pose, slot_pose
from addon.core.presets import apply_overrides, load_preset
from addon.core.retime import CycleTiming
from tests.songs import click_song

SECTIONS = ((0.0, "intro"), (4.0, "build"), (8.0, "drop"), (16.0, "breakdown"), (20.0, "drop"))
HERO = CastMember("Hero", ("idle", "dance", "dance_2", "headbang", "walk"))
SIDEKICK = CastMember("Sidekick", ("idle", "dance", "headbang", "walk"))


@pytest.fixture(scope="module")
def beats(tmp_path_factory):
    return click_song(tmp_path_factory.mktemp("song") / "song.wav", bpm=120, seconds=24.0, sections=SECTIONS)


def poses_at(plan, owner, times):
    track = plan.track(owner, "pose")
    shown = []
    for time in times:
        index = max(i for i, t in enumerate(track.times) if t <= time + 1e-9)
        shown.append(slot_pose(plan.cast[[m.name for m in plan.cast].index(owner)].slots[int(track.values[index])]))
    return shown


def test_poses_switch_only_on_beats(beats):
    plan = plan_choreography(beats, [HERO], load_preset("house_bounce"))
    track = plan.track("Hero", "pose")
    assert track.interpolation == "CONSTANT"
    on_grid = set(beats.beats) | {0.0}
    assert all(time in on_grid for time in track.times)
    assert len(track.times) > 10


def test_idle_in_intros_and_breakdowns_dance_in_drops_walk_in_builds(beats):
    plan = plan_choreography(beats, [HERO], load_preset("house_bounce"))
    assert set(poses_at(plan, "Hero", [0.5, 2.0, 3.5])) == {"idle"}
    assert set(poses_at(plan, "Hero", [16.5, 18.0, 19.5])) == {"idle"}
    assert "walk" in poses_at(plan, "Hero", [4.0, 4.5, 5.0, 5.5])
    assert set(poses_at(plan, "Hero", [8.0 + 0.5 * i for i in range(8)])) >= {"dance", "headbang"}


def test_variants_of_a_pose_take_turns(beats):
    plan = plan_choreography(beats, [HERO], load_preset("house_bounce"))
    shown = {int(v) for t, v in zip(plan.track("Hero", "pose").times, plan.track("Hero", "pose").values,
                                      strict=True) if t >= 8.0}
    assert {1, 2} <= shown


def test_a_missing_pose_falls_back_to_idle_then_the_first_image():
    assert resolve_pose("headbang", ("idle", "walk")) == [0]
    assert resolve_pose("headbang", ("walk", "dance")) == [0]
    assert resolve_pose("dance", ("idle", "dance", "dance_2")) == [1, 2]


def test_two_characters_do_not_move_in_lockstep(beats):
    plan = plan_choreography(beats, [HERO, SIDEKICK], load_preset("industrial_headbang"))
    drop_beats = [8.0 + 0.5 * i for i in range(16)]
    assert poses_at(plan, "Hero", drop_beats) != poses_at(plan, "Sidekick", drop_beats)


def test_the_bounce_squashes_on_every_beat(beats):
    plan = plan_choreography(beats, [HERO], load_preset("house_bounce"))
    scale_y = plan.track("Hero", "scale_y")
    squashes = [t for t, v in zip(scale_y.times, scale_y.values, strict=True) if v < 1.0]
    assert squashes == pytest.approx(list(beats.beats))
    assert plan.track("Hero", "scale_x").interpolation == "BEZIER"


def test_shakes_start_on_downbeats_and_are_bigger_on_drops(beats):
    plan = plan_choreography(beats, [HERO], load_preset("industrial_headbang"), key_spacing=1 / 24)
    shake_x, shake_y = plan.track(CAMERA, "offset_x"), plan.track(CAMERA, "offset_y")
    rests = [t for t, x, y in zip(shake_x.times, shake_x.values, shake_y.values, strict=True)
             if x == 0 and y == 0]
    assert set(beats.downbeats) <= set(rests)

    def peak(start):
        return max(abs(x) + abs(y) for t, x, y in zip(shake_x.times, shake_x.values, shake_y.values, strict=True)
                   if start <= t < start + 0.3)

    assert peak(8.0) > 1.8 * peak(10.0)


def test_zoom_punches_at_section_starts_and_pushes_in_through_builds(beats):
    plan = plan_choreography(beats, [HERO], apply_overrides(load_preset("house_bounce"), disable=["shake"]))
    zoom = plan.track(CAMERA, "zoom")
    value = dict(zip(zoom.times, zoom.values, strict=True))
    assert value[0.0] == pytest.approx(1.0)
    assert value[4.0] > 1.0 and value[16.0] > 1.0
    assert zoom.interpolation == "BEZIER"
    assert value[8.0] > value[16.0]
    before_drop = max(t for t in zoom.times if 4.5 < t < 8.0)
    assert value[before_drop] > value[4.0]


def test_while_it_shakes_the_camera_zooms_in_just_enough_and_between_shakes_it_is_still(beats):
    plan = plan_choreography(beats, [HERO], apply_overrides(load_preset("minimal"), enable=["shake"]))
    shake_x, shake_y = plan.track(CAMERA, "offset_x"), plan.track(CAMERA, "offset_y")
    zoom = dict(zip(plan.track(CAMERA, "zoom").times, plan.track(CAMERA, "zoom").values, strict=True))
    moving = plan.track(CAMERA, "moving")

    def moving_at(time):
        return moving.values[max(i for i, t in enumerate(moving.times) if t <= time)]

    for downbeat in beats.downbeats:
        largest = max(max(abs(x), abs(y)) for t, x, y in zip(shake_x.times, shake_x.values, shake_y.values,
                                                              strict=True) if downbeat <= t < downbeat + 0.3)
        assert zoom[downbeat] == pytest.approx(1 + 2 * largest)
        assert moving_at(downbeat + 0.05) == 1.0
        assert moving_at(downbeat + 1.0) == 0.0
        assert zoom.get(downbeat - 1 / 24, 1.0) == 1.0


def test_flashes_peak_exactly_on_the_beats(beats):
    preset = apply_overrides(load_preset("house_bounce"), disable=["strobe"])
    flash = plan_choreography(beats, [HERO], preset).track(LIGHT, "flash")
    peaks = [t for i, t in enumerate(flash.times) if flash.values[i] > 0]
    assert peaks == pytest.approx(list(beats.beats))
    assert min(flash.values) == 0.0


def test_strobes_flash_the_offbeats_only_inside_drops(beats):
    flash = plan_choreography(beats, [HERO], load_preset("industrial_headbang")).track(LIGHT, "flash")
    offbeats = [t for t, v in zip(flash.times, flash.values, strict=True) if v > 0 and (t / 0.25) % 2 == 1]
    assert offbeats
    assert all(8.0 <= t < 16.0 or t >= 20.0 for t in offbeats)


def test_section_colours_change_at_section_starts(beats):
    preset = load_preset("industrial_headbang")
    red = plan_choreography(beats, [HERO], preset).track(LIGHT, "color_r")
    assert red.times == tuple(start for start, _ in SECTIONS)
    assert red.values[2] == pytest.approx(preset.section_colors["drop"][0])


def test_switched_off_effects_make_no_tracks(beats):
    plan = plan_choreography(beats, [HERO], load_preset("minimal"))
    assert plan.track(CAMERA, "offset_x") is None
    assert plan.track(CAMERA, "zoom") is None
    assert plan.track("Hero", "scale_y") is None
    assert plan.track(LIGHT, "flash").times[1] in beats.downbeats


def test_effects_are_weaker_when_the_music_is_quiet(beats):
    quiet_then_loud = Energy(10.0, *(tuple(0.0 if i < 120 else 1.0 for i in range(240)),) * 4)
    loud = beats.__class__(**{**beats.__dict__, "energy": quiet_then_loud})
    flash = plan_choreography(loud, [HERO], load_preset("house_bounce")).track(LIGHT, "flash")
    value = dict(zip(flash.times, flash.values, strict=True))
    assert value[2.0] < 0.5 * value[14.0]


def test_groups_are_named_per_effect_and_character(beats):
    plan = plan_choreography(beats, [HERO, SIDEKICK], load_preset("house_bounce"))
    groups = {track.group for track in plan.tracks}
    assert {"Toonbeat Pose (Hero)", "Toonbeat Bounce (Sidekick)", "Toonbeat Shake", "Toonbeat Flash"} <= groups


@pytest.mark.parametrize("level", ["half", "beat", "double"])
def test_a_preset_moves_at_half_or_double_the_notated_beat(beats, level):
    from dataclasses import replace

    plan = plan_choreography(beats, [HERO], replace(load_preset("house_bounce"), beat_level=level))
    flashes = plan.track(LIGHT, "flash")
    peaks = [t for t, v in zip(flashes.times, flashes.values, strict=True) if 8.0 <= t < 16.0 and v > 0.1]
    drop_beats = [t for t in beats.beats if 8.0 <= t < 16.0]
    half_beat = 30.0 / beats.tempo
    expected = {
        "half": [t for t, p in zip(beats.beats, beats.beat_positions, strict=True) if 8.0 <= t < 16.0 and p in (1, 3)],
        "beat": drop_beats,
        "double": sorted(drop_beats + [t + half_beat for t in drop_beats]),
    }[level]
    assert peaks == pytest.approx(expected, abs=1e-6)
    assert set(beats.downbeats) & set(peaks) == {t for t in beats.downbeats if 8.0 <= t < 16.0}


def test_an_unknown_beat_level_is_refused_with_the_choices():
    from addon.core.presets import PresetError, preset_from_dict

    with pytest.raises(PresetError, match="'beat_level' must be one of half, beat, double"):
        preset_from_dict({"beat_level": "triple"}, "mine.json")


def test_the_venue_lights_pulse_up_on_every_beat_and_settle_by_the_offbeat(beats):
    plan = plan_choreography(beats, [HERO], load_preset("industrial_headbang"))
    pulse = plan.track(LIGHT, "pulse")
    peaks = {t for t, v in zip(pulse.times, pulse.values, strict=True) if v > 1.0}
    assert peaks == set(beats.beats)
    assert min(pulse.values) == 1.0 and max(pulse.values) <= 1.0 + 0.3 + 1e-9
    assert plan_choreography(beats, [HERO], load_preset("minimal")).track(LIGHT, "pulse") is None


def test_background_loops_play_their_own_cycle_with_a_key_on_every_beat_restarting_at_each_section(beats):
    loop = CycleTiming(2, (0.0, 0.5))
    plan = plan_choreography(beats, [HERO], load_preset("house_bounce"), backdrop=loop)
    cycle = plan.track(LIGHT, "cycle")
    assert cycle.group == "Toonbeat Timing"
    keyed = dict(zip(cycle.times, cycle.values, strict=True))
    on_beats = [keyed[t] for t in beats.beats if t in keyed]
    assert len(on_beats) >= len(beats.beats) - 1
    assert set(on_beats) <= {0.0, 0.5}, "every beat shows a hit drawing"
    section_starts = [s.start for s in beats.sections[1:]]
    assert all(keyed.get(start) == 0.0 for start in section_starts), "each section starts a new cycle"
    assert plan_choreography(beats, [HERO], load_preset("house_bounce")).track(LIGHT, "cycle") is None
