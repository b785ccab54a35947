"""A small JSON Schema validator for the subset Toonbeat's schemas use.

The add-on may only use the standard library, so it cannot depend on the
``jsonschema`` package; the tests check this validator against it.
Supported keywords: ``type``, ``const``, ``enum``, ``required``,
``properties``, ``additionalProperties`` (boolean), ``items``, ``minimum``,
``maximum``, ``exclusiveMinimum``, ``pattern`` and local ``$ref``.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from functools import cache
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}
_QUICK_KEYWORDS = frozenset({"type", "minimum", "maximum", "exclusiveMinimum", "description"})
"""The keywords an ``items`` schema may use for its list to get ``_quick_number_test``."""


@cache
def read_schema(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON Schema shipped at ``path``, read once."""
    with open(path, encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    return result


def validate(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Return every violation of ``schema`` by ``instance``, as readable messages.

    Each message starts with the JSON path of the offending value, for example
    ``$.sections[2].label: 'chorusx' is not one of [...]``. An empty list means valid.
    """
    errors: list[str] = []
    _check(instance, schema, schema, "$", errors)
    return errors


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported, not {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _type_ok(value: Any, type_name: str) -> bool:
    if isinstance(value, bool) and type_name in ("number", "integer"):
        return False
    if type_name == "number" and isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, _TYPES[type_name])


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str, errors: list[str]) -> None:
    schema = _resolve(schema, root)
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: expected {schema['const']!r}, found {value!r}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
        return
    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else expected
        if not any(_type_ok(value, name) for name in names):
            errors.append(f"{path}: expected {' or '.join(names)}, found {type(value).__name__} {_short(value)}")
            return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, path, errors)
    elif isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']!r}")
    elif isinstance(value, dict):
        _check_object(value, schema, root, path, errors)
    elif isinstance(value, list) and "items" in schema:
        items = _resolve(schema["items"], root)
        surely_valid = _quick_number_test(items)
        for index, item in enumerate(value):
            if surely_valid is None or not surely_valid(item):
                _check(item, items, root, f"{path}[{index}]", errors)


def _quick_number_test(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    """For an ``items`` schema that asks only for a number in bounds: a fast test that passes only items the
    full check accepts (each item it does not pass gets the full check, and its messages), so a long list of
    times is checked in a fraction of the time; ``None`` for any other schema."""
    if schema.get("type") not in ("number", "integer") or set(schema) - _QUICK_KEYWORDS:
        return None
    kinds = (int, float) if schema["type"] == "number" else (int,)
    low = schema.get("minimum", -math.inf)
    high = schema.get("maximum", math.inf)
    above = schema.get("exclusiveMinimum", -math.inf)
    return lambda item: type(item) in kinds and low <= item <= high and above < item < math.inf


def _check_number(value: float, schema: dict[str, Any], path: str, errors: list[str]) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value!r} is below the minimum {schema['minimum']}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        errors.append(f"{path}: {value!r} must be greater than {schema['exclusiveMinimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value!r} is above the maximum {schema['maximum']}")


def _check_object(value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: str,
                  errors: list[str]) -> None:
    for key in schema.get("required", ()):
        if key not in value:
            errors.append(f"{path}: missing required key {key!r}")
    properties = schema.get("properties", {})
    for key, item in value.items():
        if key in properties:
            _check(item, properties[key], root, f"{path}.{key}", errors)
        elif schema.get("additionalProperties") is False:
            errors.append(f"{path}: unexpected key {key!r}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
