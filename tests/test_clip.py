"""The clip format: clip.json read, checked and written; a still PNG is a one-frame clip."""

import json
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from addon.core import clip as clips
from addon.core import schema_check
from addon.core.clip import Clip, ClipError, read_clip, still_clip, write_clip


def dance(folder: Path, **changes) -> Clip:
    fields = dict(folder=folder, kind="character", name="dance", fps=24.0, frame_count=16,
                  frames=clips.FRAMES_PATTERN, movie=None, loops=True, beats_per_cycle=2, hit_frames=(0, 8),
                  size=(8, 8), source="procedural", seed=3)
    fields.update(changes)
    return Clip(**fields)


def write_frames(clip: Clip) -> None:
    for path in clip.frame_paths():
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGBA", clip.size).save(path)


def test_a_written_clip_reads_back_the_same_and_satisfies_the_published_schema(tmp_path):
    clip = dance(tmp_path / "dance")
    write_frames(clip)
    path = write_clip(clip)
    jsonschema.validate(json.loads(path.read_text()), clips.schema())
    assert read_clip(tmp_path / "dance") == clip


def test_our_validator_agrees_with_the_jsonschema_package_on_broken_clips(tmp_path):
    valid = clips.to_dict(dance(tmp_path))
    broken = [{**valid, "kind": "prop"}, {**valid, "frame_count": 0}, {**valid, "fps": -1},
              {**valid, "frames": "frames/0000.png"}, {**valid, "extra": 1}, {**valid, "hit_frames": [-1]}]
    validator = jsonschema.Draft202012Validator(clips.schema())
    assert schema_check.validate(valid, clips.schema()) == [] and validator.is_valid(valid)
    for document in broken:
        assert schema_check.validate(document, clips.schema()), document
        assert not validator.is_valid(document), document


def test_hits_land_on_the_beats_of_their_cycle():
    clip = dance(Path("dance"))
    assert clip.hit_beats == (0, 1)
    assert clip.hit_phases == (0.0, 0.5)
    assert [clip.frame_at_phase(p) for p in (0.0, 0.25, 0.5, 1.0)] == [0.0, 4.0, 8.0, 16.0]


def test_a_cycle_starts_on_its_first_hit_and_runs_evenly_from_hit_to_hit():
    clip = dance(Path("stomp"), frame_count=12, beats_per_cycle=2, hit_frames=(3, 7))
    assert clip.hit_phases == (0.0, 0.5)
    assert clip.cycle_frame_paths()[:2] == [clip.frame_path(3), clip.frame_path(4)]
    assert clip.cycle_frame_paths()[-1] == clip.frame_path(2)
    assert clip.frame_at_phase(0.25) == 2.0
    assert clip.frame_at_phase(0.5) == 4.0
    assert clip.frame_at_phase(0.75) == 8.0
    assert clip.timing.cut_phases == (), "the sequencer lays the frames out in cycle order: nothing wraps"
    assert clip.numbered_timing.cut_phases == (pytest.approx(clip.wrap_phase),), "by number, frame 0 comes again"
    assert clip.numbered_frame_at_phase(0.75) == 11.0
    assert clip.numbered_frame_at_phase(clip.wrap_phase) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("changes", "message"), [
    ({"hit_frames": (8, 0)}, "must grow"),
    ({"hit_frames": (0, 16)}, "past the last frame"),
    ({"hit_frames": (0, 4, 8)}, "cannot each land on a beat"),
    ({"frames": "../{index:04d}.png"}, "inside the clip folder"),
    ({"movie": "loop.mp4"}, "exactly one of"),
])
def test_a_clip_that_cannot_be_timed_is_refused_with_the_reason(tmp_path, changes, message):
    with pytest.raises(ClipError, match=message):
        write_clip(dance(tmp_path, **changes))
    assert not (tmp_path / clips.CLIP_FILE).exists()


def test_a_missing_frame_is_named(tmp_path):
    clip = dance(tmp_path / "dance")
    write_frames(clip)
    write_clip(clip)
    clip.frame_path(5).unlink()
    with pytest.raises(ClipError, match=r"missing frames/0005.png \(1 file"):
        read_clip(tmp_path / "dance")


def test_a_newer_clip_version_is_refused(tmp_path):
    (tmp_path / clips.CLIP_FILE).write_text(json.dumps({**clips.to_dict(dance(tmp_path)), "version": 2}))
    with pytest.raises(ClipError, match="version 2 is not supported"):
        read_clip(tmp_path)


def test_a_still_pose_is_a_one_frame_clip_of_one_beat(tmp_path):
    image = tmp_path / "idle.png"
    Image.new("RGBA", (4, 6)).save(image)
    clip = still_clip(image, (4, 6))
    assert clip.frame_paths() == clip.cycle_frame_paths() == [image]
    assert (clip.frame_count, clip.beats_per_cycle, clip.hit_phases) == (1, 1, (0.0,))
    assert clip.frame_at_phase(0.7) == pytest.approx(0.7)


def test_a_character_folder_reads_its_clips_and_refuses_a_broken_one(tmp_path):
    from addon.core.character_sheet import CharacterError, read_character

    clip = dance(tmp_path / "hero" / "dance")
    write_frames(clip)
    write_clip(clip)
    Image.new("RGBA", (8, 8)).save(tmp_path / "hero" / "idle.png")
    hero = read_character(tmp_path / "hero")
    assert hero.pose_names == ("idle", "dance") and hero.clips["dance"] == clip
    assert hero.poses["dance"] == (clip.frame_path(0),)
    clip.frame_path(3).unlink()
    with pytest.raises(CharacterError, match=r"missing frames/0003\.png"):
        read_character(tmp_path / "hero")


def test_a_clip_from_any_video_backend_reads_back_and_a_made_up_source_name_is_refused(tmp_path):
    for source in ("animatediff", "wan", "cogvideox", "svd", "ltx-video"):
        assert clips.from_dict({**clips.to_dict(dance(tmp_path)), "source": source}, tmp_path).source == source
    with pytest.raises(clips.ClipError, match="source"):
        clips.from_dict({**clips.to_dict(dance(tmp_path)), "source": "../AnimateDiff"}, tmp_path)


def test_a_background_folder_reads_the_loop_beside_each_still_and_refuses_loops_that_disagree(tmp_path):
    from addon.core.backgrounds import background_clip, read_backgrounds, shared_timing

    for label in ("intro", "drop"):
        Image.new("RGB", (8, 8)).save(tmp_path / f"{label}.png")
    loop = dance(tmp_path / "drop", kind="background", name="drop")
    write_frames(loop)
    write_clip(loop)
    images = read_backgrounds(tmp_path)
    assert background_clip(images["drop"]) == loop and background_clip(images["intro"]) is None
    assert shared_timing(background_clip(path) for path in images.values()) == loop.timing
    other = dance(tmp_path / "intro", kind="background", name="intro", beats_per_cycle=4)
    write_frames(other)
    write_clip(other)
    with pytest.raises(ClipError, match="background loops of one folder share one cycle"):
        read_backgrounds(tmp_path)


def test_a_character_move_is_not_a_background_loop(tmp_path):
    from addon.core.backgrounds import read_backgrounds

    Image.new("RGB", (8, 8)).save(tmp_path / "drop.png")
    move = dance(tmp_path / "drop")
    write_frames(move)
    write_clip(move)
    with pytest.raises(ClipError, match="a character clip cannot be a background"):
        read_backgrounds(tmp_path)


def test_a_movie_background_may_start_before_its_first_hit_and_wraps_round_to_its_frame_0(tmp_path):
    from addon.core.backgrounds import background_clip, read_backgrounds

    Image.new("RGB", (8, 8)).save(tmp_path / "drop.png")
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "loop.mp4").write_bytes(b"a movie")
    movie = Clip(tmp_path / "drop", "background", "drop", 16.0, 16, None, "loop.mp4", True, 2, (0, 8), (8, 8), "import")
    write_clip(movie)
    assert background_clip(tmp_path / "drop.png") == movie
    assert movie.timing.cut_phases == ()
    late = Clip(tmp_path / "drop", "background", "drop", 16.0, 16, None, "loop.mp4", True, 2, (4, 12), (8, 8), "import")
    write_clip(late)
    assert read_backgrounds(tmp_path) == {"drop": (tmp_path / "drop.png").resolve()}
    assert late.timing.hit_phases == (0.0, 0.5)
    assert late.timing.cut_phases == (pytest.approx(0.75),)  # frame 0 comes 12 frames after the first hit
    assert [late.numbered_frame_at_phase(p) for p in (0.0, 0.5, 0.74)] == [4.0, 12.0, pytest.approx(15.84)]
    assert late.numbered_frame_at_phase(late.wrap_phase) == pytest.approx(0.0, abs=1e-6)
    assert late.numbered_frame_at_phase(0.9) == pytest.approx(2.4)
    assert late.numbered_frame_at_phase(1.0) == pytest.approx(4.0), "the next cycle's first hit"
