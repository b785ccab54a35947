"""The parameters of a MusicGen track, declared once: ``toonbeat music``, the service and the panel read them here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from ..parameters import MAX_PATH_CHARS, Device, FilePath, GeneratorParams, Prompt, Seed, Upload

if TYPE_CHECKING:
    from .backends import MusicModelSpec
    from .musicgen import MusicRequest

MAX_SECONDS = 1800.0


class MusicParams(GeneratorParams):
    """A full-length track: prompt, length, model, sampling, windows and loudness."""

    preset: FilePath | None = Field(None, description="prompt preset: industrial, house, techno, edm, or a preset "
                                                      "JSON file")
    prompt: Prompt | None = Field(None, validate_default=True,
                                  description="text prompt, after the preset's; a preset or a prompt is required")
    bpm: float | None = Field(None, ge=20, le=400, description="tempo written into the prompt (default: the "
                                                               "preset's)")
    seconds: float = Field(180.0, gt=0, le=MAX_SECONDS, description="track length in seconds")
    model: FilePath = Field("small", description="small, medium, large, melody, a hub id or a checkpoint folder; "
                                                 "the MusicGen weights are CC-BY-NC 4.0: non-commercial use only")
    backend: Literal["auto", "audiocraft", "transformers"] = Field(
        "auto", description="MusicGen implementation; auto prefers audiocraft when installed")
    device: Device = Field("auto", description="torch device, e.g. cuda or cpu")
    seed: Seed = Field(0, description="random seed")
    temperature: float = Field(1.0, ge=0.01, le=5, description="sampling temperature")
    top_k: int = Field(250, ge=0, le=2048, description="top-k sampling")
    top_p: float = Field(0.0, ge=0, le=1, description="top-p sampling, 0 for off")
    cfg: float = Field(3.0, ge=0, le=20, description="classifier-free guidance")
    window: float = Field(30.0, ge=2, le=30, description="seconds per model call")
    context: float = Field(10.0, ge=0.5, le=20, description="seconds of the track each new window continues from")
    crossfade: float = Field(2.0, ge=0.05, le=10, description="seconds of each join")
    sample_rate: Literal[44_100, 48_000] = Field(48_000, description="output sample rate in Hz")
    lufs: float = Field(-14.0, ge=-40, le=-5, description="integrated loudness target")
    true_peak: float = Field(-1.0, ge=-12, le=0, description="true-peak ceiling in dBTP")
    melody: Annotated[str, StringConstraints(max_length=MAX_PATH_CHARS), Upload()] | None = Field(
        None, description="audio whose melody conditions the melody model (on the service: an id from POST /uploads)")

    @field_validator("prompt")
    @classmethod
    def _preset_or_prompt(cls, prompt: str | None, info: ValidationInfo) -> str | None:
        if not (info.data.get("preset") or (prompt and prompt.strip())):
            raise ValueError("give a prompt or a preset")
        return prompt

    @field_validator("context")
    @classmethod
    def _context_inside_window(cls, context: float, info: ValidationInfo) -> float:
        window = info.data.get("window")
        if window is not None and context >= window:
            raise ValueError(f"must be shorter than window ({window:g} s), got {context:g}")
        return context

    @field_validator("crossfade")
    @classmethod
    def _crossfade_inside_context(cls, crossfade: float, info: ValidationInfo) -> float:
        context = info.data.get("context")
        if context is not None and crossfade > context:
            raise ValueError(f"must be at most context ({context:g} s), got {crossfade:g}")
        return crossfade

    def model_spec(self) -> MusicModelSpec:
        """The model to load (the key of the service's model cache)."""
        from .backends import MusicModelSpec

        return MusicModelSpec(model=self.model, backend=self.backend, device=self.device)


def music_request(params: MusicParams, melody: str | None = None) -> MusicRequest:
    """The ``MusicRequest`` ``params`` describe; ``melody`` is the local audio file (the service's upload)."""
    from .backends import Sampling
    from .musicgen import MusicRequest
    from .presets import build_prompt, load_preset

    preset = load_preset(params.preset) if params.preset else None
    return MusicRequest(
        prompt=build_prompt(params.prompt, preset, params.bpm), seconds=params.seconds, seed=params.seed,
        sampling=Sampling(temperature=params.temperature, top_k=params.top_k, top_p=params.top_p,
                          cfg_coef=params.cfg),
        window_seconds=params.window, context_seconds=params.context, crossfade_seconds=params.crossfade,
        sample_rate=params.sample_rate, target_lufs=params.lufs, true_peak_db=params.true_peak, melody=melody,
        extra={"preset": preset.name if preset else None, "bpm": params.bpm or (preset.bpm if preset else None)})
