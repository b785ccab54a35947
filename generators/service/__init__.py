"""The generation job service (``toonbeat serve``) that Blender talks to over HTTP.

``server`` is the HTTP side, ``jobs`` the queue, ``runners`` what each job kind
does, ``params`` the request checks, ``cache`` the loaded models, ``openapi`` the
description served at ``/openapi.json``. The client is ``addon.core.service_client``.
"""
