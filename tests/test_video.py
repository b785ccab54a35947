"""AI video clips: AnimateDiff with a pose ControlNet on tiny random-weight models offline, written as clips."""

import argparse
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core.overwrite import png_is_toonbeat
from generators.errors import CancelledError, ToonbeatError
from generators.video import command
from generators.video.backends import VideoModelSpec, VideoRequest, load_video_backend
from generators.video.clips import ClipRequest, make_clip
from generators.video.cycles import CYCLES, cycle_keypoints, get_cycle
from generators.video.params import ClipParams
from tests import tiny_models


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("video-models")
    sd15 = tiny_models.tiny_stable_diffusion(root / "sd15")
    return {"sd15": sd15, "adapter": tiny_models.tiny_motion_adapter(root / "adapter"),
            "controlnet": tiny_models.tiny_controlnet(sd15, root / "controlnet")}


@pytest.fixture(scope="module")
def posed(models):
    return load_video_backend(VideoModelSpec(model=str(models["sd15"]), motion_adapter=str(models["adapter"]),
                                             controlnet=str(models["controlnet"]), device="cpu"))


def small(**changes) -> VideoRequest:
    settings = dict(prompt="cartoon robot dj dancing", seed=2, frame_count=4, width=32, height=48, steps=2,
                    guidance=5.0, context_frames=8)
    settings.update(changes)
    return VideoRequest(**settings)


def test_every_cycle_starts_on_a_hit_with_its_keys_in_order():
    for cycle in CYCLES.values():
        assert cycle.keys[0].phase == 0.0 and cycle.keys[0].hit
        assert all(a.phase < b.phase < 1.0 for a, b in zip(cycle.keys, cycle.keys[1:], strict=False))
    assert CYCLES["dance"].hit_frames(16) == (0, 8) and CYCLES["headbang"].hit_frames(12) == (0,)
    with pytest.raises(ToonbeatError, match="unknown move 'spin'"):
        get_cycle("spin")


def test_a_cycle_passes_through_its_key_poses_on_its_hit_frames():
    from generators.art.characters.poses import POSES, mirrored
    from generators.art.skeletons import body_for, keypoints

    frames = cycle_keypoints(CYCLES["dance"], 16, 64, 96)
    body = body_for(None)
    assert frames[0] == keypoints(POSES["dance"], body, 64, 96)
    assert frames[8] == keypoints(mirrored(POSES["dance"]), body, 64, 96)
    assert frames[3] != frames[0] and frames[3] != frames[4]


def test_animatediff_follows_the_pose_frames_and_the_seed(posed):
    assert posed.supports_poses and posed.name == "animatediff"
    skeletons = tuple(Image.new("RGB", (32, 48), (255, 0, 0) if i % 2 else (0, 0, 255)) for i in range(4))
    first = [np.asarray(f, dtype=np.float64) for f in posed.generate(small(pose_frames=skeletons))]
    again = [np.asarray(f, dtype=np.float64) for f in posed.generate(small(pose_frames=skeletons))]
    other = [np.asarray(f, dtype=np.float64) for f in posed.generate(small(pose_frames=skeletons[::-1]))]
    assert len(first) == 4 and first[0].shape == (48, 32, 3)
    np.testing.assert_array_equal(np.stack(first), np.stack(again))
    assert np.abs(np.stack(first) - np.stack(other)).mean() > 0.1


def test_a_clip_longer_than_the_motion_window_is_made_in_overlapping_windows(posed):
    frames = posed.generate(small(frame_count=10, context_frames=4))
    assert len(frames) == 10 and posed.pipe.free_noise_enabled
    posed.generate(small(frame_count=4))
    assert not posed.pipe.free_noise_enabled


def test_a_dance_clip_is_a_keyed_clip_folder_with_its_hits_known(posed, tmp_path):
    request = ClipRequest(name="dj_dance", kind="character", video=small(frame_count=8), cycle=CYCLES["dance"])
    folder = make_clip(posed, request, tmp_path / "dj" / "dance").folder
    document = json.loads((folder / "clip.json").read_text())
    assert document["hit_frames"] == [0, 4] and document["beats_per_cycle"] == 2 and document["loops"]
    assert document["frame_count"] == 8 and document["source"] == "animatediff" and document["seed"] == 2
    assert document["frames"] == "frames/{index:04d}.png" and document["movie"] is None
    assert document["prompt"] == "cartoon robot dj dancing" and document["size"] == [32, 48]
    images = [Image.open(folder / "frames" / f"{i:04d}.png") for i in range(8)]
    assert {image.mode for image in images} == {"RGBA"} and {image.size for image in images} == {(32, 48)}
    assert all(png_is_toonbeat(path) for path in (folder / "frames").iterdir())
    make_clip(posed, request, folder)  # re-running replaces the clip it made
    assert sorted(p.name for p in folder.iterdir()) == ["clip.json", "frames"]
    assert len(list((folder / "frames").iterdir())) == 8
    assert sorted(p.name for p in (tmp_path / "dj").iterdir()) == ["dance"]


def test_a_clip_is_not_written_over_a_folder_of_other_files_nor_left_half_done(posed, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(ToonbeatError, match="not a clip folder"):
        make_clip(posed, ClipRequest(name="x", kind="shot", video=small()), mine)
    assert (mine / "notes.txt").read_text() == "keep"
    cancel = threading.Event()

    def stop(step: int, steps: int) -> None:
        cancel.set()

    with pytest.raises(CancelledError):
        make_clip(posed, ClipRequest(name="x", kind="shot", video=small()), tmp_path / "x", on_step=stop,
                  cancel=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_bad_requests_are_one_clear_error(models, posed):
    with pytest.raises(ToonbeatError, match="multiples of 8"):
        posed.generate(small(width=30))
    with pytest.raises(ToonbeatError, match="give one per frame"):
        posed.generate(small(pose_frames=(Image.new("RGB", (32, 48)),)))
    with pytest.raises(ToonbeatError, match=r"cannot load the motion adapter .*: no such file or folder"):
        load_video_backend(VideoModelSpec(model=str(models["sd15"]), motion_adapter=str(models["sd15"] / "x"),
                                          device="cpu"))
    plain = load_video_backend(VideoModelSpec(model=str(models["sd15"]), motion_adapter=str(models["adapter"]),
                                              device="cpu"))
    assert not plain.supports_poses and len(plain.generate(small(frame_count=3))) == 3
    with pytest.raises(ToonbeatError, match="needs an OpenPose ControlNet"):
        make_clip(plain, ClipRequest(name="x", kind="character", video=small(), cycle=CYCLES["walk"]), Path("unused"))


def test_the_video_command_writes_a_dance_clip(models, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["video", "clip", "--model", str(models["sd15"]), "--motion-adapter",
                              str(models["adapter"]), "--controlnet", str(models["controlnet"]), "--device", "cpu",
                              "--move", "headbang", "--frames", "4", "--width", "32", "--height", "32",
                              "--steps", "1", "-o", str(tmp_path / "headbang")])
    assert args.run(args) == 0
    document = json.loads((tmp_path / "headbang" / "clip.json").read_text())
    assert document["hit_frames"] == [0] and document["kind"] == "character" and document["name"] == "headbang"
    assert "wrote" in capsys.readouterr().out


def test_wan_text_to_video_writes_a_shot_clip(tmp_path):
    wan = load_video_backend(VideoModelSpec(backend="wan", model=str(tiny_models.tiny_wan(tmp_path / "wan")),
                                            device="cpu"))
    assert wan.name == "wan" and not wan.supports_poses
    request = ClipRequest(name="city_pan", kind="shot", video=small(frame_count=5, width=16, height=16))
    folder = make_clip(wan, request, tmp_path / "city_pan").folder
    document = json.loads((folder / "clip.json").read_text())
    assert document["frame_count"] == 5 and document["source"] == "wan" and document["hit_frames"] == []
    assert document["beats_per_cycle"] == 4 and not document["loops"]  # a shot starts again each 4 beats
    assert Image.open(folder / "frames" / "0004.png").size == (16, 16)
    with pytest.raises(ToonbeatError, match="4 k \\+ 1 frames"):
        wan.generate(small(frame_count=6, width=16, height=16))
    with pytest.raises(ToonbeatError, match="needs an OpenPose ControlNet"):
        make_clip(wan, ClipRequest(name="x", kind="character", video=small(), cycle=CYCLES["dance"]), tmp_path / "x")


def test_cogvideox_text_to_video_makes_the_frames_asked_for(tmp_path):
    cog = load_video_backend(VideoModelSpec(backend="cogvideox", device="cpu",
                                            model=str(tiny_models.tiny_cogvideox(tmp_path / "cogvideox"))))
    frames = cog.generate(small(frame_count=9, width=16, height=16))
    assert cog.name == "cogvideox" and len(frames) == 9 and frames[0].size == (16, 16)


def test_stable_video_diffusion_animates_the_reference_image(tmp_path):
    svd = load_video_backend(VideoModelSpec(backend="svd", device="cpu",
                                            model=str(tiny_models.tiny_stable_video_diffusion(tmp_path / "svd"))))
    still = Image.new("RGB", (32, 32), (200, 60, 40))
    frames = svd.generate(small(frame_count=3, width=32, height=32, reference_image=still, guidance=2.0))
    assert svd.name == "svd" and len(frames) == 3 and frames[0].size == (32, 32)
    with pytest.raises(ToonbeatError, match="animates an image: give --reference"):
        svd.generate(small(frame_count=3, width=32, height=32))


def test_an_ip_adapter_holds_the_character_of_a_reference_image_through_a_clip(models, tmp_path):
    adapter = tiny_models.tiny_ip_adapter(models["sd15"], tmp_path / "ip-adapter")
    backend = load_video_backend(VideoModelSpec(model=str(models["sd15"]), motion_adapter=str(models["adapter"]),
                                                controlnet=str(models["controlnet"]), ip_adapter=str(adapter),
                                                device="cpu"))
    red, blue = Image.new("RGB", (32, 32), (220, 30, 30)), Image.new("RGB", (32, 32), (30, 30, 220))
    as_red = np.stack([np.asarray(f, dtype=np.float64) for f in backend.generate(small(reference_image=red))])
    as_blue = np.stack([np.asarray(f, dtype=np.float64) for f in backend.generate(small(reference_image=blue))])
    assert as_red.shape == (4, 48, 32, 3) and np.abs(as_red - as_blue).mean() > 0.1


def test_running_out_of_gpu_memory_while_making_a_clip_names_the_options_video_clip_has(posed, monkeypatch):
    import torch

    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 3.00 GiB")

    monkeypatch.setattr(posed.pipe.unet, "forward", out_of_memory)
    with pytest.raises(ToonbeatError, match="ran out of memory making 4 frames at 32x48") as caught:
        posed.generate(small())
    for option in ("--memory low", "--frames", "--width/--height", "--context"):
        assert option in str(caught.value)
    assert {"memory", "frames", "width", "height", "context"} <= set(ClipParams.model_fields)  # its own options


def test_fp16_weights_stay_fp16_in_the_animatediff_pipeline_that_shares_them(models):
    """``from_pipe`` without a dtype casts shared modules to fp32 (diffusers issue 12754): twice the VRAM."""
    import torch
    from diffusers import AnimateDiffControlNetPipeline, ControlNetModel, MotionAdapter, StableDiffusionPipeline

    from generators.art.diffusion import from_pretrained_preferring_fp16, sharing_weights

    base = from_pretrained_preferring_fp16(StableDiffusionPipeline, str(models["sd15"]), torch.float16,
                                           safety_checker=None, requires_safety_checker=False)
    video = sharing_weights(AnimateDiffControlNetPipeline, base,
                            motion_adapter=MotionAdapter.from_pretrained(models["adapter"], dtype=torch.float16),
                            controlnet=ControlNetModel.from_pretrained(models["controlnet"], dtype=torch.float16))
    for name in ("unet", "vae", "text_encoder", "controlnet"):
        assert {p.dtype for p in getattr(video, name).parameters()} == {torch.float16}, name
    assert video.vae is base.vae and video.text_encoder is base.text_encoder
