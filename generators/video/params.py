"""Video clip parameters, declared once: ``toonbeat video clip``, the service's ``video`` jobs and the panel read them.

The model, its adapters and sampling are the image generators' (``art.params.ModelParams``),
the cut-out of a dancing character the posed characters' (``art.params.CutoutParams``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from ..art.params import MAX_SIDE, CutoutParams, ModelParams
from ..parameters import MAX_PATH_CHARS, FilePath, Prompt, Upload

if TYPE_CHECKING:
    from .backends import VideoModelSpec

MAX_FRAMES = 256
MAX_CONTEXT_FRAMES = 64
DEFAULT_MOTION_ADAPTER = "guoyww/animatediff-motion-adapter-v1-5-3"
DEFAULT_SHOT_BEATS = 4

# A clip's name is a folder name and a pose slot: the clip format's rule (letters, digits, '_' and '-').
ClipName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")]
ClipSide = Annotated[int, Field(ge=8, le=MAX_SIDE, multiple_of=8)]


class ClipParams(ModelParams, CutoutParams):
    """One clip: a character dancing a move (AnimateDiff with a pose ControlNet), or a shot or background."""

    backend: Literal["animatediff", "wan", "cogvideox", "svd"] = Field("animatediff", description="video model")
    model: FilePath | None = Field(None, description="animatediff: SD 1.5 hub id, folder or single file (default: "
                                                     "SD 1.5); wan, cogvideox, svd: a pipeline folder or hub id "
                                                     "(default: Wan 2.1 T2V 1.3B, CogVideoX-2B, SVD-XT)")
    motion_adapter: FilePath = Field(DEFAULT_MOTION_ADAPTER, description="AnimateDiff motion adapter hub id or folder")
    reference: Annotated[str, StringConstraints(max_length=MAX_PATH_CHARS), Upload()] | None = Field(
        None, description="image of the character (e.g. its idle.png) for the IP-Adapter; the image svd animates "
                          "(on the service: an id from POST /uploads)")
    move: Literal["dance", "headbang", "walk", "idle"] | None = Field(
        None, description="dance cycle the character follows (needs --controlnet)")
    kind: Literal["character", "background", "shot"] | None = Field(
        None, description="clip kind (default: character with --move, else shot)")
    preset: FilePath = Field("cyborg_dj", description="character preset for the prompt")
    prompt: Prompt | None = Field(None, description="describe the clip instead of using the preset's description")
    name: ClipName | None = Field(None, description="clip name (default: the move, or 'shot')")
    frames: int = Field(16, ge=1, le=MAX_FRAMES, description="frames in the clip")
    fps: float = Field(24.0, gt=0, le=240, description="frames per second")
    beats_per_cycle: int | None = Field(
        None, ge=1, le=64, description=f"beats one cycle of the clip spans on the timeline (default: the move's, "
                                       f"or {DEFAULT_SHOT_BEATS} for a shot)")
    width: ClipSide = Field(512, description="pixels, a multiple of 8")
    height: ClipSide = Field(512, description="pixels, a multiple of 8")
    context: int = Field(16, ge=2, le=MAX_CONTEXT_FRAMES,
                         description="frames denoised at once; longer clips use overlapping windows")

    @property
    def clip_kind(self) -> str:
        """The kind asked for, or the default: a character when it dances a move, else a shot."""
        return self.kind or ("character" if self.move else "shot")

    @property
    def clip_name(self) -> str:
        """The name asked for, or the move's, or ``shot``."""
        return self.name or self.move or "shot"

    def model_spec(self) -> VideoModelSpec:
        """The video model to load (the key of the service's model cache)."""
        from ..art.diffusion import DEFAULT_MODEL
        from .backends import VideoModelSpec

        return VideoModelSpec(backend=self.backend, model=self.model or DEFAULT_MODEL,
                              motion_adapter=self.motion_adapter, controlnet=self.controlnet,
                              ip_adapter=self.ip_adapter, loras=self.lora_weights, config=self.config,
                              device=self.device, memory=self.memory)
