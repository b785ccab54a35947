"""The jobs the add-on queued, kept in a JSON file in its user folder so a restarted Blender finds them again.

Plain data, no bpy: ``JobRecord`` is what is worth keeping of a job (not its worker
or futures); ``save_records`` writes the list whole or not at all; ``load_records``
reads it back and turns a missing or damaged file into an empty list and a warning,
never an exception that would stop Blender from registering Toonbeat.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .files import write_json_atomically

LOG = logging.getLogger("toonbeat")
RECORDS_FORMAT = "toonbeat.jobs"
RECORDS_VERSION = 1


@dataclass
class JobRecord:
    """One queued job: what it is, where its files go, which service has it, and how it stands."""

    label: str
    kind: str
    purpose: str
    scene: str
    folder: str
    params: dict[str, Any]
    service_url: str
    id: str = ""
    status: str = "sending"
    progress: float = 0.0
    message: str = ""
    upload: str | None = None
    files: list[str] = field(default_factory=list)
    place: dict[str, Any] = field(default_factory=dict)
    """Where in the scene the result goes, beyond its purpose (a clip's section: ``start``, ``end``, ``label``)."""


def save_records(path: Path, records: list[JobRecord]) -> None:
    """Write every record to ``path`` (atomically)."""
    write_json_atomically({"format": RECORDS_FORMAT, "version": RECORDS_VERSION,
                           "jobs": [asdict(record) for record in records]}, path)


def load_records(path: Path) -> list[JobRecord]:
    """The records in ``path``; a missing file is none, a damaged one is none plus a warning naming it."""
    if not path.exists():
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != RECORDS_FORMAT:
            raise ValueError(f"not a {RECORDS_FORMAT} file")
        known = {item.name for item in fields(JobRecord)}
        return [JobRecord(**{key: value for key, value in entry.items() if key in known})
                for entry in document["jobs"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        LOG.warning("Toonbeat: ignoring the job list %s, which cannot be read (%s)", path, error)
        return []
