"""Stable Diffusion 1.5 and SDXL through diffusers: loading, memory profiles, one image at a time.

A model is a hub id, a local pipeline folder (``model_index.json``) or a single-file
checkpoint (``.safetensors`` / ``.ckpt``, how cartoon-tuned models are shared), plus
any number of LoRAs, an IP-Adapter and an OpenPose ControlNet. ``load_art_model``
builds a text-to-image pipeline, an image-to-image pipeline and, with a ControlNet,
a pose-controlled pipeline, all sharing the same weights; ``generate_image`` makes
one image, reporting every denoising step and stopping at once when cancelled.

Memory profiles, chosen with ``memory``:

``full``
    fp16, everything on the GPU, no memory savings.
``10gb`` (what ``auto`` picks on a GPU)
    fp16; model CPU offload when the free GPU memory is below what the pipeline needs
    (SDXL on a 10 GB card); VAE tiling only for images larger than the model's native
    size. No attention slicing: PyTorch 2's fused attention already needs little
    memory, and slicing it only slows it down.
``low``
    as ``10gb`` with model CPU offload always on.

On the CPU every profile runs in fp32 without offload (offload needs an accelerator).

Examples
--------
>>> pipes = load_art_model(ArtModelSpec(model="stable-diffusion-v1-5/stable-diffusion-v1-5"))  # doctest: +SKIP
>>> image = generate_image(pipes, ImageRequest(prompt="cartoon robot DJ, flat colors", seed=7))  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import CancelledError, ToonbeatError, check_choice
from ..gpu import MODEL_FILE_SUFFIXES, check_model_source, first_line, gpu_memory_guard, require_gen_extra
from ..parameters import choices_of
from .params import ArtParams

DEFAULT_MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"
SDXL_CONFIG = "stabilityai/stable-diffusion-xl-base-1.0"
KINDS = choices_of(ArtParams, "kind")  # declared once, with the other art parameters
MEMORY_PROFILES = choices_of(ArtParams, "memory")
NATIVE_SIZE = {"sd15": 512, "sdxl": 1024}
IP_ADAPTER_WEIGHTS = {("sd15", False): "ip-adapter_sd15.safetensors",
                      ("sd15", True): "ip-adapter-plus_sd15.safetensors",
                      ("sdxl", False): "ip-adapter_sdxl.safetensors",
                      ("sdxl", True): "ip-adapter-plus_sdxl_vit-h.safetensors"}
"""Weight files in ``h94/IP-Adapter`` (Plus for SDXL reads ViT-H features: the ``models/image_encoder``)."""
IP_ADAPTER_SCALE = 0.6  # how strongly the reference image (the first pose) steers the later poses
GPU_BYTES_NEEDED = {"sd15": 4 * 2**30, "sdxl": 11 * 2**30}  # fp16 weights and activations at native size
FP16_VARIANT = "fp16"  # the hub's half-size weight files (diffusion_pytorch_model.fp16.safetensors)
OUT_OF_MEMORY_REMEDY = "use --memory low (model CPU offload), a smaller --width/--height, or SD 1.5 instead of SDXL"
StepCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ArtModelSpec:
    """Which pipeline to load and how: the key of the service's model cache.

    ``loras`` pairs a LoRA (file, folder or hub id) with its weight. ``config`` is a
    local pipeline folder (or hub id) whose component configs a single-file
    checkpoint is assembled with; without it diffusers looks the configs up on the hub.
    ``ip_adapter`` is a hub id or folder laid out like ``h94/IP-Adapter``; a folder holding the
    Plus weights (patch features, a closer likeness) uses them.
    ``controlnet`` is an OpenPose ControlNet (hub id or folder), e.g.
    ``lllyasviel/control_v11p_sd15_openpose`` or ``xinsir/controlnet-openpose-sdxl-1.0``.
    """

    model: str = DEFAULT_MODEL
    kind: str = "auto"
    loras: tuple[tuple[str, float], ...] = ()
    device: str = "auto"
    memory: str = "auto"
    config: str | None = None
    ip_adapter: str | None = None
    controlnet: str | None = None


@dataclass(frozen=True)
class ImageRequest:
    """One image. ``init_image`` switches to image-to-image at ``strength`` (0 keeps it, 1 ignores it);
    ``reference_image`` conditions an IP-Adapter, when one is loaded; ``pose_image`` (an OpenPose
    skeleton, see ``skeletons``) steers the ControlNet at ``pose_scale``. Sizes in pixels, multiples of 8."""

    prompt: str
    negative_prompt: str = ""
    seed: int = 0
    width: int | None = None
    height: int | None = None
    steps: int = 25
    guidance: float = 7.0
    init_image: Any = None
    strength: float = 0.6
    reference_image: Any = None
    pose_image: Any = None
    pose_scale: float = 1.0


@dataclass
class ArtPipelines:
    """A loaded model: text-to-image and image-to-image pipelines sharing one set of weights."""

    spec: ArtModelSpec
    kind: str
    device: str
    text2img: Any
    img2img: Any
    posed: Any = None
    """The ControlNet text-to-image pipeline, when a ControlNet is loaded."""
    offloaded: bool = False
    tile_vae_above_pixels: int | None = None
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def native_size(self) -> int:
        """The side in pixels the model was trained at (512 or 1024)."""
        return NATIVE_SIZE[self.kind]

    @property
    def has_ip_adapter(self) -> bool:
        """Whether an IP-Adapter is loaded, so ``reference_image`` can hold a character's identity."""
        return self.spec.ip_adapter is not None

    @property
    def has_controlnet(self) -> bool:
        """Whether a pose ControlNet is loaded, so ``pose_image`` sets the pose."""
        return self.posed is not None

    def set_tileable(self, tileable: bool) -> None:
        """Make every convolution of the UNet and VAE wrap around (``circular`` padding), or stop it.

        A wrapped network sees the image as a torus, so its left edge continues its right
        and its top its bottom: the image tiles without a seam.
        """
        import torch

        mode: Literal["circular", "zeros"] = "circular" if tileable else "zeros"
        for model in (self.text2img.unet, self.text2img.vae):
            for module in model.modules():
                if isinstance(module, torch.nn.Conv2d):
                    module.padding_mode = mode


def detect_kind(spec: ArtModelSpec) -> str:
    """``sd15`` or ``sdxl`` for a spec whose ``kind`` is ``auto``, from its pipeline config or checkpoint keys."""
    check_choice(spec.kind, KINDS, "model kind")
    if spec.kind != "auto":
        return spec.kind
    path = Path(spec.model)
    if path.suffix.lower() in MODEL_FILE_SUFFIXES:
        if not path.is_file():
            raise ToonbeatError(f"{path}: no such checkpoint file")
        return "sdxl" if any(key.startswith("conditioner.embedders.1.") for key in _checkpoint_keys(path)) else "sd15"
    try:
        from diffusers import DiffusionPipeline

        config = DiffusionPipeline.load_config(spec.model)
    except (OSError, ValueError) as error:
        raise ToonbeatError(f"cannot find the image model {spec.model!r}: {first_line(error)} "
                            "(give a hub id that is downloaded or reachable, a pipeline folder, "
                            "or a .safetensors checkpoint)") from error
    return "sdxl" if "XL" in str(config.get("_class_name", "")) else "sd15"


def load_art_model(spec: ArtModelSpec) -> ArtPipelines:
    """Load the pipelines ``spec`` names, with its LoRAs, IP-Adapter and memory profile applied."""
    require_gen_extra("Stable Diffusion", "diffusers", "transformers")
    import torch

    check_choice(spec.memory, MEMORY_PROFILES, "memory profile")
    device = resolve_device(spec.device)
    kind = detect_kind(spec)
    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    text2img = load_text2img(spec, kind, dtype)
    load_adapters(text2img, spec, kind)
    pipes = ArtPipelines(spec=spec, kind=kind, device=device, text2img=text2img, img2img=None)
    with gpu_memory_guard(f"loading {spec.model} ({kind})", OUT_OF_MEMORY_REMEDY):
        placement = place_on_device(text2img, device, spec.memory, kind)
        pipes.offloaded, pipes.tile_vae_above_pixels = placement.offload, placement.tile_vae_above_pixels
        pipes.notes.extend(placement.notes)
        pipes.img2img = sharing_weights(_image_to_image(kind), text2img)
        if spec.controlnet:
            controlnet = load_controlnet(spec.controlnet, dtype)
            pipes.posed = sharing_weights(_pose_controlled(kind), text2img, controlnet=controlnet)
            if pipes.offloaded:
                pipes.posed.enable_model_cpu_offload(device=device)
            elif device != "cpu":
                controlnet.to(device)
    return pipes


def resolve_device(device: str) -> str:
    """``auto`` is CUDA when there is a GPU, else the CPU; anything else as given."""
    import torch

    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


def load_text2img(spec: ArtModelSpec, kind: str, dtype: Any) -> Any:
    """The text-to-image pipeline ``spec.model`` names (hub id, folder or single file), in ``dtype``, on the CPU."""
    try:
        text2img = _load_text2img(spec, kind, dtype)
    except (OSError, ValueError, KeyError) as error:
        raise ToonbeatError(f"cannot load the image model {spec.model!r}: {first_line(error)}") from error
    text2img.set_progress_bar_config(disable=True)
    return text2img


def load_adapters(pipe: Any, spec: ArtModelSpec, kind: str) -> None:
    """Load ``spec``'s LoRAs at their weights and its IP-Adapter into ``pipe``."""
    for index, (lora, _) in enumerate(spec.loras):
        _load_lora(pipe, lora, f"lora_{index}")
    if spec.loras:
        pipe.set_adapters([f"lora_{index}" for index in range(len(spec.loras))],
                          adapter_weights=[weight for _, weight in spec.loras])
    if spec.ip_adapter:
        _load_ip_adapter(pipe, spec.ip_adapter, kind)


def load_controlnet(source: str, dtype: Any) -> Any:
    """A ``ControlNetModel`` from a hub id or folder, in ``dtype``, preferring its fp16 weight files for fp16."""
    from diffusers import ControlNetModel

    check_model_source(source, "the ControlNet")
    try:
        return from_pretrained_preferring_fp16(ControlNetModel, source, dtype)
    except (OSError, ValueError) as error:
        raise ToonbeatError(f"cannot load the ControlNet {source!r}: {first_line(error)}") from error


def sharing_weights(pipeline_class: Any, pipe: Any, **components: Any) -> Any:
    """A ``pipeline_class`` built on ``pipe``'s loaded components (plus ``components``), in ``pipe``'s dtype.

    ``from_pipe`` without ``dtype`` casts every shared module to fp32 (diffusers issue
    12754), which would double an fp16 profile's GPU memory.
    """
    shared = pipeline_class.from_pipe(pipe, dtype=pipe.dtype, **components)
    shared.set_progress_bar_config(disable=True)
    return shared


def generate_image(pipes: ArtPipelines, request: ImageRequest, on_step: StepCallback | None = None,
                   cancel: threading.Event | None = None) -> Any:
    """One PIL image for ``request``; the same request and seed give the same image.

    Raises
    ------
    CancelledError
        at the next denoising step after ``cancel`` is set.
    ToonbeatError
        when the GPU runs out of memory, naming the settings that lower the need.
    """
    import torch

    width = request.width or pipes.native_size
    height = request.height or pipes.native_size
    if width % 8 or height % 8 or width <= 0 or height <= 0:
        raise ToonbeatError(f"image size {width}x{height} must be positive multiples of 8")
    steps = request.steps

    def step_end(_pipe: Any, step: int, _timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
        if cancel is not None and cancel.is_set():
            raise CancelledError("image generation cancelled")
        if on_step is not None:
            on_step(step + 1, total_steps)
        return callback_kwargs

    arguments: dict[str, Any] = dict(
        prompt=request.prompt, negative_prompt=request.negative_prompt or None, num_inference_steps=steps,
        guidance_scale=request.guidance, generator=torch.Generator("cpu").manual_seed(request.seed),
        callback_on_step_end=step_end)
    if pipes.has_ip_adapter:  # once loaded, every call needs an image: a blank one at scale 0 when none is given
        from PIL import Image

        reference = request.reference_image
        ip_scale = IP_ADAPTER_SCALE if reference is not None else 0.0
        arguments["ip_adapter_image"] = reference if reference is not None else Image.new("RGB", (224, 224), "white")
    if request.pose_image is not None and pipes.has_controlnet:
        pipe = pipes.posed
        arguments.update(width=width, height=height, image=request.pose_image.convert("RGB").resize((width, height)),
                         controlnet_conditioning_scale=request.pose_scale)
        total_steps = steps
    elif request.init_image is not None:
        pipe = pipes.img2img
        arguments.update(image=request.init_image.convert("RGB").resize((width, height)), strength=request.strength)
        total_steps = max(1, min(int(steps * request.strength), steps))
    else:
        pipe = pipes.text2img
        arguments.update(width=width, height=height)
        total_steps = steps
    if cancel is not None and cancel.is_set():
        raise CancelledError("image generation cancelled")
    with pipes.lock:
        if pipes.has_ip_adapter:
            pipes.text2img.set_ip_adapter_scale(ip_scale)
        set_vae_tiling(pipes, width, height)
        with gpu_memory_guard(f"making a {width}x{height} image with memory profile '{pipes.spec.memory}' "
                              f"({pipes.kind})", OUT_OF_MEMORY_REMEDY):
            return pipe(**arguments).images[0]


def set_vae_tiling(pipes: ArtPipelines, width: int, height: int) -> None:
    """Decode in tiles only when the memory plan asks for it at this many pixels; whole otherwise (faster)."""
    vae = pipes.text2img.vae
    if pipes.tile_vae_above_pixels is not None and width * height > pipes.tile_vae_above_pixels:
        vae.enable_tiling()
    else:
        vae.disable_tiling()


@dataclass(frozen=True)
class MemoryPlan:
    """What a memory profile turns on for one model on one GPU."""

    offload: bool
    tile_vae_above_pixels: int | None
    """Decode the VAE in tiles for images with more pixels than this; ``None`` never."""


def memory_plan(profile: str, kind: str, free_bytes: int) -> MemoryPlan:
    """The plan for ``profile`` (``full``, ``10gb``, ``low``; ``auto`` is ``10gb``) with ``free_bytes`` of GPU memory.

    Attention slicing is never on: PyTorch 2's fused attention is already memory-lean
    and slicing makes it slower. VAE tiling is for images above the native size only,
    where the decoder's activations, not the weights, set the peak.
    """
    check_choice(profile, MEMORY_PROFILES, "memory profile")
    if profile == "full":
        return MemoryPlan(offload=False, tile_vae_above_pixels=None)
    offload = profile == "low" or free_bytes < GPU_BYTES_NEEDED[kind]
    return MemoryPlan(offload=offload, tile_vae_above_pixels=NATIVE_SIZE[kind] ** 2)


def _load_text2img(spec: ArtModelSpec, kind: str, dtype: Any) -> Any:
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

    pipeline_class = StableDiffusionXLPipeline if kind == "sdxl" else StableDiffusionPipeline
    path = Path(spec.model)
    if path.suffix.lower() in MODEL_FILE_SUFFIXES:
        if not path.is_file():
            raise ToonbeatError(f"{path}: no such checkpoint file")
        if spec.config:
            check_model_source(spec.config, "the pipeline configs")
            return pipeline_class.from_single_file(str(path), dtype=dtype, config=spec.config)
        try:
            return pipeline_class.from_single_file(str(path), dtype=dtype)
        except (OSError, ValueError) as error:
            raise ToonbeatError(
                f"cannot assemble {path.name}: {first_line(error)} (a single-file checkpoint needs its "
                "components' configs: give --config with a local pipeline folder of the same kind, or a hub id "
                f"that is downloaded, e.g. {DEFAULT_MODEL if kind == 'sd15' else SDXL_CONFIG})") from error
    check_model_source(spec.model, "the image model")
    options = {"safety_checker": None, "requires_safety_checker": False} if kind == "sd15" else {}
    return from_pretrained_preferring_fp16(pipeline_class, spec.model, dtype, **options)


def from_pretrained_preferring_fp16(pipeline_class: Any, source: str, dtype: Any, **options: Any) -> Any:
    """``from_pretrained`` that, for fp16, reads the half-size ``fp16`` weight files where the model has them.

    Half the download and the disk; a model without that variant loads its full files.
    """
    import torch

    if dtype == torch.float16:
        try:
            return pipeline_class.from_pretrained(source, dtype=dtype, variant=FP16_VARIANT, **options)
        except (OSError, ValueError):
            pass  # no fp16 files: the full-precision ones, cast on load
    return pipeline_class.from_pretrained(source, dtype=dtype, **options)


def _image_to_image(kind: str) -> Any:
    from diffusers import StableDiffusionImg2ImgPipeline, StableDiffusionXLImg2ImgPipeline

    return StableDiffusionXLImg2ImgPipeline if kind == "sdxl" else StableDiffusionImg2ImgPipeline


def _pose_controlled(kind: str) -> Any:
    from diffusers import StableDiffusionControlNetPipeline, StableDiffusionXLControlNetPipeline

    return StableDiffusionXLControlNetPipeline if kind == "sdxl" else StableDiffusionControlNetPipeline


def _load_lora(pipe: Any, lora: str, adapter_name: str) -> None:
    path = Path(lora)
    check_model_source(lora, "the LoRA")
    try:
        if path.is_file():
            pipe.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name=adapter_name)
        else:
            pipe.load_lora_weights(lora, adapter_name=adapter_name)
    except (OSError, ValueError, KeyError) as error:
        raise ToonbeatError(f"cannot load the LoRA {lora!r}: {first_line(error)}") from error


def _load_ip_adapter(pipe: Any, source: str, kind: str) -> None:
    check_model_source(source, "the IP-Adapter")
    subfolder = "sdxl_models" if kind == "sdxl" else "models"
    plus = (Path(source) / subfolder / IP_ADAPTER_WEIGHTS[kind, True]).is_file()
    # SDXL's Plus weights read ViT-H image features: the SD 1.5 image encoder in models/.
    options = {"image_encoder_folder": "models/image_encoder"} if kind == "sdxl" and plus else {}
    try:
        pipe.load_ip_adapter(source, subfolder=subfolder, weight_name=IP_ADAPTER_WEIGHTS[kind, plus], **options)
    except (OSError, ValueError, KeyError) as error:
        raise ToonbeatError(f"cannot load the IP-Adapter from {source!r}: {first_line(error)}") from error


@dataclass(frozen=True)
class Placement:
    """Where a pipeline ended up: offloaded or not, when its VAE tiles, and a note for the user."""

    offload: bool = False
    tile_vae_above_pixels: int | None = None
    notes: tuple[str, ...] = ()


def place_on_device(pipe: Any, device: str, memory: str, kind: str) -> Placement:
    """Move ``pipe`` to ``device`` following the memory profile (see :func:`memory_plan`); the CPU keeps it as is."""
    import torch

    if device == "cpu":
        return Placement()
    if not device.startswith("cuda"):
        pipe.to(device)
        return Placement()
    free_bytes, _ = torch.cuda.mem_get_info(torch.device(device))
    plan = memory_plan("10gb" if memory == "auto" else memory, kind, free_bytes)
    if plan.offload:
        pipe.enable_model_cpu_offload(device=device)
        return Placement(True, plan.tile_vae_above_pixels,
                         (f"model CPU offload on ({free_bytes / 2**30:.1f} GiB free on {device})",))
    pipe.to(device)
    return Placement(False, plan.tile_vae_above_pixels)


def _checkpoint_keys(path: Path) -> list[str]:
    if path.suffix.lower() == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            return list(handle.keys())
    import torch

    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    return list(checkpoint.get("state_dict", checkpoint).keys())
