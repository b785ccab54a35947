"""Generate Characters / Backgrounds: art on the service, put on stage when it is ready."""

from __future__ import annotations

from typing import Any

import bpy

from ..core.lora_text import parse_lora_list
from ..generation import BOARD
from ..properties import settings_of
from .reporting import run_reporting


def art_params(wanted: Any, what: str) -> dict[str, Any]:
    """The service's art parameters from the Generate panel's settings (empty fields: the generators' defaults)."""
    is_character = what == "character"
    params: dict[str, Any] = {
        "what": what, "backend": wanted.art_backend,
        "preset": (wanted.character_preset if is_character else wanted.background_preset) or None,
        "prompt": (wanted.character_prompt if is_character else "") or None, "model": wanted.art_model or None,
        "seed": wanted.art_seed, "config": wanted.art_config or None, "ip_adapter": wanted.art_ip_adapter or None,
        "loras": [{"path": path, "weight": weight} for path, weight in parse_lora_list(wanted.art_loras)]}
    if is_character:
        params["key_tolerance"] = wanted.art_key_tolerance
    return {name: value for name, value in params.items() if value is not None}


class TOONBEAT_OT_generate_art(bpy.types.Operator):
    """Queue characters or backgrounds on the Toonbeat service; they go on stage when they are ready"""

    bl_idname = "toonbeat.generate_art"
    bl_label = "Generate Art"

    what: bpy.props.EnumProperty(items=[("character", "Characters", "The character in every pose"),
                                        ("backgrounds", "Backgrounds", "One background per song section")])

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Queue the job; a timer follows it."""
        wanted = settings_of(context.scene).generate
        params = art_params(wanted, self.what)
        label = (f"{'Characters' if self.what == 'character' else 'Backgrounds'}: "
                 f"{params.get('prompt') or params.get('preset')} ({wanted.art_backend})")

        def queue() -> str:
            BOARD.submit(context, "art", params, "characters" if self.what == "character" else "backgrounds", label)
            return f"Queued {label}"

        return run_reporting(self, queue)
