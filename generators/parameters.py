"""One declaration per generator parameter: pydantic models, and the command line built from them.

A generator's parameters are a pydantic model (``music.params.MusicParams``,
``art.params.CharacterParams``, ...): each field's name, type, default, bounds and
help are written once there. ``add_arguments`` turns a model into argparse options,
``from_arguments`` reads them back through the same validation, and the job service
uses the models as its request bodies, so its checks and its OpenAPI description
come from the same place.

Examples
--------
>>> import argparse
>>> from generators.music.params import MusicParams
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser, MusicParams)
>>> from_arguments(MusicParams, parser.parse_args(["--prompt", "dub techno", "--seconds", "60"])).seconds
60.0
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.fields import FieldInfo

from .errors import ToonbeatError

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_SEED = 2**32 - 1
MAX_PROMPT_CHARS = 2000
MAX_PATH_CHARS = 1024

# A name that becomes a file or folder name (a character, a pose, a section label): no separators, no
# dots (so no '..'), no NUL, nothing absolute; letters, digits, spaces, '_' and '-' only.
SafeName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$")]
Prompt = Annotated[str, StringConstraints(max_length=MAX_PROMPT_CHARS)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Device = Annotated[str, StringConstraints(pattern=r"^(auto|cpu|mps|cuda(:[0-9]{1,2})?)$")]


class GeneratorParams(BaseModel):
    """Base of every parameter model: unknown fields, NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


@dataclass(frozen=True)
class ReadsFile:
    """Marks a field whose value may name a file or folder the generator reads (a preset, a model, a LoRA).

    The job service only lets such a value through when it is a plain name, a hub id,
    or a path inside a folder the service may read.
    """


@dataclass(frozen=True)
class Upload:
    """Marks a field that is a local file on the command line and an upload id on the service."""


@dataclass(frozen=True)
class Cli:
    """How a field looks on the command line, where the default (``--field-name VALUE``) does not fit.

    ``parse`` turns one argument into the field's value (or one item of it, with
    ``repeat``); ``skip`` leaves the field off the command line (it is the subcommand).
    """

    flag: str | None = None
    metavar: str | None = None
    parse: Callable[[str], Any] | None = None
    repeat: bool = False
    skip: bool = False


FilePath = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PATH_CHARS), ReadsFile()]


def _metadata(info: FieldInfo, kind: type[Any]) -> Any:
    return next((item for item in info.metadata if isinstance(item, kind)), None)


def has_marker(info: FieldInfo, marker: type) -> bool:
    """Whether ``marker`` is in the field's metadata or anywhere in its annotation (``FilePath | None``)."""

    def search(annotation: Any) -> bool:
        if typing.get_origin(annotation) is Annotated and any(isinstance(item, marker)
                                                               for item in annotation.__metadata__):
            return True
        return any(search(argument) for argument in typing.get_args(annotation))

    return any(isinstance(item, marker) for item in info.metadata) or search(info.annotation)


def _cli(info: FieldInfo) -> Cli:
    return _metadata(info, Cli) or Cli()


def _flag(name: str, info: FieldInfo) -> str:
    return _cli(info).flag or "--" + name.replace("_", "-")


def _plain_type(annotation: Any) -> Any:
    """``annotation`` without ``Optional`` and ``Annotated``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _bounds(info: FieldInfo) -> str:
    words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
    found = []
    for item in info.metadata:
        for name, word in words.items():
            value = getattr(item, name, None)
            if isinstance(item, annotated_types.BaseMetadata) and isinstance(value, int | float):
                found.append(f"{word} {value:g}")
    return ", ".join(found)


def _help(info: FieldInfo) -> str:
    text = info.description or ""
    bounds = _bounds(info)
    if bounds:
        text += f"; {bounds}"
    default = info.get_default(call_default_factory=True)
    if default not in (None, False, [], ()):
        shown = ",".join(map(str, default)) if isinstance(default, list | tuple) else default
        text += f" (default: {shown})"
    return text.replace("%", "%%")


def add_arguments(parser: argparse.ArgumentParser, model: type[BaseModel], skip: Iterable[str] = ()) -> None:
    """Declare one option per field of ``model`` on ``parser``; every default stays ``None`` (the model's apply)."""
    for name, info in model.model_fields.items():
        cli = _cli(info)
        if cli.skip or name in skip:
            continue
        plain = _plain_type(info.annotation)
        options: dict[str, Any] = {"dest": name, "help": _help(info), "default": None}
        if cli.metavar:
            options["metavar"] = cli.metavar
        if plain is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif cli.repeat:
            options.update(action="append", type=cli.parse or str)
        elif cli.parse is not None:
            options["type"] = cli.parse
        elif typing.get_origin(plain) is Literal:
            choices = typing.get_args(plain)
            options.update(choices=choices, type=type(choices[0]))
        else:
            options["type"] = plain if plain in (int, float, str) else str
        parser.add_argument(_flag(name, info), **options)


def from_arguments(model: type[ModelT], args: argparse.Namespace, **fixed: Any) -> ModelT:
    """The ``model`` the command line asked for; a value out of bounds is a ``ToonbeatError`` naming its flag."""
    given = {name: getattr(args, name) for name in model.model_fields if getattr(args, name, None) is not None}
    try:
        return model.model_validate({**given, **fixed})
    except ValidationError as error:
        raise ToonbeatError(problem_text(error, lambda loc: _flag_of(model, loc))) from error


def _flag_of(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    info = model.model_fields.get(str(loc[0])) if loc else None
    return _flag(str(loc[0]), info) if info is not None else "arguments"


def problem_text(error: ValidationError, where: Callable[[tuple[int | str, ...]], str]) -> str:
    """The first problem of ``error`` as ``"<where>: <message>"``."""
    first = error.errors()[0]
    return f"{where(tuple(first['loc']))}: {field_message(first)}"


def field_message(problem: Any) -> str:
    """A pydantic error's message, without its ``Value error,`` prefix."""
    message = str(problem["msg"])
    return message.removeprefix("Value error, ")


def default_of(model: type[BaseModel], name: str) -> Any:
    """The declared default of ``model.name``."""
    return model.model_fields[name].get_default(call_default_factory=True)


def panel_limits(models: dict[str, type[BaseModel]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Each model's fields as ``{default, minimum, maximum, description}``: what Blender's panel needs.

    The add-on cannot import pydantic, so this is written to ``addon/core/generator_params.json``
    (``python -m generators.panel_params``) and a test keeps the two the same.
    """
    described: dict[str, dict[str, dict[str, Any]]] = {}
    for name, model in models.items():
        properties = model.model_json_schema()["properties"]
        described[name] = {}
        for field, schema in properties.items():
            plain = next((option for option in schema.get("anyOf", []) if option.get("type") != "null"), schema)
            entry = {key: plain[key] for key in ("minimum", "maximum", "exclusiveMinimum", "enum") if key in plain}
            described[name][field] = {"default": schema.get("default"), "description": schema.get("description", ""),
                                      **entry}
    return described


def choices_of(model: type[BaseModel], name: str) -> tuple[Any, ...]:
    """The values a ``Literal`` field of ``model`` allows, for code that checks or lists them."""
    return typing.get_args(_plain_type(model.model_fields[name].annotation))
