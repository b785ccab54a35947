"""The edit-keeping rule on plain data: re-baking replaces only what Toonbeat wrote and still finds as it left it."""

import json

import pytest

from addon.core.edits import (
    ChannelRecord,
    Record,
    Unreadable,
    changed_settings,
    dump_record,
    lift_tombstones,
    near,
    read_record,
    rebake,
    rebake_value,
    respace,
    same_value,
    tombstones,
    untouched,
)

BAKED = ChannelRecord(frames=(1.0, 13.0, 25.0, 37.0), values=(0.0, 0.5, 0.0, 0.5))
AS_BAKED = [(1.0, 0.0), (13.0, 0.5), (25.0, 0.0), (37.0, 0.5)]


def test_a_channel_toonbeat_never_wrote_is_all_the_artists():
    result = rebake([(5.0, 1.0)], None, [(5.2, 0.3), (9.0, 0.3)])
    assert result.toonbeat == (False,)
    assert result.write == ((9.0, 0.3),)
    assert result.record == ChannelRecord(frames=(9.0,), values=(0.3,))


def test_untouched_toonbeat_entries_are_replaced_by_the_new_bake():
    new = [(1.0, 0.1), (7.0, 0.9), (13.0, 0.1)]
    result = rebake(AS_BAKED, BAKED, new)
    assert result.toonbeat == (True, True, True, True)
    assert result.write == tuple(new)
    assert (result.kept, result.replaced) == (0, 4)
    assert result.record == ChannelRecord(frames=(1.0, 7.0, 13.0), values=(0.1, 0.9, 0.1))


def test_a_changed_value_is_the_artists_and_no_new_key_lands_within_half_a_frame_of_it():
    found = [(1.0, 0.0), (13.0, 0.9), (25.0, 0.0), (37.0, 0.5)]
    result = rebake(found, BAKED, [(12.6, 0.2), (13.4, 0.2), (13.6, 0.2)])
    assert result.toonbeat == (True, False, True, True)
    assert result.write == ((13.6, 0.2),)
    assert result.kept == 1


def test_a_moved_key_is_the_artists_and_its_old_frame_a_tombstone():
    found = [(1.0, 0.0), (15.0, 0.5), (25.0, 0.0), (37.0, 0.5)]
    result = rebake(found, BAKED, [(13.0, 0.7), (15.0, 0.7), (25.0, 0.7)])
    assert result.toonbeat == (True, False, True, True)
    assert result.write == ((25.0, 0.7),)
    assert result.record.deleted == (13.0,)


def test_a_deleted_key_stays_deleted_through_later_bakes():
    first = rebake([(1.0, 0.0), (25.0, 0.0), (37.0, 0.5)], BAKED, [(13.0, 1.0), (20.0, 1.0)])
    assert first.write == ((20.0, 1.0),)
    assert first.record.deleted == (13.0,)
    second = rebake([(20.0, 1.0)], first.record, [(13.0, 2.0), (20.0, 2.0)])
    assert second.toonbeat == (True,)
    assert second.write == ((20.0, 2.0),)
    assert second.record.deleted == (13.0,)


def test_an_added_key_is_the_artists():
    found = [*AS_BAKED, (30.0, 4.0)]
    result = rebake(found, BAKED, [(30.0, 0.5), (31.0, 0.5)])
    assert result.toonbeat == (True, True, True, True, False)
    assert result.write == ((31.0, 0.5),)


def test_values_compare_within_tolerance_and_names_exactly():
    assert same_value(0.5 + 1e-7, 0.5)
    assert not same_value(0.51, 0.5)
    assert same_value(1000.0 + 1e-3, 1000.0)
    assert same_value(3, 3.0)
    assert same_value("Bar 1", "Bar 1")
    assert not same_value("Bar 1", "Bar 2")
    assert not same_value(None, "idle")
    assert not same_value("1", 1.0)


def test_frames_closer_than_the_tolerance_are_the_same_frame():
    assert untouched([(13.0004, 0.5)], BAKED) == [True]
    assert untouched([(13.01, 0.5)], BAKED) == [False]


def test_markers_that_share_a_frame_are_told_apart_by_name():
    record = ChannelRecord(frames=(1, 1, 49), values=("intro Bar 1", "DROP", "Bar 2"))
    assert untouched([(1, "intro Bar 1"), (1, "my cue"), (49, "Bar 2!")], record) == [True, False, False]


def test_tombstones_are_only_recorded_frames_left_empty():
    assert tombstones([1.0, 13.0, 37.0], BAKED) == (25.0,)
    assert tombstones([], None) == ()
    assert tombstones([], Unreadable("cut short")) == ()


def test_near_means_within_half_a_frame():
    assert near(10.5, [10.0])
    assert not near(10.51, [10.0])
    assert not near(3.0, [])


def test_a_single_setting_follows_the_bake_until_the_artist_changes_it():
    unchanged = rebake_value(97, ChannelRecord(frames=(0,), values=(97,)), 121)
    assert unchanged.write == ((0.0, 121),)
    assert unchanged.record.values == (121,)
    moved = rebake_value(100, ChannelRecord(frames=(0,), values=(97,)), 121)
    assert moved.write == ()
    assert moved.kept == 1
    assert rebake_value(3, None, 2).write == ()


def test_a_record_reads_back_what_was_dumped():
    channels = {"blend_alpha|0": BAKED, "poses": ChannelRecord((5, 9), ("idle", None), (7,))}
    record = read_record(dump_record(channels))
    assert record.get("blend_alpha|0") == BAKED
    assert record.get("poses") == ChannelRecord((5, 9), ("idle", None), (7,))
    assert record.get("never baked|0") is None
    assert record.problems == []


def test_a_missing_record_means_toonbeat_never_wrote_here():
    record = read_record(None)
    assert record == Record()
    assert record.get("anything") is None
    assert record.problems == []


@pytest.mark.parametrize("text", ['{"blend_alpha|0": {"frames": [1, 13], "val', "[1, 2]", b"{}", '"keys"'])
def test_a_corrupt_record_is_reported_not_read_as_empty(text):
    record = read_record(text)
    assert isinstance(record.get("blend_alpha|0"), Unreadable)
    assert len(record.problems) == 1
    assert "cannot be read" in record.problems[0]


def test_a_damaged_channel_is_reported_and_the_others_still_read():
    text = json.dumps({"good|0": BAKED.as_json(), "short|0": {"frames": [1, 2], "values": [0.5]},
                       "odd|0": {"frames": ["one"], "values": [1.0]}, "flat|0": [1, 2]})
    record = read_record(text)
    assert record.get("good|0") == BAKED
    for name in ("short|0", "odd|0", "flat|0"):
        assert isinstance(record.get(name), Unreadable)
    assert len(record.problems) == 3
    assert "2 frames for 1 values" in " ".join(record.problems)
    assert isinstance(record.get("not in it|0"), Unreadable)


def test_recovering_from_a_corrupt_record_loses_nothing_and_mends_the_record():
    """Recovering means: every key found is kept as the artist's, except keys exactly where and as
    the new bake writes them (replacing those changes nothing); no tombstones are invented; the
    record written after the bake is whole, so the next bake sorts keys out normally again."""
    lost = read_record("{not json").get("blend_alpha|0")
    old_preset = [(1.0, 0.0), (13.0, 0.5), (19.0, 0.8)]
    new = [(1.0, 0.0), (13.0, 0.6), (25.0, 0.6)]
    recovered = rebake(old_preset, lost, new)
    assert recovered.toonbeat == (True, False, False)
    assert recovered.write == ((1.0, 0.0), (25.0, 0.6))
    assert recovered.record.deleted == ()
    stored = read_record(dump_record({"blend_alpha|0": recovered.record}))
    assert stored.problems == []
    after = [(1.0, 0.0), (13.0, 0.5), (19.0, 0.8), (25.0, 0.6)]
    next_bake = rebake(after, stored.get("blend_alpha|0"), [(1.0, 0.3), (25.0, 0.3)])
    assert next_bake.toonbeat == (True, False, False, True)
    assert next_bake.write == ((1.0, 0.3), (25.0, 0.3))


def test_respacing_moves_the_frames_between_a_moved_anchor_and_its_neighbours_in_proportion():
    assert respace([0, 2, 4, 6, 8, 10, 14], [0, 4, 8, 12], {4: 6}) == [0, 3, 6, 7, 8, 10, 14]
    assert respace([0, 2, 4], [0, 4], {}) == [0, 2, 4]
    assert respace([-3, 13], [0, 4, 8, 12], {12: 11}) == [-3, 13], "outside the anchors nothing moves"


def test_lifting_a_tombstone_leaves_the_other_records_and_what_is_found_there():
    recorded = ChannelRecord((10.0, 20.0, 30.0), ("a", "b", "c"), (5.0, 40.0))
    lifted = lift_tombstones(recorded, [20.0, 40.0], [10.0, 30.0])
    assert lifted == ChannelRecord((10.0, 30.0), ("a", "c"), (5.0,))
    assert tombstones([10.0, 30.0], lifted) == (5.0,)
    assert lift_tombstones(recorded, [10.0], [10.0]) == ChannelRecord((10.0, 20.0, 30.0), ("a", "b", "c"), (5.0, 40.0))


def test_changed_settings_compares_numbers_within_tolerance_and_lists_item_by_item():
    recorded = {"channel": 2, "origin": [0.5, 0.5], "name": "a", "mute": False}
    assert changed_settings(recorded, {**recorded, "origin": [0.5, 0.5 + 1e-9]}) == []
    assert changed_settings(recorded, {**recorded, "origin": [0.5, 0.6], "mute": True}) == ["mute", "origin"]
    assert changed_settings(recorded, {**recorded, "channel": 5}, ignored=["channel"]) == []
    assert changed_settings(recorded, {"channel": 2}) == ["mute", "name", "origin"]
