"""Clear Jobs: forget the finished jobs (done, failed, cancelled) in the Generate panel's list."""

from __future__ import annotations

import bpy

from ..generation import BOARD


class TOONBEAT_OT_clear_jobs(bpy.types.Operator):
    """Remove the finished jobs from the list (their files stay where they were downloaded)"""

    bl_idname = "toonbeat.clear_jobs"
    bl_label = "Clear Finished Jobs"

    @classmethod
    def poll(cls, _context: bpy.types.Context) -> bool:
        """Only when some job is over."""
        return any(not job.active for job in BOARD.jobs)

    def execute(self, _context: bpy.types.Context) -> set[str]:
        """Forget them."""
        self.report({"INFO"}, f"Cleared {BOARD.clear_finished()} job(s)")
        return {"FINISHED"}
