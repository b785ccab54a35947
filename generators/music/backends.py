"""One interface over the two MusicGen implementations: audiocraft and transformers.

A backend generates one window (at most about 30 s) from a text prompt, optionally
continuing the tail of the previous window (the new window then starts with that
context, re-played by the model) and optionally following a melody. A window is its
audio, numpy ``(channels, samples)`` float32 at the model's sample rate, and the
model's codes for it: continuing from the kept codes is what audiocraft does
internally, costs no re-encoding and loses nothing to a decode-encode round trip.

Licences: the MusicGen weights (``facebook/musicgen-*``) are CC-BY-NC 4.0, for
non-commercial use only; the code (audiocraft, transformers) is MIT / Apache-2.0.

``on_step(done, total)`` is called after every generated token step; raising from it
(``generators.errors.CancelledError``) stops the generation at once.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import ToonbeatError, check_choice
from ..gpu import check_model_source, first_line, gpu_memory_guard, require_gen_extra
from ..parameters import choices_of
from .params import MusicParams

StepCallback = Callable[[int, int], None]
MODEL_SIZES = ("small", "medium", "large", "melody")
BACKENDS = choices_of(MusicParams, "backend")  # declared once, with the other music parameters
OUT_OF_MEMORY_REMEDY = ("use a smaller --model (small needs about 4 GB in fp16), a shorter --window, "
                        "or --device cpu; close other programs using the GPU")


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


@dataclass(frozen=True)
class Window:
    """One generated window: ``audio`` ``(channels, samples)`` at ``sample_rate`` Hz and the model's ``codes``
    ``(codebooks, frames)`` at ``frame_rate`` frames per second (``None`` where a backend cannot give them)."""

    audio: np.ndarray
    sample_rate: int
    codes: Any = None
    frame_rate: float = 0.0

    def cut(self, samples: int) -> Window:
        """The window cut or zero-padded to ``samples``; codes past the kept audio are dropped."""
        audio = self.audio[:, :samples] if self.audio.shape[1] >= samples else np.pad(
            self.audio, ((0, 0), (0, samples - self.audio.shape[1])))
        codes = None if self.codes is None else self.codes[:, :round(samples / self.sample_rate * self.frame_rate)]
        return Window(audio, self.sample_rate, codes, self.frame_rate)

    def tail(self, seconds: float) -> Window:
        """The last ``seconds``: audio samples and, where kept, the codes that make them."""
        audio = self.audio[:, -round(seconds * self.sample_rate):]
        codes = None if self.codes is None else self.codes[:, -math.ceil(seconds * self.frame_rate):]
        return Window(audio, self.sample_rate, codes, self.frame_rate)


class MusicBackend(Protocol):
    """What the windowed composer needs from a loaded model."""

    name: str
    model_id: str
    sample_rate: int
    channels: int
    max_window_seconds: float
    supports_melody: bool

    def generate(self, prompt: str, seconds: float, sampling: Sampling, on_step: StepCallback, *,
                 context: Window | None = None, melody: np.ndarray | None = None) -> Window:
        """``seconds`` of music, ``context`` (the previous window's tail) included; ``melody`` is mono."""
        ...


def resolve_backend(spec: MusicModelSpec) -> str:
    """The backend ``spec`` asks for, or for ``auto`` the one its checkpoint and the installed packages allow."""
    check_choice(spec.backend, BACKENDS, "music backend")
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
    require_gen_extra("MusicGen", "transformers")  # the transformers backend, and audiocraft's text encoder
    import torch

    if spec.model not in MODEL_SIZES:
        check_model_source(spec.model, "MusicGen model")
    device = ("cuda" if torch.cuda.is_available() else "cpu") if spec.device == "auto" else spec.device
    name = resolve_backend(spec)
    if name == "audiocraft" and importlib.util.find_spec("audiocraft") is None:
        raise ToonbeatError("the audiocraft backend is not installed (see the README: pip install audiocraft), "
                            "or choose --backend transformers")
    try:
        with gpu_memory_guard(f"loading MusicGen {spec.model!r}", OUT_OF_MEMORY_REMEDY):
            if name == "audiocraft":
                return AudiocraftBackend(model_id(spec.model), device)
            return TransformersBackend(model_id(spec.model), device)
    except (OSError, FileNotFoundError, ValueError) as error:
        hint = "give a size, a hub id that is downloaded or reachable, or a checkpoint folder"
        raise ToonbeatError(f"cannot load MusicGen model {spec.model!r} with {name}: {first_line(error)} ({hint})") \
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
                 context: Window | None = None, melody: np.ndarray | None = None) -> Window:
        """One window; see ``MusicBackend.generate``."""
        import torch
        from transformers import StoppingCriteriaList

        prompt_codes = None if context is None else (
            context.codes if context.codes is not None else self._context_codes(context.audio))
        context_frames = 0 if prompt_codes is None else int(prompt_codes.shape[-1])
        new_frames = max(1, math.ceil(seconds * self.frame_rate) - context_frames)
        max_new_tokens = new_frames + self.num_codebooks - 1
        inputs: dict[str, Any] = dict(self._text_inputs(prompt, melody))
        if prompt_codes is not None:
            inputs["decoder_input_ids"] = prompt_codes.to(self.device)
        hook = _StepHook(on_step, max_new_tokens)
        with torch.inference_mode(), self._keeping_codes() as kept:
            audio = self.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=True,
                                        temperature=sampling.temperature, top_k=sampling.top_k or None,
                                        top_p=sampling.top_p or None, guidance_scale=sampling.cfg_coef,
                                        stopping_criteria=StoppingCriteriaList([hook]))
        return Window(audio[0].float().cpu().numpy(), self.sample_rate, self._prompt_layout(kept), self.frame_rate)

    @contextmanager
    def _keeping_codes(self) -> Iterator[list[Any]]:
        """Record the codes ``generate`` hands to EnCodec's decoder (it returns only the decoded audio)."""
        encoder = self.model.audio_encoder
        decode, kept = encoder.decode, []

        def keep(audio_codes: Any, *args: Any, **kwargs: Any) -> Any:
            kept.append(audio_codes)
            return decode(audio_codes, *args, **kwargs)

        encoder.decode = keep
        try:
            yield kept
        finally:
            del encoder.decode

    def _prompt_layout(self, kept: list[Any]) -> Any:
        """The decoded codes (one ``(1, batch, codebooks, frames)`` tensor per channel) as the decoder's prompt
        layout ``(codebooks * channels, frames)``, channels interleaved."""
        import torch

        first = kept[0][0, 0]
        if self.channels == 1:
            return first.cpu()
        return torch.stack([first, kept[1][0, 0]], dim=1).reshape(-1, first.shape[-1]).cpu()

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
        """EnCodec codes of context audio (a window without kept codes), as the decoder's prompt layout."""
        import torch

        values = _tensor(context)[None].to(self.device)
        encoder = self.model.audio_encoder
        if self.channels == 1:
            codes = encoder.encode(values.to(encoder.dtype)).audio_codes[0]
        else:
            left = encoder.encode(values[:, :1].to(encoder.dtype)).audio_codes[0]
            right = encoder.encode(values[:, 1:].to(encoder.dtype)).audio_codes[0]
            codes = torch.stack([left, right], dim=2).reshape(1, -1, left.shape[-1])
        return codes.reshape(-1, codes.shape[-1]).cpu()


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
                 context: Window | None = None, melody: np.ndarray | None = None) -> Window:
        """One window; see ``MusicBackend.generate``.

        The steps of audiocraft's ``generate_continuation`` / ``generate_with_chroma``,
        with the prompt tokens taken from the kept codes where there are any.
        """
        import torch

        if melody is not None and not self.supports_melody:
            raise ToonbeatError(f"{self.model_id} has no melody conditioning; use the melody model")
        top_k = min(sampling.top_k, int(self.model.lm.card))  # audiocraft fails on k above the vocabulary
        self.model.set_generation_params(use_sampling=True, top_k=top_k, top_p=sampling.top_p,
                                         temperature=sampling.temperature, duration=seconds,
                                         cfg_coef=sampling.cfg_coef)
        self.model.set_custom_progress_callback(on_step)  # called per token step when progress=True
        prompt_audio = None if context is None or context.codes is not None else _tensor(context.audio)[None]
        melody_wavs = None if melody is None else [_tensor(melody)[None].to(self.device)]
        try:
            with torch.no_grad():
                attributes, prompt_tokens = self.model._prepare_tokens_and_attributes(
                    [prompt], None if prompt_audio is None else prompt_audio.to(self.device), melody_wavs=melody_wavs)
                if context is not None and context.codes is not None:
                    prompt_tokens = context.codes[None].to(self.device)
                tokens = self.model._generate_tokens(attributes, prompt_tokens, progress=True)
            audio = self.model.generate_audio(tokens)
        finally:
            self.model.set_custom_progress_callback(None)
        return Window(audio[0].float().cpu().numpy(), self.sample_rate, tokens[0].cpu(),
                      float(self.model.frame_rate))


def _tensor(audio: np.ndarray) -> Any:
    """A float32 torch tensor sharing nothing with ``audio``."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
