"""One interface over the two MusicGen implementations: audiocraft and transformers.

A backend generates one window (at most about 30 s) from a text prompt, optionally
continuing given context audio (the window then starts with that context, re-played
by the model) and optionally following a melody. Audio crosses this boundary as
numpy ``(channels, samples)`` float32 arrays at the model's sample rate.

``on_step(done, total)`` is called after every generated token step; raising from it
(``generators.errors.CancelledError``) stops the generation at once.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import ToonbeatError
from ..parameters import choices_of
from .params import MusicParams

StepCallback = Callable[[int, int], None]
MODEL_SIZES = ("small", "medium", "large", "melody")
BACKENDS = choices_of(MusicParams, "backend")  # declared once, with the other music parameters


@dataclass(frozen=True)
class Sampling:
    """Token sampling: ``top_p`` of 0 means top-k only; ``cfg_coef`` is the classifier-free guidance scale."""

    temperature: float = 1.0
    top_k: int = 250
    top_p: float = 0.0
    cfg_coef: float = 3.0


@dataclass(frozen=True)
class MusicModelSpec:
    """Which model to load and where: the key of the service's model cache.

    ``model`` is a size (small, medium, large, melody), a hub id, or a local checkpoint
    folder (transformers: ``config.json``; audiocraft: ``state_dict.bin`` and
    ``compression_state_dict.bin``). ``device`` ``auto`` takes CUDA when there is one.
    """

    model: str = "small"
    backend: str = "auto"
    device: str = "auto"


class MusicBackend(Protocol):
    """What the windowed composer needs from a loaded model."""

    name: str
    model_id: str
    sample_rate: int
    channels: int
    max_window_seconds: float
    supports_melody: bool

    def generate(self, prompt: str, seconds: float, sampling: Sampling, on_step: StepCallback, *,
                 context: np.ndarray | None = None, melody: np.ndarray | None = None) -> np.ndarray:
        """``seconds`` of audio (context included), shape ``(channels, samples)``; ``melody`` is mono."""
        ...


def resolve_backend(spec: MusicModelSpec) -> str:
    """The backend ``spec`` asks for, or for ``auto`` the one its checkpoint and the installed packages allow."""
    if spec.backend not in BACKENDS:
        raise ToonbeatError(f"unknown music backend {spec.backend!r} (choose from {', '.join(BACKENDS)})")
    if spec.backend != "auto":
        return spec.backend
    folder = Path(spec.model)
    if (folder / "state_dict.bin").is_file():
        return "audiocraft"
    if (folder / "config.json").is_file():
        return "transformers"
    return "audiocraft" if importlib.util.find_spec("audiocraft") else "transformers"


def model_id(model: str) -> str:
    """The hub id or folder for a size name (``small`` -> ``facebook/musicgen-small``); anything else as given."""
    return f"facebook/musicgen-{model}" if model in MODEL_SIZES else model


def load_backend(spec: MusicModelSpec) -> MusicBackend:
    """Load the model ``spec`` names; a model that is neither a local folder nor in the hub cache is one clear error."""
    try:
        import torch
        import transformers  # noqa: F401  (the transformers backend, and audiocraft's text encoder)
    except ImportError as error:
        raise ToonbeatError(f"MusicGen needs the gen extra ({error.name} is missing): "
                            "pip install 'toonbeat[gen]' (on a GPU machine install the CUDA torch first)") from error

    device = ("cuda" if torch.cuda.is_available() else "cpu") if spec.device == "auto" else spec.device
    name = resolve_backend(spec)
    if name == "audiocraft" and importlib.util.find_spec("audiocraft") is None:
        raise ToonbeatError("the audiocraft backend is not installed (see the README: pip install audiocraft), "
                            "or choose --backend transformers")
    try:
        if name == "audiocraft":
            return AudiocraftBackend(model_id(spec.model), device)
        return TransformersBackend(model_id(spec.model), device)
    except (OSError, FileNotFoundError, ValueError) as error:
        hint = "give a size, a hub id that is downloaded or reachable, or a checkpoint folder"
        raise ToonbeatError(f"cannot load MusicGen model {spec.model!r} with {name}: {_first_line(error)} ({hint})") \
            from error


class _StepHook:
    """A transformers ``StoppingCriteria`` that reports each step and never stops by itself."""

    def __init__(self, on_step: StepCallback, total: int) -> None:
        self.on_step, self.total, self.done = on_step, total, 0

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:  # noqa: ARG002 (transformers signature)
        import torch

        self.done += 1
        self.on_step(min(self.done, self.total), self.total)
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


class TransformersBackend:
    """MusicGen through transformers: ``MusicgenForConditionalGeneration`` or its melody variant."""

    name = "transformers"
    max_window_seconds = 30.0

    def __init__(self, model_id: str, device: str) -> None:
        import torch
        from transformers import (
            AutoConfig,
            AutoProcessor,
            MusicgenForConditionalGeneration,
            MusicgenMelodyForConditionalGeneration,
        )

        config = AutoConfig.from_pretrained(model_id)
        self.supports_melody = config.model_type == "musicgen_melody"
        if self.supports_melody and importlib.util.find_spec("torchaudio") is None:
            raise ToonbeatError(f"{model_id} takes its melody's chroma with torchaudio, which is not installed: "
                                "pip install torchaudio (the build that matches your torch)")
        model_class = (MusicgenMelodyForConditionalGeneration if self.supports_melody
                       else MusicgenForConditionalGeneration)
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        # transformers types ``.to`` through a decorator mypy cannot follow; the model itself is what it says.
        model: Any = model_class.from_pretrained(model_id, dtype=dtype)
        self.model = model.to(device).eval()
        self.processor = AutoProcessor.from_pretrained(model_id)
        self.model_id, self.device = model_id, device
        self.sample_rate = int(self.model.config.audio_encoder.sampling_rate)
        self.channels = int(self.model.config.decoder.audio_channels)
        self.frame_rate = float(self.model.config.audio_encoder.frame_rate)
        self.num_codebooks = int(self.model.decoder.config.num_codebooks)

    def generate(self, prompt: str, seconds: float, sampling: Sampling, on_step: StepCallback, *,
                 context: np.ndarray | None = None, melody: np.ndarray | None = None) -> np.ndarray:
        """One window; see ``MusicBackend.generate``."""
        import torch
        from transformers import StoppingCriteriaList

        context_frames = 0 if context is None else math.ceil(context.shape[1] / self.sample_rate * self.frame_rate)
        new_frames = max(1, math.ceil(seconds * self.frame_rate) - context_frames)
        max_new_tokens = new_frames + self.num_codebooks - 1
        inputs: dict[str, Any] = dict(self._text_inputs(prompt, melody))
        if context is not None:
            inputs["decoder_input_ids"] = self._context_codes(context)
        hook = _StepHook(on_step, max_new_tokens)
        with torch.inference_mode():
            audio = self.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=True,
                                        temperature=sampling.temperature, top_k=sampling.top_k or None,
                                        top_p=sampling.top_p or None, guidance_scale=sampling.cfg_coef,
                                        stopping_criteria=StoppingCriteriaList([hook]))
        return audio[0].float().cpu().numpy()

    def _text_inputs(self, prompt: str, melody: np.ndarray | None) -> Any:
        if melody is not None and not self.supports_melody:
            raise ToonbeatError(f"{self.model_id} has no melody conditioning; use the melody model")
        if self.supports_melody and melody is not None:
            inputs = self.processor(text=[prompt], audio=melody, sampling_rate=self.sample_rate,
                                    padding=True, return_tensors="pt")
        else:
            inputs = self.processor(text=[prompt], padding=True, return_tensors="pt")
        return inputs.to(self.device)

    def _context_codes(self, context: np.ndarray) -> Any:
        """EnCodec codes of the context, laid out as the decoder's ``(codebooks, frames)`` prompt."""
        import torch

        values = _tensor(context)[None].to(self.device)
        encoder = self.model.audio_encoder
        if self.channels == 1:
            codes = encoder.encode(values.to(encoder.dtype)).audio_codes[0]
        else:
            left = encoder.encode(values[:, :1].to(encoder.dtype)).audio_codes[0]
            right = encoder.encode(values[:, 1:].to(encoder.dtype)).audio_codes[0]
            codes = torch.stack([left, right], dim=2).reshape(1, -1, left.shape[-1])
        return codes.reshape(-1, codes.shape[-1])


class AudiocraftBackend:
    """MusicGen through audiocraft, the reference implementation (``MusicGen.get_pretrained``)."""

    name = "audiocraft"

    def __init__(self, model_id: str, device: str) -> None:
        from audiocraft.models import MusicGen

        self.model = MusicGen.get_pretrained(model_id, device=device)
        self.model_id, self.device = model_id, device
        self.sample_rate = int(self.model.sample_rate)
        self.channels = int(self.model.audio_channels)
        self.max_window_seconds = float(self.model.max_duration)
        self.supports_melody = "self_wav" in self.model.lm.condition_provider.conditioners

    def generate(self, prompt: str, seconds: float, sampling: Sampling, on_step: StepCallback, *,
                 context: np.ndarray | None = None, melody: np.ndarray | None = None) -> np.ndarray:
        """One window; see ``MusicBackend.generate``."""
        if melody is not None and not self.supports_melody:
            raise ToonbeatError(f"{self.model_id} has no melody conditioning; use the melody model")
        top_k = min(sampling.top_k, int(self.model.lm.card))  # audiocraft fails on k above the vocabulary
        self.model.set_generation_params(use_sampling=True, top_k=top_k, top_p=sampling.top_p,
                                         temperature=sampling.temperature, duration=seconds,
                                         cfg_coef=sampling.cfg_coef)
        self.model.set_custom_progress_callback(on_step)  # called per token step when progress=True
        try:
            prompt_audio = None if context is None else _tensor(context)[None]
            melody_audio = None if melody is None else _tensor(melody)[None, None]
            if melody_audio is None and prompt_audio is None:
                audio = self.model.generate([prompt], progress=True)
            elif melody_audio is None:
                audio = self.model.generate_continuation(prompt_audio, self.sample_rate, [prompt], progress=True)
            elif prompt_audio is None:
                audio = self.model.generate_with_chroma([prompt], melody_audio, self.sample_rate, progress=True)
            else:
                audio = self._continue_with_melody(prompt, prompt_audio, melody_audio)
        finally:
            self.model.set_custom_progress_callback(None)
        return audio[0].float().cpu().numpy()

    def _continue_with_melody(self, prompt: str, prompt_audio: Any, melody_audio: Any) -> Any:
        """Continuation that also follows a melody: audiocraft has no public call for both, so this
        uses the same two steps its ``generate_with_chroma`` and ``generate_continuation`` use."""
        import torch

        with torch.no_grad():
            attributes, prompt_tokens = self.model._prepare_tokens_and_attributes(
                [prompt], prompt_audio.to(self.device), melody_wavs=[melody_audio[0].to(self.device)])
            tokens = self.model._generate_tokens(attributes, prompt_tokens, progress=True)
        return self.model.generate_audio(tokens)


def _tensor(audio: np.ndarray) -> Any:
    """A float32 torch tensor sharing nothing with ``audio``."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
