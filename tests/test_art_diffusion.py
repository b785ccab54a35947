"""Stable Diffusion 1.5 and SDXL through diffusers, end to end on tiny random-weight pipelines loaded offline."""

import argparse
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core.character_sheet import read_character
from generators.art import command
from generators.art.diffusion import ArtModelSpec, ImageRequest, detect_kind, generate_image, load_art_model
from generators.art.diffusion_backgrounds import BackgroundRequest, make_backgrounds
from generators.art.diffusion_characters import ArtProgress, CharacterRequest, make_character, pose_list
from generators.art.presets import load_background, load_character, load_style, preset_names
from generators.errors import CancelledError, ToonbeatError
from tests import tiny_models


@pytest.fixture(scope="module")
def sdxl_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.tiny_stable_diffusion_xl(tmp_path_factory.mktemp("sdxl"))


@pytest.fixture(scope="module")
def sd15(stable_diffusion: Path):
    return load_art_model(ArtModelSpec(model=str(stable_diffusion), device="cpu"))


def small(prompt: str = "cartoon robot dj", **changes) -> ImageRequest:
    settings = dict(prompt=prompt, seed=3, width=64, height=64, steps=3, guidance=5.0)
    settings.update(changes)
    return ImageRequest(**settings)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float64)


def test_a_pipeline_folder_is_recognised_as_sd15_or_sdxl(stable_diffusion, sdxl_folder):
    assert detect_kind(ArtModelSpec(model=str(stable_diffusion))) == "sd15"
    assert detect_kind(ArtModelSpec(model=str(sdxl_folder))) == "sdxl"


def test_the_same_seed_draws_the_same_image_and_another_seed_another(sd15):
    first, again, other = (generate_image(sd15, small(seed=seed)) for seed in (3, 3, 4))
    assert first.size == (64, 64)
    np.testing.assert_array_equal(pixels(first), pixels(again))
    assert np.abs(pixels(first) - pixels(other)).mean() > 1.0


def test_sdxl_draws_through_the_same_call(sdxl_folder):
    pipes = load_art_model(ArtModelSpec(model=str(sdxl_folder), device="cpu", memory="10gb"))
    assert pipes.kind == "sdxl" and pipes.native_size == 1024
    assert generate_image(pipes, small(width=64, height=48)).size == (64, 48)


def test_a_lora_changes_the_drawing_by_its_weight(stable_diffusion, sd15, tmp_path):
    lora = tiny_models.tiny_lora(stable_diffusion, tmp_path / "lora")
    with_lora = load_art_model(ArtModelSpec(model=str(stable_diffusion), device="cpu", loras=((str(lora), 1.0),)))
    muted = load_art_model(ArtModelSpec(model=str(stable_diffusion), device="cpu", loras=((str(lora), 0.0),)))
    plain = pixels(generate_image(sd15, small()))
    assert np.abs(pixels(generate_image(with_lora, small())) - plain).mean() > 0.5
    np.testing.assert_allclose(pixels(generate_image(muted, small())), plain, atol=1.0)


def test_a_character_folder_has_keyed_poses_on_one_canvas_and_a_sheet_with_prompts_and_seeds(sd15, tmp_path):
    style = load_style()
    reports: list[ArtProgress] = []
    request = CharacterRequest(name="cyborg_dj", prompt=load_character("cyborg_dj").prompt,
                               poses=pose_list(style, ["idle", "dance", "headbang", "walk", "jump"]), style=style,
                               seed=11, width=64, height=96, steps=4)
    folder = make_character(sd15, request, tmp_path / "cyborg_dj", progress=reports.append)
    character = read_character(folder)
    assert character.pose_names == ("idle", "dance", "headbang", "walk", "jump")
    images = [Image.open(folder / f"{pose}.png") for pose in character.pose_names]
    assert {image.mode for image in images} == {"RGBA"} and len({image.size for image in images}) == 1
    assert character.anchor == (0.5, 1.0)
    assert character.extra["seeds"] == dict.fromkeys(character.pose_names, 11)
    assert "dancing" in character.extra["prompts"]["dance"] and "jump" in character.extra["prompts"]["jump"]
    assert character.extra["second_stage"] == "img2img" and character.extra["toonbeat_version"]
    assert reports[-1].fraction == 1.0 and reports[0].images_total == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cyborg_dj"]


def test_later_poses_are_drawn_from_the_first_pose_not_from_scratch(sd15):
    """Identity itself needs trained weights; here: the second stage really starts from the first pose."""
    first = generate_image(sd15, small(width=64, height=96))
    other_first = generate_image(sd15, small(width=64, height=96, seed=50))
    posed = generate_image(sd15, small("dancing", width=64, height=96, init_image=first, strength=0.5))
    posed_again = generate_image(sd15, small("dancing", width=64, height=96, init_image=first, strength=0.5))
    posed_from_other = generate_image(sd15, small("dancing", width=64, height=96, init_image=other_first,
                                                  strength=0.5))
    np.testing.assert_array_equal(pixels(posed), pixels(posed_again))
    assert np.abs(pixels(posed) - pixels(posed_from_other)).mean() > 1.0


def test_cancel_stops_at_the_next_step_and_leaves_the_folder_untouched(sd15, tmp_path):
    cancel = threading.Event()
    style = load_style()
    request = CharacterRequest(name="x", prompt="robot", poses=pose_list(style), style=style, width=64, height=64,
                               steps=5)
    steps_seen: list[int] = []

    def cancel_on_second_step(report: ArtProgress) -> None:
        steps_seen.append(report.step)
        if report.step == 2:
            cancel.set()

    with pytest.raises(CancelledError):
        make_character(sd15, request, tmp_path / "x", progress=cancel_on_second_step, cancel=cancel)
    assert steps_seen == [1, 2] and list(tmp_path.iterdir()) == []


def test_backgrounds_are_one_png_per_section_with_their_prompts(sd15, tmp_path):
    request = BackgroundRequest(scene=load_background("factory"), style=load_style(), labels=("intro", "drop"),
                                width=64, height=48, size=(96, 54), steps=3)
    written = make_backgrounds(sd15, request, tmp_path / "bg")
    assert sorted(written) == ["drop", "intro"]
    assert Image.open(written["drop"]).size == (96, 54)
    side = json.loads((tmp_path / "bg" / "backgrounds.json").read_text())
    assert "conveyor belts" in side["prompts"]["drop"] and "sparks" in side["prompts"]["drop"]


def test_a_tileable_background_wraps_around_without_a_seam(sd15):
    """On a torus the network has no edge: shifting the starting noise shifts the picture, wrapping around."""
    import torch

    pipe = sd15.text2img
    latents = torch.randn((1, 4, 16, 16), generator=torch.Generator().manual_seed(0))

    def draw(noise: torch.Tensor) -> np.ndarray:
        return pipe("factory", latents=noise, num_inference_steps=2, width=32, height=32, output_type="np").images[0]

    sd15.set_tileable(True)
    try:
        plain, shifted = draw(latents), draw(torch.roll(latents, shifts=4, dims=3))
    finally:
        sd15.set_tileable(False)
    np.testing.assert_allclose(np.roll(plain, 8, axis=1), shifted, atol=2e-3)
    untiled_plain, untiled_shifted = draw(latents), draw(torch.roll(latents, shifts=4, dims=3))
    assert np.abs(np.roll(untiled_plain, 8, axis=1) - untiled_shifted).max() > 1e-2


def test_a_missing_model_a_missing_checkpoint_or_a_bad_size_is_one_clear_error(sd15, tmp_path):
    with pytest.raises(ToonbeatError, match="cannot find the image model"):
        load_art_model(ArtModelSpec(model=str(tmp_path / "nothing"), device="cpu"))
    for kind in ("auto", "sd15"):
        with pytest.raises(ToonbeatError, match="no such checkpoint file"):
            load_art_model(ArtModelSpec(model=str(tmp_path / "cartoon.safetensors"), kind=kind, device="cpu"))
    with pytest.raises(ToonbeatError, match="multiples of 8"):
        generate_image(sd15, small(width=60))


def test_the_seeds_prompt_patterns_ship_as_presets():
    assert {"cyborg_dj", "robot_drummer"} <= set(preset_names("characters"))
    assert {"industrial_club", "factory", "city"} <= set(preset_names("backgrounds"))
    assert "KMFDM" in load_character("cyborg_dj").prompt
    assert set(load_style().poses) == {"idle", "dance", "headbang", "walk"}


def test_the_art_command_draws_a_character_and_its_secondary(stable_diffusion, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["art", "character", "--model", str(stable_diffusion), "--device", "cpu", "--steps", "2",
                              "--width", "64", "--height", "64", "--pose", "idle", "--pose", "dance",
                              "-o", str(tmp_path)])
    assert args.run(args) == 0
    assert read_character(tmp_path / "cyborg_dj").pose_names == ("idle", "dance")
    assert read_character(tmp_path / "robot_drummer").extra["seeds"] == {"idle": 1000, "dance": 1000}
    assert "wrote" in capsys.readouterr().out


def test_the_art_command_draws_procedurally_without_any_model(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["art", "character", "--backend", "procedural", "--height-px", "256",
                              "-o", str(tmp_path / "cast")])
    assert args.run(args) == 0
    assert read_character(tmp_path / "cast" / "cyborg_dj").pose_names == ("idle", "dance", "headbang", "walk")
    assert read_character(tmp_path / "cast" / "robot_drummer").name == "robot_drummer"
    args = parser.parse_args(["art", "backgrounds", "--backend", "procedural", "--preset", "factory",
                              "--labels", "intro,drop", "--size", "320x180", "-o", str(tmp_path / "bg")])
    assert args.run(args) == 0
    assert Image.open(tmp_path / "bg" / "drop.png").size == (320, 180)
    assert not (tmp_path / "bg" / "build.png").exists()


def test_a_single_file_checkpoint_draws_what_its_pipeline_folder_draws(stable_diffusion, sd15, tmp_path):
    checkpoint = tiny_models.single_file_checkpoint(stable_diffusion, tmp_path / "cartoon_v1.safetensors")
    assert detect_kind(ArtModelSpec(model=str(checkpoint))) == "sd15"
    single = load_art_model(ArtModelSpec(model=str(checkpoint), config=str(stable_diffusion), device="cpu"))
    np.testing.assert_array_equal(pixels(generate_image(single, small())), pixels(generate_image(sd15, small())))


def test_with_an_ip_adapter_later_poses_are_steered_by_the_first_pose(stable_diffusion, sd15, tmp_path):
    adapter = tiny_models.tiny_ip_adapter(stable_diffusion, tmp_path / "ip-adapter")
    pipes = load_art_model(ArtModelSpec(model=str(stable_diffusion), ip_adapter=str(adapter), device="cpu"))
    assert pipes.has_ip_adapter
    np.testing.assert_array_equal(pixels(generate_image(pipes, small())), pixels(generate_image(sd15, small())))
    first, other = generate_image(sd15, small(seed=5)), generate_image(sd15, small(seed=6))
    steered = pixels(generate_image(pipes, small("dancing", reference_image=first)))
    assert np.abs(steered - pixels(generate_image(pipes, small("dancing", reference_image=other)))).mean() > 0.5
    style = load_style()
    request = CharacterRequest(name="dj", prompt="robot", poses=pose_list(style, ["idle", "dance"]), style=style,
                               width=64, height=64, steps=2)
    assert read_character(make_character(pipes, request, tmp_path / "dj")).extra["second_stage"] == "ip-adapter"


def test_fp16_weights_stay_fp16_in_the_image_to_image_pipeline_that_shares_them(stable_diffusion):
    """diffusers' ``from_pipe`` without a dtype casts shared modules to fp32 (issue 12754): twice the VRAM."""
    import torch
    from diffusers import StableDiffusionImg2ImgPipeline, StableDiffusionPipeline

    from generators.art.diffusion import from_pretrained_preferring_fp16, sharing_weights

    text2img = from_pretrained_preferring_fp16(StableDiffusionPipeline, str(stable_diffusion), torch.float16,
                                               safety_checker=None, requires_safety_checker=False)
    img2img = sharing_weights(StableDiffusionImg2ImgPipeline, text2img)
    for name in ("unet", "vae", "text_encoder"):
        assert getattr(img2img, name) is getattr(text2img, name)
        assert {p.dtype for p in getattr(text2img, name).parameters()} == {torch.float16}, name


def test_fp16_loading_reads_the_half_size_weight_files_where_the_model_has_them(stable_diffusion, tmp_path):
    import shutil

    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel

    from generators.art.diffusion import from_pretrained_preferring_fp16

    folder = tmp_path / "with-fp16"
    shutil.copytree(stable_diffusion, folder)
    unet = UNet2DConditionModel.from_pretrained(folder / "unet")
    with torch.no_grad():
        for parameter in unet.parameters():
            parameter.fill_(0.25)
    unet.to(torch.float16).save_pretrained(folder / "unet", variant="fp16")
    assert (folder / "unet" / "diffusion_pytorch_model.fp16.safetensors").is_file()
    half = from_pretrained_preferring_fp16(StableDiffusionPipeline, str(folder), torch.float16, safety_checker=None)
    assert {float(p.detach().flatten()[0]) for p in half.unet.parameters()} == {0.25}
    full = from_pretrained_preferring_fp16(StableDiffusionPipeline, str(stable_diffusion), torch.float16,
                                           safety_checker=None)
    assert full.unet.dtype == torch.float16
    assert {float(p.detach().flatten()[0]) for p in full.unet.parameters()} != {0.25}


def test_the_10gb_profile_does_not_slice_attention_and_tiles_the_vae_only_above_native_size():
    from generators.art.diffusion import MemoryPlan, memory_plan

    gib = 2**30
    assert memory_plan("10gb", "sd15", 9 * gib) == MemoryPlan(offload=False, tile_vae_above_pixels=512 * 512)
    assert memory_plan("auto", "sdxl", 9 * gib) == MemoryPlan(offload=True, tile_vae_above_pixels=1024 * 1024)
    assert memory_plan("low", "sd15", 20 * gib).offload
    assert memory_plan("full", "sdxl", 1 * gib) == MemoryPlan(offload=False, tile_vae_above_pixels=None)
    assert not hasattr(MemoryPlan, "attention_slicing")
    with pytest.raises(ToonbeatError, match="unknown memory profile"):
        memory_plan("8gb", "sd15", gib)


def test_running_out_of_gpu_memory_while_drawing_names_the_options_art_character_has(sd15, monkeypatch):
    import torch

    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(sd15.text2img.unet, "forward", out_of_memory)
    with pytest.raises(ToonbeatError, match="ran out of memory making a 64x64 image") as caught:
        generate_image(sd15, small())
    assert "--width/--height" in str(caught.value) and "--size" not in str(caught.value)
    assert "--memory low" in str(caught.value)


def test_a_missing_lora_file_or_a_single_file_without_config_says_what_to_give(stable_diffusion, tmp_path):
    with pytest.raises(ToonbeatError, match=r"cannot load the LoRA .*loras/mine\.safetensors': no such file or folder"):
        load_art_model(ArtModelSpec(model=str(stable_diffusion), device="cpu",
                                    loras=((str(tmp_path / "loras" / "mine.safetensors"), 1.0),)))
    checkpoint = tiny_models.single_file_checkpoint(stable_diffusion, tmp_path / "cartoon_v1.safetensors")
    with pytest.raises(ToonbeatError, match="give --config with a local pipeline folder"):
        load_art_model(ArtModelSpec(model=str(checkpoint), kind="sd15", device="cpu"))
    with pytest.raises(ToonbeatError, match=r"cannot load the pipeline configs .*: no such file or folder"):
        load_art_model(ArtModelSpec(model=str(checkpoint), config=str(tmp_path / "sd15-configs"), device="cpu"))


def test_an_installed_diffusers_older_than_the_floor_is_named_with_the_upgrade(monkeypatch):
    import tomllib

    import diffusers

    from generators.gpu import MINIMUM_VERSIONS, require_gen_extra

    gen = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["gen"]
    for package, floor in MINIMUM_VERSIONS.items():
        assert f"{package}>={floor}" in gen
    monkeypatch.setattr(diffusers, "__version__", "0.30.3")
    with pytest.raises(ToonbeatError, match=r"needs diffusers>=0.40 \(installed: 0.30.3\)"):
        require_gen_extra("Stable Diffusion", "diffusers")


def test_resizing_a_tileable_background_keeps_it_tileable(sd15):
    """A tile's right edge must continue into its left edge as smoothly as any two neighbouring columns."""
    from generators.art.diffusion_backgrounds import resize_tileable

    rng = np.random.default_rng(0)
    x = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    y = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    periodic = 127 + 100 * np.sin(3 * x)[None, :] * np.cos(2 * y)[:, None]
    tile = np.repeat(periodic[..., None], 3, axis=2) + rng.normal(0, 2, (64, 96, 3))
    image = Image.fromarray(np.clip(tile, 0, 255).astype(np.uint8))

    def seam_over_neighbours(picture: Image.Image) -> float:
        values = pixels(picture)
        seam = np.abs(values[:, 0] - values[:, -1]).mean()
        beside = (np.abs(values[:, 1] - values[:, 0]).mean() + np.abs(values[:, -1] - values[:, -2]).mean()) / 2
        return float(seam / beside)

    assert seam_over_neighbours(image) < 1.5
    resized = resize_tileable(image, (150, 100))
    assert resized.size == (150, 100) and seam_over_neighbours(resized) < 1.5
    plain = image.resize((150, 100), Image.Resampling.LANCZOS)
    assert seam_over_neighbours(plain) > seam_over_neighbours(resized)


@pytest.fixture(scope="module")
def posed_sd15(stable_diffusion, tmp_path_factory):
    controlnet = tiny_models.tiny_controlnet(stable_diffusion, tmp_path_factory.mktemp("controlnet"))
    return load_art_model(ArtModelSpec(model=str(stable_diffusion), controlnet=str(controlnet), device="cpu"))


def test_with_a_controlnet_each_pose_is_drawn_from_its_skeleton(posed_sd15, tmp_path):
    from generators.art.characters.poses import POSES
    from generators.art.skeletons import skeleton_image

    assert posed_sd15.has_controlnet
    dance, headbang = (skeleton_image(POSES[name], 64, 96) for name in ("dance", "headbang"))
    drawn = pixels(generate_image(posed_sd15, small(width=64, height=96, pose_image=dance)))
    again = pixels(generate_image(posed_sd15, small(width=64, height=96, pose_image=dance)))
    other_pose = pixels(generate_image(posed_sd15, small(width=64, height=96, pose_image=headbang)))
    unposed = pixels(generate_image(posed_sd15, small(width=64, height=96)))
    np.testing.assert_array_equal(drawn, again)
    assert np.abs(drawn - other_pose).mean() > 0.2 and np.abs(drawn - unposed).mean() > 0.2
    style = load_style()
    request = CharacterRequest(name="dj", prompt="robot", poses=pose_list(style, ["idle", "headbang", "spin"]),
                               style=style, width=64, height=96, steps=2, design="cyborg_dj")
    character = read_character(make_character(posed_sd15, request, tmp_path / "dj"))
    assert character.extra["second_stage"] == "controlnet"
    assert character.extra["skeletons"] == ["headbang", "idle"] and character.extra["controlnet"]


def test_an_sdxl_controlnet_draws_through_the_same_call(sdxl_folder, tmp_path):
    from generators.art.characters.poses import POSES
    from generators.art.skeletons import skeleton_image

    controlnet = tiny_models.tiny_controlnet(sdxl_folder, tmp_path / "controlnet")
    pipes = load_art_model(ArtModelSpec(model=str(sdxl_folder), controlnet=str(controlnet), device="cpu"))
    assert type(pipes.posed).__name__ == "StableDiffusionXLControlNetPipeline"
    image = generate_image(pipes, small(width=64, height=64, pose_image=skeleton_image(POSES["walk"], 64, 64)))
    assert image.size == (64, 64)


def test_a_missing_controlnet_is_one_clear_error(stable_diffusion, tmp_path):
    with pytest.raises(ToonbeatError, match=r"cannot load the ControlNet .*: no such file or folder"):
        load_art_model(ArtModelSpec(model=str(stable_diffusion), controlnet=str(tmp_path / "openpose"), device="cpu"))


def test_a_controlnet_and_an_ip_adapter_together_draw_each_pose_as_the_first_ones_character(stable_diffusion, tmp_path):
    controlnet = tiny_models.tiny_controlnet(stable_diffusion, tmp_path / "controlnet")
    adapter = tiny_models.tiny_ip_adapter(stable_diffusion, tmp_path / "ip-adapter")
    pipes = load_art_model(ArtModelSpec(model=str(stable_diffusion), controlnet=str(controlnet),
                                        ip_adapter=str(adapter), device="cpu"))
    style = load_style()
    request = CharacterRequest(name="dj", prompt="robot", poses=pose_list(style, ["idle", "dance"]), style=style,
                               width=64, height=96, steps=2)
    character = read_character(make_character(pipes, request, tmp_path / "dj"))
    assert character.extra["second_stage"] == "controlnet+ip-adapter"
    assert character.pose_names == ("idle", "dance")
