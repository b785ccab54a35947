"""One way for every operator to turn bad input into a clear report instead of a traceback."""

from __future__ import annotations

from collections.abc import Callable

import bpy

from ..core.service_client import ServiceError


def run_reporting(operator: bpy.types.Operator, action: Callable[[], str]) -> set[str]:
    """Run ``action``; report its message, or the error a user can fix (bad input, a file, the job service),
    and return the operator result."""
    try:
        message = action()
    except (ValueError, OSError, ServiceError) as error:
        operator.report({"ERROR"}, str(error))
        return {"CANCELLED"}
    operator.report({"INFO"}, message)
    return {"FINISHED"}

