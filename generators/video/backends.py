"""One interface over the video models: a backend turns a :class:`VideoRequest` into a list of frames.

``animatediff`` (the default) puts a motion adapter on a Stable Diffusion 1.5
pipeline (``MotionAdapter`` + ``UNetMotionModel``), loaded the way the image
generator loads it (hub id, folder or single-file checkpoint, LoRAs, IP-Adapter), and
with an OpenPose ControlNet follows a skeleton per frame, so a dance cycle's hits land
on the frames the cycle says. Clips longer than the adapter's window are denoised in
overlapping context windows (FreeNoise, diffusers' ``enable_free_noise``).

``wan`` (Wan 2.1 T2V 1.3B) and ``cogvideox`` (CogVideoX-2B) are text-to-video models
for shots and backgrounds without pose control; their frame counts are ``4 k + 1``
(Wan 81 at 480p, CogVideoX 49 at 720x480).

``svd`` (Stable Video Diffusion) is image-to-video: it animates ``reference_image``
(e.g. a character's idle pose or a background) for 14 or 25 frames.

Licences: AnimateDiff's motion adapters, Wan 2.1 and CogVideoX-2B are Apache-2.0; the
SD 1.5 weights are CreativeML OpenRAIL-M; SVD's weights come under the Stability AI
community licence, which the user accepts on the hub before downloading them.

Examples
--------
>>> backend = load_video_backend(VideoModelSpec(controlnet="lllyasviel/control_v11p_sd15_openpose"))  # doctest: +SKIP
>>> frames = backend.generate(VideoRequest(prompt="cartoon robot dj dancing", frame_count=16))  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..art.diffusion import (
    DEFAULT_MODEL,
    ArtModelSpec,
    from_pretrained_preferring_fp16,
    load_adapters,
    load_controlnet,
    load_text2img,
    place_on_device,
    resolve_device,
    sharing_weights,
)
from ..errors import CancelledError, ToonbeatError
from ..gpu import check_model_source, first_line, gpu_memory_guard, require_gen_extra
from ..parameters import choices_of
from .params import DEFAULT_MOTION_ADAPTER, ClipParams

BACKENDS = choices_of(ClipParams, "backend")
DEFAULT_SVD = "stabilityai/stable-video-diffusion-img2vid-xt"
TEXT_TO_VIDEO = {"wan": ("WanPipeline", "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"),
                 "cogvideox": ("CogVideoXPipeline", "THUDM/CogVideoX-2b")}
"""Text-to-video backends: diffusers pipeline class and default model."""
OUT_OF_MEMORY_REMEDY = ("use --memory low (model CPU offload), fewer --frames, a smaller --width/--height, "
                        "or a shorter --context")
StepCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class VideoModelSpec:
    """Which video model to load: the image model, motion adapter, ControlNet and adapters, device and memory."""

    backend: str = "animatediff"
    model: str = DEFAULT_MODEL
    motion_adapter: str = DEFAULT_MOTION_ADAPTER
    controlnet: str | None = None
    ip_adapter: str | None = None
    loras: tuple[tuple[str, float], ...] = ()
    config: str | None = None
    device: str = "auto"
    memory: str = "auto"


@dataclass(frozen=True)
class VideoRequest:
    """One clip. Sizes in pixels (multiples of 8); ``pose_frames`` are OpenPose skeletons, one per frame;
    ``reference_image`` conditions the IP-Adapter; ``context_frames`` is the FreeNoise window (frames)."""

    prompt: str
    negative_prompt: str = ""
    seed: int = 0
    frame_count: int = 16
    width: int = 512
    height: int = 512
    steps: int = 25
    guidance: float = 7.0
    pose_frames: tuple[Any, ...] = ()
    pose_scale: float = 1.0
    reference_image: Any = None
    context_frames: int = 16


class VideoBackend(Protocol):
    """What the clip writer needs from a loaded video model."""

    name: str
    model_id: str
    supports_poses: bool

    def generate(self, request: VideoRequest, on_step: StepCallback | None = None,
                 cancel: threading.Event | None = None) -> list[Any]:
        """``request.frame_count`` PIL images."""
        ...


class AnimateDiffBackend:
    """AnimateDiff on SD 1.5 (an ``AnimateDiffPipeline``, or ``AnimateDiffControlNetPipeline`` for poses)."""

    name = "animatediff"

    def __init__(self, pipe: Any, model_id: str, ip_adapter: bool = False) -> None:
        self.pipe, self.model_id, self.ip_adapter = pipe, model_id, ip_adapter
        self.supports_poses = hasattr(pipe, "controlnet")
        self.max_context_frames = int(pipe.unet.config.motion_max_seq_length)
        self.lock = threading.Lock()

    @classmethod
    def load(cls, spec: VideoModelSpec) -> AnimateDiffBackend:
        """Build the pipeline ``spec`` names on the image model's weights and place it per its memory profile."""
        require_gen_extra("AnimateDiff", "diffusers", "transformers")
        import torch
        from diffusers import AnimateDiffControlNetPipeline, AnimateDiffPipeline, MotionAdapter

        device = resolve_device(spec.device)
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        image_spec = ArtModelSpec(model=spec.model, kind="sd15", loras=spec.loras, config=spec.config,
                                  ip_adapter=spec.ip_adapter)
        base = load_text2img(image_spec, "sd15", dtype)
        check_model_source(spec.motion_adapter, "the motion adapter")
        try:
            adapter = MotionAdapter.from_pretrained(spec.motion_adapter, dtype=dtype)
        except (OSError, ValueError) as error:
            raise ToonbeatError(f"cannot load the motion adapter {spec.motion_adapter!r}: "
                                f"{first_line(error)}") from error
        if spec.controlnet:
            pipe = sharing_weights(AnimateDiffControlNetPipeline, base, motion_adapter=adapter,
                                   controlnet=load_controlnet(spec.controlnet, dtype))
        else:
            pipe = sharing_weights(AnimateDiffPipeline, base, motion_adapter=adapter)
        # AnimateDiff's motion modules were trained with a linear beta schedule.
        pipe.scheduler = type(pipe.scheduler).from_config(pipe.scheduler.config, timestep_spacing="linspace",
                                                          beta_schedule="linear", clip_sample=False)
        load_adapters(pipe, image_spec, "sd15")  # after the UNet became a motion UNet, which keeps them
        with gpu_memory_guard(f"loading AnimateDiff on {spec.model}", OUT_OF_MEMORY_REMEDY):
            place_on_device(pipe, device, spec.memory, "sd15")
        return cls(pipe, spec.model, ip_adapter=spec.ip_adapter is not None)

    def generate(self, request: VideoRequest, on_step: StepCallback | None = None,
                 cancel: threading.Event | None = None) -> list[Any]:
        """The clip's frames; see ``VideoBackend.generate``. Raises ``CancelledError`` at the next step."""
        import torch

        _check(request)
        if request.pose_frames and not self.supports_poses:
            raise ToonbeatError("pose frames need an OpenPose ControlNet: give --controlnet")

        step_end = _step_reporter(request.steps, on_step, cancel)
        arguments: dict[str, Any] = dict(
            prompt=request.prompt, negative_prompt=request.negative_prompt or None, num_frames=request.frame_count,
            width=request.width, height=request.height, num_inference_steps=request.steps,
            guidance_scale=request.guidance, generator=torch.Generator("cpu").manual_seed(request.seed),
            callback_on_step_end=step_end)
        if self.supports_poses:
            poses = request.pose_frames or _blank_frames(request)
            arguments.update(conditioning_frames=[frame.convert("RGB").resize((request.width, request.height))
                                                  for frame in poses],
                             controlnet_conditioning_scale=request.pose_scale if request.pose_frames else 0.0)
        if self.ip_adapter:
            from PIL import Image

            reference = request.reference_image
            self.pipe.set_ip_adapter_scale(0.6 if reference is not None else 0.0)
            arguments["ip_adapter_image"] = reference if reference is not None else Image.new("RGB", (224, 224))
        if cancel is not None and cancel.is_set():
            raise CancelledError("video generation cancelled")
        with self.lock:
            context = min(request.context_frames, self.max_context_frames)
            if request.frame_count > context:
                self.pipe.enable_free_noise(context_length=context, context_stride=max(1, context // 4))
            else:
                self.pipe.disable_free_noise()
            with gpu_memory_guard(f"making {request.frame_count} frames at {request.width}x{request.height}",
                                  OUT_OF_MEMORY_REMEDY):
                return list(self.pipe(**arguments).frames[0])


class TextToVideoBackend:
    """A diffusers text-to-video pipeline (Wan 2.1, CogVideoX): no poses, frame counts of ``4 k + 1``."""

    supports_poses = False

    def __init__(self, pipe: Any, name: str, model_id: str) -> None:
        self.pipe, self.name, self.model_id = pipe, name, model_id
        self.lock = threading.Lock()

    @classmethod
    def load(cls, spec: VideoModelSpec) -> TextToVideoBackend:
        """Load ``spec.model`` (default: the backend's model) in bf16 on a GPU; Wan's VAE stays fp32 (its advice)."""
        require_gen_extra(spec.backend, "diffusers", "transformers")
        import diffusers
        import torch

        class_name, default = TEXT_TO_VIDEO[spec.backend]
        model = default if spec.model == DEFAULT_MODEL else spec.model
        device = resolve_device(spec.device)
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        check_model_source(model, f"the {spec.backend} model")
        try:
            components = {"vae": diffusers.AutoencoderKLWan.from_pretrained(model, subfolder="vae",
                                                                            dtype=torch.float32)
                          } if spec.backend == "wan" else {}
            pipe = getattr(diffusers, class_name).from_pretrained(model, dtype=dtype, **components)
        except (OSError, ValueError) as error:
            raise ToonbeatError(f"cannot load the {spec.backend} model {model!r}: {first_line(error)}") from error
        pipe.set_progress_bar_config(disable=True)
        with gpu_memory_guard(f"loading {spec.backend} {model}", OUT_OF_MEMORY_REMEDY):
            place_on_device(pipe, device, spec.memory, "sdxl")  # 1.3B / 2B: offload below SDXL's need
        return cls(pipe, spec.backend, model)

    def generate(self, request: VideoRequest, on_step: StepCallback | None = None,
                 cancel: threading.Event | None = None) -> list[Any]:
        """The clip's frames; see ``VideoBackend.generate``."""
        import torch

        _check(request)
        if request.pose_frames:
            raise ToonbeatError(f"the {self.name} backend takes no pose frames: use --backend animatediff "
                                "with --controlnet")
        if request.frame_count % 4 != 1:
            raise ToonbeatError(f"{self.name} makes 4 k + 1 frames (17, 33, 49, 81), not {request.frame_count}")

        step_end = _step_reporter(request.steps, on_step, cancel)
        options: dict[str, Any] = {}
        text_length = getattr(self.pipe.transformer.config, "max_text_seq_length", None)
        if text_length:  # CogVideoX's positional table is built for exactly this many text tokens
            options["max_sequence_length"] = int(text_length)
        with self.lock, gpu_memory_guard(f"making {request.frame_count} frames at {request.width}x{request.height}",
                                         OUT_OF_MEMORY_REMEDY):
            output = self.pipe(prompt=request.prompt, negative_prompt=request.negative_prompt or None,
                               num_frames=request.frame_count, width=request.width, height=request.height,
                               num_inference_steps=request.steps, guidance_scale=request.guidance,
                               generator=torch.Generator("cpu").manual_seed(request.seed),
                               callback_on_step_end=step_end, output_type="pil", **options)
        return list(output.frames[0])


class ImageToVideoBackend:
    """Stable Video Diffusion: the request's ``reference_image`` set in motion; no prompt, no poses."""

    name = "svd"
    supports_poses = False

    def __init__(self, pipe: Any, model_id: str) -> None:
        self.pipe, self.model_id = pipe, model_id
        self.lock = threading.Lock()

    @classmethod
    def load(cls, spec: VideoModelSpec) -> ImageToVideoBackend:
        """Load ``spec.model`` (default SVD-XT) in fp16 on a GPU, its fp16 weight files where it has them."""
        require_gen_extra("Stable Video Diffusion", "diffusers", "transformers")
        import torch
        from diffusers import StableVideoDiffusionPipeline

        model = DEFAULT_SVD if spec.model == DEFAULT_MODEL else spec.model
        device = resolve_device(spec.device)
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        check_model_source(model, "Stable Video Diffusion")
        try:
            pipe = from_pretrained_preferring_fp16(StableVideoDiffusionPipeline, model, dtype)
        except (OSError, ValueError) as error:
            raise ToonbeatError(f"cannot load Stable Video Diffusion {model!r}: {first_line(error)} "
                                "(its licence must be accepted on the hub before the download)") from error
        pipe.set_progress_bar_config(disable=True)
        with gpu_memory_guard(f"loading Stable Video Diffusion {model}", OUT_OF_MEMORY_REMEDY):
            place_on_device(pipe, device, spec.memory, "sdxl")
        return cls(pipe, model)

    def generate(self, request: VideoRequest, on_step: StepCallback | None = None,
                 cancel: threading.Event | None = None) -> list[Any]:
        """The clip's frames; ``request.guidance`` is the guidance reached at the last frame."""
        import torch

        _check(request)
        if request.reference_image is None:
            raise ToonbeatError("Stable Video Diffusion animates an image: give --reference")
        if request.pose_frames:
            raise ToonbeatError("the svd backend takes no pose frames: use --backend animatediff with --controlnet")

        step_end = _step_reporter(request.steps, on_step, cancel)
        image = request.reference_image.convert("RGB").resize((request.width, request.height))
        with self.lock, gpu_memory_guard(f"making {request.frame_count} frames at {request.width}x{request.height}",
                                         OUT_OF_MEMORY_REMEDY):
            output = self.pipe(image, width=request.width, height=request.height, num_frames=request.frame_count,
                               num_inference_steps=request.steps, max_guidance_scale=max(request.guidance, 1.0),
                               decode_chunk_size=8, generator=torch.Generator("cpu").manual_seed(request.seed),
                               callback_on_step_end=step_end, output_type="pil")
        return list(output.frames[0])


def load_video_backend(spec: VideoModelSpec) -> VideoBackend:
    """Load the backend ``spec`` names."""
    if spec.backend not in BACKENDS:
        raise ToonbeatError(f"unknown video backend {spec.backend!r} (choose from {', '.join(BACKENDS)})")
    if spec.backend in TEXT_TO_VIDEO:
        return TextToVideoBackend.load(spec)
    if spec.backend == "svd":
        return ImageToVideoBackend.load(spec)
    return AnimateDiffBackend.load(spec)


def _step_reporter(steps: int, on_step: StepCallback | None, cancel: threading.Event | None) -> Any:
    """A diffusers ``callback_on_step_end`` that reports each step and raises ``CancelledError`` once cancelled."""

    def step_end(_pipe: Any, step: int, _timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
        if cancel is not None and cancel.is_set():
            raise CancelledError("video generation cancelled")
        if on_step is not None:
            on_step(step + 1, steps)
        return callback_kwargs

    return step_end


def _check(request: VideoRequest) -> None:
    problems = [
        (request.frame_count >= 1, f"a clip needs at least one frame, not {request.frame_count}"),
        (request.width > 0 and request.height > 0 and request.width % 8 == 0 and request.height % 8 == 0,
         f"clip size {request.width}x{request.height} must be positive multiples of 8"),
        (not request.pose_frames or len(request.pose_frames) == request.frame_count,
         f"{len(request.pose_frames)} pose frames for {request.frame_count} frames: give one per frame"),
        (request.context_frames >= 2, f"the context window needs at least 2 frames, not {request.context_frames}"),
    ]
    for ok, problem in problems:
        if not ok:
            raise ToonbeatError(problem)


def _blank_frames(request: VideoRequest) -> list[Any]:
    from PIL import Image

    return [Image.new("RGB", (request.width, request.height))] * request.frame_count
