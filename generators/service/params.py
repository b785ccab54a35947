"""Job parameters: one declaration per field, used both to check requests and to describe them in OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "number": (int, float), "integer": int, "boolean": bool, "array": list, "upload": str}


class BadRequestError(ValueError):
    """A request the service refuses with 400; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Field:
    """One job parameter. ``type`` is a JSON type, or ``upload`` for the id of an uploaded file."""

    name: str
    type: str
    description: str
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    items: str | None = None

    def check(self, value: Any, where: str) -> Any:
        """``value`` if it fits this field, else ``BadRequestError`` naming ``where``."""
        expected = _JSON_TYPES[self.type]
        if (isinstance(value, bool) and self.type != "boolean") or not isinstance(value, expected):
            raise BadRequestError(where, f"must be {'an upload id' if self.type == 'upload' else self.type}")
        if self.choices is not None and value not in self.choices:
            raise BadRequestError(where, f"must be one of {', '.join(map(str, self.choices))}")
        number = float(value) if isinstance(value, (int, float)) else None
        if number is not None and self.minimum is not None and number < self.minimum:
            raise BadRequestError(where, f"must be at least {self.minimum:g}")
        if number is not None and self.maximum is not None and number > self.maximum:
            raise BadRequestError(where, f"must be at most {self.maximum:g}")
        if self.items is not None and isinstance(value, list):
            for index, item in enumerate(value):
                if not isinstance(item, _JSON_TYPES[self.items]) or isinstance(item, bool):
                    raise BadRequestError(f"{where}[{index}]", f"must be {self.items}")
        return value


def validate(fields: tuple[Field, ...], params: Any, where: str = "params") -> dict[str, Any]:
    """Checked parameters with defaults filled in; unknown or missing fields are a ``BadRequestError``."""
    if not isinstance(params, dict):
        raise BadRequestError(where, "must be a JSON object")
    known = {field.name: field for field in fields}
    for name in params:
        if name not in known:
            raise BadRequestError(f"{where}.{name}", f"unknown field (known: {', '.join(known)})")
    checked = {}
    for field in fields:
        if field.name in params and params[field.name] is not None:
            checked[field.name] = field.check(params[field.name], f"{where}.{field.name}")
        elif field.required:
            raise BadRequestError(f"{where}.{field.name}", "is required")
        else:
            checked[field.name] = field.default
    return checked


def json_schema(fields: tuple[Field, ...]) -> dict[str, Any]:
    """The JSON Schema of a parameter object with ``fields``."""
    properties: dict[str, Any] = {}
    for field in fields:
        schema: dict[str, Any] = {"description": field.description}
        if field.type == "upload":
            schema.update(type="string", description=f"{field.description} (an id from POST /uploads)")
        else:
            schema["type"] = field.type
        if field.items:
            schema["items"] = {"type": field.items}
        if field.choices is not None:
            schema["enum"] = list(field.choices)
        for key, value in (("minimum", field.minimum), ("maximum", field.maximum), ("default", field.default)):
            if value is not None:
                schema[key] = value
        properties[field.name] = schema
    required = [field.name for field in fields if field.required]
    return {"type": "object", "properties": properties, "additionalProperties": False,
            **({"required": required} if required else {})}
