"""LoRAs written as text, ``PATH[:WEIGHT]``, the way the command line and the Generate panel take them.

Examples
--------
>>> split_lora("loras/ink.safetensors:0.6")
('loras/ink.safetensors', 0.6)
>>> split_lora(r"C:\\loras\\ink.safetensors")
('C:\\\\loras\\\\ink.safetensors', 1.0)
>>> parse_lora_list("ink.safetensors:0.5, owner/flat-colors")
[('ink.safetensors', 0.5), ('owner/flat-colors', 1.0)]
"""

from __future__ import annotations

import math


def split_lora(text: str) -> tuple[str, float]:
    """``PATH[:WEIGHT]`` as ``(path, weight)``: the weight is what follows the last ``:`` when it is a number."""
    path, colon, weight = text.strip().rpartition(":")
    if colon:
        try:
            value = float(weight)
        except ValueError:
            pass
        else:
            if math.isfinite(value) and path:
                return path, value
    return text.strip(), 1.0


def parse_lora_list(text: str) -> list[tuple[str, float]]:
    """Comma-separated ``PATH[:WEIGHT]`` entries; empty entries are skipped."""
    return [split_lora(entry) for entry in text.split(",") if entry.strip()]
