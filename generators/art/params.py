"""Character and background parameters, declared once: ``toonbeat art``, the service and the panel read them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from addon.core.backgrounds import SECTION_LABELS
from addon.core.lora_text import split_lora

from ..parameters import Cli, Device, FilePath, GeneratorParams, Prompt, SafeName, Seed

if TYPE_CHECKING:
    from .diffusion import ArtModelSpec

MAX_SIDE = 2048  # generation width and height, pixels
MAX_FINAL_SIDE = 4096  # --size of backgrounds, pixels
MAX_POSES = 16
MAX_LABELS = 32
MAX_SECONDARIES = 8
MAX_LORAS = 8


class Lora(GeneratorParams):
    """A LoRA (file, folder or hub id) and how strongly it applies."""

    path: FilePath = Field(description="LoRA file, folder or hub id")
    weight: float = Field(1.0, ge=-4, le=4, description="LoRA scale")


def parse_lora(text: str) -> dict[str, object]:
    """``PATH[:WEIGHT]`` as a ``Lora`` mapping (``addon.core.lora_text`` is the rule)."""
    path, weight = split_lora(text)
    return {"path": path, "weight": weight}


def parse_size(text: str) -> list[int]:
    """``WIDTHxHEIGHT`` as ``[width, height]`` (the bounds are the model's)."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080") from error
    return [width, height]


def parse_labels(text: str) -> list[str]:
    """Comma-separated section labels."""
    return [label.strip() for label in text.split(",") if label.strip()]


Side = Annotated[int, Field(ge=64, le=MAX_SIDE, multiple_of=8)]
FinalSide = Annotated[int, Field(ge=1, le=MAX_FINAL_SIDE)]


class ModelParams(GeneratorParams):
    """What every Stable Diffusion based generator (characters, backgrounds, video clips) shares: the model,
    its adapters, where it runs and how it is sampled."""

    model: FilePath | None = Field(None, description="hub id, pipeline folder or single-file checkpoint (default: "
                                                     "SD 1.5)")
    loras: Annotated[list[Lora], Cli(flag="--lora", metavar="PATH[:WEIGHT]", parse=parse_lora, repeat=True)] = Field(
        default_factory=list, max_length=MAX_LORAS, description="LoRA file, folder or hub id with its weight "
                                                                "(repeat)")
    config: FilePath | None = Field(None, description="pipeline folder or hub id with the configs for a single-file "
                                                      "checkpoint")
    ip_adapter: FilePath | None = Field(None, description="IP-Adapter hub id or folder (h94/IP-Adapter layout) to "
                                                          "hold identity; a folder with the Plus weights uses them")
    controlnet: FilePath | None = Field(
        None, description="OpenPose ControlNet hub id or folder: poses are drawn from their skeletons "
                          "(e.g. lllyasviel/control_v11p_sd15_openpose)")
    device: Device = Field("auto", description="torch device")
    memory: Literal["auto", "full", "10gb", "low"] = Field(
        "auto", description="GPU memory profile; low = model CPU offload")
    seed: Seed = Field(0, description="random seed")
    steps: int = Field(25, ge=1, le=150, description="denoising steps")
    guidance: float = Field(7.0, ge=0, le=30, description="classifier-free guidance")
    style: FilePath | None = Field(None, description="style JSON file (default: the shipped presets/style.json)")

    @property
    def lora_weights(self) -> tuple[tuple[str, float], ...]:
        """The LoRAs as ``(path, weight)`` pairs, as the model specs take them."""
        return tuple((lora.path, lora.weight) for lora in self.loras)


class CutoutParams(GeneratorParams):
    """What posed characters share, drawn one pose at a time or as a dancing clip: the ControlNet's hold on the
    skeletons and how the studio backdrop is taken away."""

    key_tolerance: float = Field(0.12, ge=0, le=1.7, description="colour distance keyed out as background")
    remove_background: Literal["key", "rembg"] = Field(
        "key", description="key the studio backdrop, or segment with rembg where installed")
    pose_scale: float = Field(1.0, ge=0, le=2, description="how firmly the ControlNet holds each skeleton")


class ArtParams(ModelParams):
    """What characters and backgrounds share: the backend, the model and how to sample it."""

    backend: Literal["diffusers", "procedural"] = Field("diffusers", description="drawing backend")
    kind: Literal["auto", "sd15", "sdxl"] = Field("auto", description="model family")
    width: Side | None = Field(None, description="generation width in pixels, a multiple of 8")
    height: Side | None = Field(None, description="generation height in pixels, a multiple of 8")

    def model_spec(self) -> ArtModelSpec:
        """The pipeline to load (the key of the service's model cache)."""
        from .diffusion import DEFAULT_MODEL, ArtModelSpec

        return ArtModelSpec(model=self.model or DEFAULT_MODEL, kind=self.kind,
                            loras=self.lora_weights, device=self.device,
                            memory=self.memory, config=self.config, ip_adapter=self.ip_adapter,
                            controlnet=self.controlnet)


class CharacterParams(ArtParams, CutoutParams):
    """A character in several poses, plus its secondary characters."""

    what: Annotated[Literal["character"], Cli(skip=True)] = "character"
    preset: FilePath = Field("cyborg_dj", description="character preset name or JSON file")
    prompt: Prompt | None = Field(None, description="describe the character instead of using the preset's "
                                                    "description")
    name: SafeName | None = Field(None, description="folder and sheet name (default: the preset's)")
    poses: Annotated[list[SafeName] | None, Cli(flag="--pose", metavar="POSE", repeat=True)] = Field(
        None, max_length=MAX_POSES, description="pose to draw (repeat; default: every pose in the style); an unknown "
                                                "pose name is used as its own prompt")
    secondary: Annotated[list[SafeName] | None, Cli(metavar="PRESET", repeat=True)] = Field(
        None, max_length=MAX_SECONDARIES, description="secondary character preset in the same style (repeat; "
                                                      "default: the preset's)")
    strength: float = Field(0.65, ge=0.05, le=1, description="how far each pose may move from the first one")
    height_px: int = Field(768, ge=64, le=MAX_FINAL_SIDE, description="character height for the procedural backend")


class BackgroundParams(ArtParams):
    """One background per song section."""

    what: Annotated[Literal["backgrounds"], Cli(skip=True)] = "backgrounds"
    preset: FilePath = Field("industrial_club", description="background preset name or JSON file")
    prompt: Prompt | None = Field(None, description="scene prompt instead of the preset's")
    labels: Annotated[list[SafeName], Cli(metavar="LABEL,...", parse=parse_labels)] = Field(
        default_factory=lambda: list(SECTION_LABELS), min_length=1, max_length=MAX_LABELS,
        description="comma-separated section labels")
    size: Annotated[tuple[FinalSide, FinalSide] | None, Cli(metavar="WIDTHxHEIGHT", parse=parse_size)] = Field(
        None, description="final size in pixels, e.g. 1920x1080")
    tileable: bool = Field(False, description="make each background tile seamlessly")
