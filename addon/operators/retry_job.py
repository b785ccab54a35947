"""Retry Job: queue a failed or cancelled job again with the same settings."""

from __future__ import annotations

import bpy

from ..core.service_client import ServiceError
from ..generation import BOARD


class TOONBEAT_OT_retry_job(bpy.types.Operator):
    """Queue this failed or cancelled job again on the Toonbeat service, with the same settings"""

    bl_idname = "toonbeat.retry_job"
    bl_label = "Retry Job"

    index: bpy.props.IntProperty()

    @classmethod
    def poll(cls, _context: bpy.types.Context) -> bool:
        """Only when some job failed or was cancelled."""
        return any(job.retryable for job in BOARD.jobs)

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Send the job again; a timer follows it."""
        if not 0 <= self.index < len(BOARD.jobs):
            self.report({"ERROR"}, "No such job")
            return {"CANCELLED"}
        try:
            job = BOARD.retry(context, BOARD.jobs[self.index])
        except ServiceError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Queued {job.label} again")
        return {"FINISHED"}
