"""How Toonbeat recognises what it made: a ``toonbeat`` custom property on each strip or object.

The property is a small dictionary such as ``{"role": "pose", "character": "Robot",
"slot": "dance_2", "index": 2}``. Anything without it belongs to the user and is
never changed or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

ROLE_PROPERTY = "toonbeat"


def mark(item: Any, role: str, **details: Any) -> None:
    """Tag ``item`` (a strip or an ID) as Toonbeat's, with its ``role`` and details."""
    item[ROLE_PROPERTY] = {"role": role, **details}


def role_of(item: Any) -> dict[str, Any] | None:
    """The role dictionary of a Toonbeat item, or ``None`` for the user's own."""
    value = item.get(ROLE_PROPERTY)
    if value is None or not hasattr(value, "to_dict"):
        return None
    result: dict[str, Any] = value.to_dict()
    return result


def details(item: Any) -> dict[str, Any]:
    """The role dictionary of an item known to be Toonbeat's."""
    found = role_of(item)
    if found is None:
        raise KeyError(f"{getattr(item, 'name', item)!r} was not made by Toonbeat")
    return found


def with_role(items: Iterable[Any], role: str, **details: Any) -> Iterator[Any]:
    """The items of ``role`` whose details match ``details``."""
    for item in items:
        found = role_of(item)
        if found is not None and found.get("role") == role and all(found.get(k) == v for k, v in details.items()):
            yield item


def is_toonbeat(item: Any) -> bool:
    """Whether Toonbeat made ``item``."""
    return role_of(item) is not None
