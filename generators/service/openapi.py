"""The service's OpenAPI 3.1 description, built from the same field declarations that check requests."""

from __future__ import annotations

from typing import Any

from ..version import toonbeat_version
from .params import json_schema
from .runners import KINDS


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema}}}}


def openapi() -> dict[str, Any]:
    """The OpenAPI document served at ``/openapi.json``."""
    error = _json("#/components/schemas/Error", "the problem, and the field when one is to blame")
    job = _json("#/components/schemas/Job", "the job")
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    job_request = {"oneOf": [
        {"type": "object", "required": ["kind", "params"], "additionalProperties": False,
         "description": kind.summary,
         "properties": {"kind": {"const": name}, "params": {"$ref": f"#/components/schemas/{name}_params"}}}
        for name, kind in KINDS.items()]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Toonbeat generation service", "version": toonbeat_version(),
                 "description": "MusicGen tracks, Stable Diffusion characters and backgrounds, and beat analysis as "
                                "jobs. GPU jobs run one at a time; analysis runs beside them. When the service was "
                                "started with a token, every request needs 'Authorization: Bearer <token>'."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"],
                          "properties": {"error": {"type": "string"}, "field": {"type": "string"}}},
                "Job": {"type": "object", "properties": {
                    "id": {"type": "string"}, "kind": {"enum": list(KINDS)},
                    "status": {"enum": ["queued", "running", "done", "failed", "cancelled"]},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    "message": {"type": "string"}, "error": {"type": ["string", "null"]},
                    "files": {"type": "array", "items": {"type": "string"},
                              "description": "result files, relative paths for GET /jobs/{id}/files/{path}"},
                    "params": {"type": "object"}, "created": {"type": "number"},
                    "started": {"type": ["number", "null"]}, "finished": {"type": ["number", "null"]}}},
                "JobRequest": job_request,
                **{f"{name}_params": json_schema(kind.fields) for name, kind in KINDS.items()},
            },
        },
        "security": [{"bearer": []}, {}],
        "paths": {
            "/health": {"get": {"summary": "service version, queue and loaded models",
                                "responses": {"200": {"description": "running"}}}},
            "/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "OpenAPI"}}}},
            "/uploads": {"post": {
                "summary": "store an input file (audio for analysis, a melody); the body is the file's bytes",
                "parameters": [{"name": "name", "in": "query", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/octet-stream": {}}},
                "responses": {"201": {"description": "{id, name, bytes}: pass id in job params"}, "400": error,
                              "401": error}}},
            "/jobs": {
                "get": {"summary": "every job", "responses": {"200": {"description": "{jobs: [Job]}"}}},
                "post": {"summary": "queue a job",
                         "requestBody": {"content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/JobRequest"}}}},
                         "responses": {"202": job, "400": error, "401": error}}},
            "/jobs/{job_id}": {"get": {"summary": "a job's status and progress", "parameters": [job_id],
                                       "responses": {"200": job, "404": error}}},
            "/jobs/{job_id}/cancel": {"post": {"summary": "cancel a queued or running job", "parameters": [job_id],
                                               "responses": {"200": job, "404": error}}},
            "/jobs/{job_id}/files/{path}": {"get": {
                "summary": "download a result file", "parameters": [job_id, {
                    "name": "path", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the file",
                                      "content": {"application/octet-stream": {}}}, "404": error}}},
        },
    }
