"""Start Service: run the generators' job service on this machine, in the background."""

from __future__ import annotations

from urllib.parse import urlsplit

import bpy

from ..core.background_process import BackgroundProcess
from ..core.service_client import is_local
from ..generation import BOARD
from ..preferences import SET_GENERATORS_PYTHON, preferences, user_data_folder


class TOONBEAT_OT_start_service(bpy.types.Operator):
    """Start 'toonbeat serve' with the generators' Python from the preferences, at the service address"""

    bl_idname = "toonbeat.start_service"
    bl_label = "Start Local Service"

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Start the service process unless Toonbeat already runs one."""
        prefs = preferences(context)
        if not prefs.generators_python:
            self.report({"ERROR"}, SET_GENERATORS_PYTHON)
            return {"CANCELLED"}
        if not is_local(prefs.service_url):
            self.report({"ERROR"}, f"{prefs.service_url} is another machine: start the service there")
            return {"CANCELLED"}
        if BOARD.local_service is not None and BOARD.local_service.poll() is None:
            self.report({"INFO"}, "The local service is already running")
            return {"FINISHED"}
        address = urlsplit(prefs.service_url)
        command = [bpy.path.abspath(prefs.generators_python), "-m", "generators", "serve",
                   "--host", address.hostname or "127.0.0.1", "--port", str(address.port or 8765),
                   "--work-dir", str(user_data_folder("service"))]
        try:
            BOARD.local_service = BackgroundProcess(command)
        except OSError as error:
            self.report({"ERROR"}, f"Cannot start {prefs.generators_python}: {error}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"Starting the Toonbeat service at {prefs.service_url}")
        return {"FINISHED"}
