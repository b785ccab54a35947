"""The generation job service (``toonbeat serve``) that Blender talks to over HTTP.

``server`` holds the FastAPI routes and runs them under uvicorn, behind ``guard``
(Host, token, Origin, body checks) with ``timeouts`` (slow clients are cut off);
``params`` the request bodies (the generators' own parameter models) and the files
a job may read; ``jobs`` the queue, kept on disk by ``store``; ``runners`` what each
job kind does; ``cache`` the loaded models. The client is ``addon.core.service_client``.
"""
