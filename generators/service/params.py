"""Job requests: the body of ``POST /jobs``, the field a bad one names, and the files a job may read.

The parameter models are the generators' own (``music.params``, ``art.params``,
``video.params``), so
the service checks exactly what the command line checks and its OpenAPI description
is generated from them. On top, the service lets a job read only files inside the
folders it may read, and refuses every other path with the same words whether it
exists or not.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from ..art.params import BackgroundParams, CharacterParams
from ..music.params import MusicParams
from ..parameters import GeneratorParams, ReadsFile, Upload, field_message, has_marker
from ..video.params import ClipParams

UploadId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
# A plain name (a preset, a model size) or a hub id (owner/name): neither can climb out of a folder.
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


class BadRequestError(ValueError):
    """A request the service refuses with 400; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AnalysisParams(GeneratorParams):
    """Beat analysis of an uploaded audio file."""

    audio: Annotated[UploadId, Upload()] = Field(description="the audio file to analyse (an id from POST /uploads)")


class MusicJob(BaseModel):
    """A MusicGen track: track.wav and track.music.json."""

    kind: Literal["music"]
    params: MusicParams


class ArtJob(BaseModel):
    """Character folders (<name>/idle.png ... character.json) or backgrounds (backgrounds/<label>.png)."""

    kind: Literal["art"]
    params: Annotated[CharacterParams | BackgroundParams, Field(discriminator="what")]


class VideoJob(BaseModel):
    """A video clip: a clip folder (<name>/clip.json, frames/); a character's in <character>/<move>/."""

    kind: Literal["video"]
    params: ClipParams


class AnalysisJob(BaseModel):
    """Beat analysis of an upload: beats.json."""

    kind: Literal["analysis"]
    params: AnalysisParams


JobRequest = Annotated[MusicJob | ArtJob | VideoJob | AnalysisJob, Field(discriminator="kind")]
_TAGS = {"music", "art", "video", "analysis", "character", "backgrounds"}


def field_name(loc: Sequence[int | str]) -> str:
    """``('music', 'params', 'poses', 1)`` as ``params.poses[1]``, without the union tags pydantic adds."""
    name = ""
    previous: int | str | None = None
    for part in loc:
        if part in _TAGS and previous in (None, "params"):
            previous = part
            continue
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
        previous = part
    return name


def bad_request(problem: Mapping[str, Any]) -> BadRequestError:
    """One pydantic problem (``loc``, ``type``, ``msg``) as a ``BadRequestError`` naming its field."""
    loc = [part for part in problem["loc"] if part not in ("body", "query")]
    if problem["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc.append("what" if "params" in loc else "kind")
    return BadRequestError(field_name(loc) or "body", field_message(problem))


class ReadableFolders:
    """The folders a job may read files from: the built-in presets, the service's own, and those it was given."""

    def __init__(self, folders: Sequence[str | os.PathLike[str]]) -> None:
        self.folders = tuple(Path(folder).resolve() for folder in folders)

    def check(self, value: str, field: str) -> None:
        """Let ``value`` through if it is a plain name, a hub id, or a full path inside a readable folder.

        Inside those folders a missing file is the generator's to report; outside them,
        existing or not, the answer is the same refusal.
        """
        if _PLAIN_NAME.match(value) or (_HUB_ID.match(value) and ".." not in value and not Path(value).exists()):
            return
        if "\0" not in value and Path(value).is_absolute():
            resolved = Path(value).resolve()
            if any(resolved.is_relative_to(folder) for folder in self.folders):
                return
        raise BadRequestError(field, "not a name, a hub id or a file this service may read: give a name, or a full "
                                     "path inside one of its folders (toonbeat serve --read-from FOLDER)")


def marked_values(model: BaseModel, marker: type, where: str = "params") -> Iterator[tuple[str, str]]:
    """Every ``(field, value)`` of ``model`` (nested models and lists included) whose field carries ``marker``."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        marked = has_marker(info, marker)
        for index, item in enumerate(value if isinstance(value, list | tuple) else [value]):
            spot = f"{where}.{name}" + (f"[{index}]" if isinstance(value, list | tuple) else "")
            if isinstance(item, BaseModel):
                yield from marked_values(item, marker, spot)
            elif marked and isinstance(item, str):
                yield spot, item


def check_reads(params: BaseModel, folders: ReadableFolders) -> None:
    """Refuse ``params`` naming a file outside ``folders``."""
    for field, value in marked_values(params, ReadsFile):
        folders.check(value, field)

