"""Cancel Job: stop a queued or running job on the service."""

from __future__ import annotations

import bpy

from ..generation import BOARD


class TOONBEAT_OT_cancel_job(bpy.types.Operator):
    """Cancel this job on the Toonbeat service"""

    bl_idname = "toonbeat.cancel_job"
    bl_label = "Cancel Job"

    index: bpy.props.IntProperty()

    def execute(self, _context: bpy.types.Context) -> set[str]:
        """Ask the service to cancel the job."""
        if not 0 <= self.index < len(BOARD.jobs):
            self.report({"ERROR"}, "No such job")
            return {"CANCELLED"}
        BOARD.cancel(BOARD.jobs[self.index])
        return {"FINISHED"}
