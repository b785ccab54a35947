"""Generation benchmark: Toonbeat's calls beside the plain library calls doing the same work.

Real-size architectures (SD 1.5, SDXL, MusicGen small/medium) built from their
published configurations with random weights: compute does not depend on the
weights, and no weights can be downloaded here. Each row times Toonbeat's call
(``generate_image``; ``compose`` for music) and the plain diffusers / transformers /
audiocraft call on the same loaded model with the same settings, alternating the
two, and reports medians and Toonbeat's overhead.

On a GPU: SD 1.5 512x512 and SDXL 1024x1024 at 25 steps (fp16, the 10 GB
profile), one pose-controlled SD 1.5 character pose (OpenPose ControlNet, 512x768),
AnimateDiff 16 frames at 512x512 with the pose ControlNet following a dance cycle,
MusicGen small and medium for 10 s of audio, with peak VRAM. Without a
GPU the same code runs at reduced size (SD 1.5 at 128x128 and 2 steps, SDXL at
128x128 and 1 step, the posed character at 128x192 and 2 steps, MusicGen small for
1 s; MusicGen medium and AnimateDiff (8 GB of fp32 weights) only when asked with --only)
to measure the overhead ratio only, and the GPU figures are reported as unmeasured.
The overhead is the median, over alternating pairs of calls, of Toonbeat's time
divided by the plain call's; the min..max of those ratios shows the noise. Toonbeat's
overhead is a constant few milliseconds per call, so the small CPU workloads
overstate it rather than hide it. On the CPU the times are the process's CPU
seconds (``time.process_time``), so other programs on a shared machine do not
inflate them; throughput figures there are per CPU second.

Run: ``python bench/generation_bench.py [--repeats 3] [--only sd15,sdxl,sd15-pose,animatediff,musicgen-small,...]``
(audiocraft rows run when audiocraft is importable, e.g. in its own environment).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from generators.art.diffusion import ArtModelSpec, ArtPipelines, ImageRequest, generate_image
from generators.music.backends import MusicModelSpec, Sampling, load_backend
from generators.music.musicgen import MusicRequest, compose
from tests import tiny_models

GPU = torch.cuda.is_available()
DEVICE = "cuda" if GPU else "cpu"
DTYPE = torch.float16 if GPU else torch.float32


@dataclass
class Row:
    """One benchmark line."""

    name: str
    setting: str
    toonbeat_s: float
    plain_s: float
    ratios: list[float]
    unit: str
    per_unit: float
    peak_vram_gib: float | None

    @property
    def overhead(self) -> float:
        """Median over the alternating pairs of Toonbeat's time over the plain call's, minus one."""
        return statistics.median(self.ratios) - 1


def timed_pair(toonbeat: Callable[[], Any], plain: Callable[[], Any],
               repeats: int) -> tuple[list[float], list[float], float | None]:
    """Seconds of each call after one warm-up of each, in alternating pairs; peak VRAM (GiB) across all calls.

    On a GPU: wall-clock seconds after synchronising. On the CPU: this process's CPU
    seconds (all its threads), which other programs on a shared machine do not inflate.
    """
    clock = time.perf_counter if GPU else time.process_time
    toonbeat(), plain()
    if GPU:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    ours, theirs = [], []
    for _ in range(repeats):
        for call, times in ((toonbeat, ours), (plain, theirs)):
            if GPU:
                torch.cuda.synchronize()
            start = clock()
            call()
            if GPU:
                torch.cuda.synchronize()
            times.append(clock() - start)
    peak = torch.cuda.max_memory_allocated() / 2**30 if GPU else None
    return ours, theirs, peak


def row(name: str, setting: str, ours: list[float], theirs: list[float], unit: str, work: float,
        peak: float | None) -> Row:
    """A table row from paired timings; throughput is ``work`` per median Toonbeat second."""
    toonbeat_s = statistics.median(ours)
    return Row(name, setting, toonbeat_s, statistics.median(theirs), [a / b for a, b in zip(ours, theirs, strict=True)],
               unit, work / toonbeat_s, peak)


def sd15_pipeline() -> Any:
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    folder = Path(tempfile.mkdtemp(prefix="bench-tokenizer-"))
    tokenizer = CLIPTokenizer.from_pretrained(tiny_models.clip_tokenizer(folder))
    unet = UNet2DConditionModel(
        sample_size=64, block_out_channels=(320, 640, 1280, 1280), layers_per_block=2, cross_attention_dim=768,
        attention_head_dim=8, down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3)
    text = CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_attention_heads=12,
                                        num_hidden_layers=12, vocab_size=49408, hidden_act="quick_gelu"))
    return StableDiffusionPipeline(vae=_vae(512), text_encoder=text, tokenizer=tokenizer, unet=unet,
                                   scheduler=_scheduler(), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)


def sdxl_pipeline() -> Any:
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTextModelWithProjection,
        CLIPTokenizer,
    )

    folder = Path(tempfile.mkdtemp(prefix="bench-tokenizer-"))
    tokenizer = CLIPTokenizer.from_pretrained(tiny_models.clip_tokenizer(folder))
    unet = UNet2DConditionModel(
        sample_size=128, block_out_channels=(320, 640, 1280), layers_per_block=2, cross_attention_dim=2048,
        attention_head_dim=(5, 10, 20), transformer_layers_per_block=(1, 2, 10), use_linear_projection=True,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        addition_embed_type="text_time", addition_time_embed_dim=256, projection_class_embeddings_input_dim=2816)
    text = CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_attention_heads=12,
                                        num_hidden_layers=12, vocab_size=49408, hidden_act="quick_gelu"))
    text_2 = CLIPTextModelWithProjection(CLIPTextConfig(
        hidden_size=1280, intermediate_size=5120, num_attention_heads=20, num_hidden_layers=32, vocab_size=49408,
        projection_dim=1280, hidden_act="gelu"))
    return StableDiffusionXLPipeline(vae=_vae(1024), text_encoder=text, text_encoder_2=text_2, tokenizer=tokenizer,
                                     tokenizer_2=tokenizer, unet=unet, scheduler=_scheduler())


def _vae(sample_size: int) -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                         down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                         sample_size=sample_size)


def _scheduler() -> Any:
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                  steps_offset=1)


def bench_diffusion(name: str, pipe: Any, kind: str, size: int, steps: int, repeats: int) -> Row:
    """``generate_image`` beside ``pipe(...)`` on the same pipeline, same prompt, seed and size."""
    pipe = pipe.to(DEVICE, DTYPE)
    pipe.set_progress_bar_config(disable=True)
    spec = ArtModelSpec(model=f"random-{kind}", kind=kind, device=DEVICE, memory="10gb" if GPU else "full")
    pipes = ArtPipelines(spec=spec, kind=kind, device=DEVICE, text2img=pipe, img2img=None)
    prompt = "cartoon cyborg dj, bold outlines, flat colors"
    request = ImageRequest(prompt=prompt, seed=1, width=size, height=size, steps=steps, guidance=7.0)

    def plain() -> Any:
        return pipe(prompt=prompt, num_inference_steps=steps, guidance_scale=7.0, width=size, height=size,
                    generator=torch.Generator("cpu").manual_seed(1)).images[0]

    ours, theirs, peak = timed_pair(lambda: generate_image(pipes, request), plain, repeats)
    return row(name, f"{size}x{size}, {steps} steps, {DTYPE}".replace("torch.", ""), ours, theirs, "images/s", 1.0,
               peak)


def bench_posed_character(pipe: Any, width: int, height: int, steps: int, repeats: int) -> Row:
    """One pose of a character through ``generate_image`` with an OpenPose skeleton, beside the plain
    ControlNet pipeline, on the same real-size SD 1.5 and ControlNet (``ControlNetModel.from_unet``)."""
    from diffusers import ControlNetModel, StableDiffusionControlNetPipeline

    from generators.art.characters.poses import POSES
    from generators.art.diffusion import sharing_weights
    from generators.art.skeletons import skeleton_image

    pipe = pipe.to(DEVICE, DTYPE)
    posed = sharing_weights(StableDiffusionControlNetPipeline, pipe,
                            controlnet=ControlNetModel.from_unet(pipe.unet).to(DEVICE, DTYPE))
    spec = ArtModelSpec(model="random-sd15", kind="sd15", device=DEVICE, memory="10gb" if GPU else "full",
                        controlnet="random-openpose")
    pipes = ArtPipelines(spec=spec, kind="sd15", device=DEVICE, text2img=pipe, img2img=None, posed=posed)
    skeleton = skeleton_image(POSES["headbang"], width, height)
    prompt = "cartoon cyborg dj headbanging, bold outlines, flat colors"
    request = ImageRequest(prompt=prompt, seed=1, width=width, height=height, steps=steps, guidance=7.0,
                           pose_image=skeleton)

    def plain() -> Any:
        return posed(prompt=prompt, image=skeleton, num_inference_steps=steps, guidance_scale=7.0, width=width,
                     height=height, generator=torch.Generator("cpu").manual_seed(1)).images[0]

    ours, theirs, peak = timed_pair(lambda: generate_image(pipes, request), plain, repeats)
    return row("SD 1.5 + OpenPose ControlNet (a character pose)",
               f"{width}x{height}, {steps} steps, {DTYPE}".replace("torch.", ""), ours, theirs, "images/s", 1.0, peak)


def bench_animatediff(pipe: Any, frames: int, size: int, steps: int, repeats: int) -> Row:
    """A dance clip through the AnimateDiff backend (skeletons from the cycle) beside the plain
    ``AnimateDiffControlNetPipeline`` call, on real-size SD 1.5, motion adapter (v1-5-3 shape) and ControlNet."""
    from diffusers import AnimateDiffControlNetPipeline, ControlNetModel, MotionAdapter

    from generators.art.diffusion import sharing_weights
    from generators.video.backends import AnimateDiffBackend, VideoRequest
    from generators.video.cycles import CYCLES, cycle_skeletons

    adapter = MotionAdapter(motion_max_seq_length=32).to(DTYPE)
    video = sharing_weights(AnimateDiffControlNetPipeline, pipe.to(DTYPE), motion_adapter=adapter,
                            controlnet=ControlNetModel.from_unet(pipe.unet).to(DTYPE)).to(DEVICE)
    del pipe
    gc.collect()
    backend = AnimateDiffBackend(video, "random-sd15")
    skeletons = tuple(cycle_skeletons(CYCLES["dance"], frames, size, size))
    prompt = "cartoon cyborg dj dancing, bold outlines, flat colors"
    request = VideoRequest(prompt=prompt, seed=1, frame_count=frames, width=size, height=size, steps=steps,
                           pose_frames=skeletons)

    def plain() -> Any:
        return video(prompt=prompt, conditioning_frames=list(skeletons), num_frames=frames, width=size, height=size,
                     num_inference_steps=steps, guidance_scale=7.0,
                     generator=torch.Generator("cpu").manual_seed(1)).frames[0]

    ours, theirs, peak = timed_pair(lambda: backend.generate(request), plain, repeats)
    return row("AnimateDiff + OpenPose ControlNet (dance clip)",
               f"{frames} frames {size}x{size}, {steps} steps, {DTYPE}".replace("torch.", ""), ours, theirs,
               "frames/s", float(frames), peak)


def musicgen_folder(size: str, folder: Path) -> Path:
    """A MusicGen checkpoint of the published ``size`` architecture with random weights, saved to ``folder``."""
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
        T5Tokenizer,
    )

    hidden, layers, heads = {"small": (1024, 24, 16), "medium": (1536, 48, 24)}[size]
    decoder = MusicgenDecoderConfig(vocab_size=2048, num_hidden_layers=layers, hidden_size=hidden,
                                    num_attention_heads=heads, ffn_dim=4 * hidden, num_codebooks=4,
                                    max_position_embeddings=2048)
    text = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12)
    codec = EncodecConfig(sampling_rate=32_000, audio_channels=1, hidden_size=128, num_filters=64,
                          upsampling_ratios=[8, 5, 4, 4], codebook_size=2048, target_bandwidths=[2.2],
                          num_lstm_layers=2, norm_type="weight_norm", chunk_length_s=None, overlap=None)
    model = MusicgenForConditionalGeneration(MusicgenConfig(text_encoder=text, audio_encoder=codec, decoder=decoder))
    model.generation_config.update(decoder_start_token_id=2048, pad_token_id=2048, max_length=1500,
                                   do_sample=True, guidance_scale=3.0)
    model.save_pretrained(folder)
    tokenizer = T5Tokenizer.from_pretrained(tiny_models.t5_tokenizer(folder))
    MusicgenProcessor(feature_extractor=EncodecFeatureExtractor(feature_size=1, sampling_rate=32_000),
                      tokenizer=tokenizer).save_pretrained(folder)
    return folder


def bench_musicgen(size: str, seconds: float, repeats: int) -> Row:
    """``compose`` beside ``model.generate`` for the same seconds of audio, same sampling settings."""
    folder = tempfile.mkdtemp(prefix=f"bench-musicgen-{size}-")
    backend: Any = load_backend(MusicModelSpec(model=str(musicgen_folder(size, Path(folder))),
                                               backend="transformers", device=DEVICE))
    shutil.rmtree(folder)
    prompt = "industrial techno, 128 BPM"
    sampling = Sampling(top_k=250, cfg_coef=3.0)
    request = MusicRequest(prompt=prompt, seconds=seconds, window_seconds=30.0, seed=1, sampling=sampling)
    tokens = round(seconds * backend.frame_rate) + backend.num_codebooks - 1

    def plain() -> Any:
        torch.manual_seed(1)
        inputs = backend.processor(text=[prompt], padding=True, return_tensors="pt").to(DEVICE)
        with torch.inference_mode():
            return backend.model.generate(**inputs, max_new_tokens=tokens, do_sample=True, top_k=250,
                                          guidance_scale=3.0)

    ours, theirs, peak = timed_pair(lambda: compose(backend, request), plain, repeats)
    return row(f"MusicGen {size} (transformers)", f"{seconds:g} s of audio", ours, theirs, "audio s / s", seconds,
               peak)


def bench_audiocraft(seconds: float, repeats: int) -> Row:
    """audiocraft's ``generate`` beside Toonbeat's audiocraft backend (LM sized like musicgen-small)."""
    from audiocraft.models import MusicGen, builders
    from omegaconf import OmegaConf

    from generators.music.backends import AudiocraftBackend

    with tempfile.TemporaryDirectory(prefix="bench-audiocraft-") as folder:
        checkpoint = tiny_models.tiny_audiocraft_musicgen(Path(folder))
        lm_config = OmegaConf.create(torch.load(checkpoint / "state_dict.bin", weights_only=False)["xp.cfg"])
        lm_config.transformer_lm.update(n_q=4, card=2048, dim=1024, num_heads=16, num_layers=24, hidden_scale=4)
        lm_config.codebooks_pattern.delay.delays = [0, 1, 2, 3]
        lm_config.conditioners.description.lut.n_bins = 2048
        lm_config.device = DEVICE
        lm = builders.get_lm_model(lm_config)
        torch.save({"xp.cfg": OmegaConf.to_yaml(lm_config), "best_state": lm.state_dict()},
                   checkpoint / "state_dict.bin")
        codec_config = OmegaConf.create(
            torch.load(checkpoint / "compression_state_dict.bin", weights_only=False)["xp.cfg"])
        codec_config.update(sample_rate=32_000)
        codec_config.encodec.sample_rate = 32_000
        codec_config.seanet.update(dimension=128, n_filters=64, ratios=[8, 5, 4, 4], lstm=2)
        codec_config.rvq.update(n_q=4, bins=2048)
        codec = builders.get_compression_model(codec_config)
        torch.save({"xp.cfg": OmegaConf.to_yaml(codec_config), "best_state": codec.state_dict()},
                   checkpoint / "compression_state_dict.bin")
        backend = AudiocraftBackend(str(checkpoint), DEVICE)
    plain_model: Any = backend.model
    request = MusicRequest(prompt="industrial techno", seconds=seconds, seed=1)

    def plain() -> Any:
        torch.manual_seed(1)
        plain_model.set_generation_params(duration=seconds, top_k=250, cfg_coef=3.0)
        return plain_model.generate(["industrial techno"])

    assert isinstance(plain_model, MusicGen)
    ours, theirs, peak = timed_pair(lambda: compose(backend, request), plain, repeats)
    return row("MusicGen small-size LM (audiocraft)", f"{seconds:g} s of audio", ours, theirs, "audio s / s",
               seconds, peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3 if GPU else 5)
    parser.add_argument("--only", help="comma-separated subset of sd15,sdxl,sd15-pose,animatediff,musicgen-small,"
                                       "musicgen-medium,audiocraft")
    args = parser.parse_args()
    default = {"sd15", "sdxl", "sd15-pose", "musicgen-small", "audiocraft"} | (
        {"musicgen-medium", "animatediff"} if GPU else set())
    chosen = set(args.only.split(",")) if args.only else default
    torch.set_num_threads(os.cpu_count() or 1)
    device_name = torch.cuda.get_device_name() if GPU else f"CPU ({os.cpu_count()} threads), no GPU"
    print(f"device: {device_name}; torch {torch.__version__}", flush=True)
    rows: list[Row] = []
    plan: list[tuple[str, Callable[[], Row]]] = [
        ("sd15", lambda: bench_diffusion("SD 1.5", sd15_pipeline(), "sd15", 512 if GPU else 128, 25 if GPU else 2,
                                         args.repeats)),
        ("sdxl", lambda: bench_diffusion("SDXL", sdxl_pipeline(), "sdxl", 1024 if GPU else 128, 25 if GPU else 1,
                                         args.repeats)),
        ("sd15-pose", lambda: bench_posed_character(sd15_pipeline(), 512 if GPU else 128, 768 if GPU else 192,
                                                    25 if GPU else 2, args.repeats)),
        ("animatediff", lambda: bench_animatediff(sd15_pipeline(), 16 if GPU else 8, 512 if GPU else 64,
                                                  25 if GPU else 1, args.repeats)),
        ("musicgen-small", lambda: bench_musicgen("small", 10.0 if GPU else 1.0, args.repeats)),
        ("musicgen-medium", lambda: bench_musicgen("medium", 10.0 if GPU else 1.0, args.repeats)),
    ]
    if importlib.util.find_spec("audiocraft"):
        plan.append(("audiocraft", lambda: bench_audiocraft(10.0 if GPU else 1.0, args.repeats)))
    for key, run in plan:
        if key in chosen:
            rows.append(run())
            print(f"  done: {rows[-1].name}", flush=True)
            gc.collect()
    print()
    unit = "s" if GPU else "CPU s"
    print(f"| benchmark | setting | Toonbeat ({unit}) | plain call ({unit}) | overhead (median pair) | "
          "pair ratios min..max | throughput | peak VRAM |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for line in rows:
        vram = f"{line.peak_vram_gib:.2f} GiB" if line.peak_vram_gib is not None else "n/a (CPU)"
        print(f"| {line.name} | {line.setting} | {line.toonbeat_s:.2f} | {line.plain_s:.2f} | {line.overhead:+.1%} | "
              f"{min(line.ratios):.2f}..{max(line.ratios):.2f} | {line.per_unit:.3g} {line.unit} | {vram} |")
    if not GPU:
        print("\nNo GPU here: the rows above measure Toonbeat's overhead on the CPU at reduced size. Unmeasured: "
              "seconds per SD 1.5 512x512 image at 25 steps and per SDXL 1024x1024 image on a GPU, the posed "
              "character and the 16-frame 512x512 AnimateDiff clip on a GPU, MusicGen "
              "small/medium audio seconds per second on a GPU, peak VRAM, and whether the 10 GB profile fits "
              "in 10 GB. Run this script on a GPU machine for those.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
