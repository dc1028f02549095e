"""The model server's HTTP side: the container serving contract on a WSGI app (Werkzeug).

`GET /ping` answers 200 once the model is loaded; `POST /invocations` runs the handler;
`GET /execution-parameters` tells a batch transform how to send its requests. Bodies over
`MAX_CONTENT_LENGTH` (6 MiB, SageMaker's payload limit) get 413 before they are read.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from werkzeug.wrappers import Request, Response

from localsm.serving.codecs import InferenceError
from localsm.serving.wording import grouped, message

MAX_CONTENT_LENGTH = 6 * 1024 * 1024
LOG = logging.getLogger("localsm.serving")


class InferenceApp:
    """WSGI app around one handler (see handlers.py)."""

    def __init__(
        self,
        handler: Any,
        max_bytes: int = MAX_CONTENT_LENGTH,
        execution_parameters: dict | None = None,
    ) -> None:
        self.handler = handler
        self.max_bytes = max_bytes
        self.execution_parameters = execution_parameters or {
            "MaxConcurrentTransforms": 1,
            "BatchStrategy": "MULTI_RECORD",
            "MaxPayloadInMB": max_bytes // (1024 * 1024),
        }

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path == "/ping" and method == "GET":
            return Response("", status=200)
        if path == "/execution-parameters" and method == "GET":
            return Response(json.dumps(self.execution_parameters), mimetype="application/json")
        if path == "/invocations" and method == "POST":
            return self.invocations(request)
        return Response(
            f"{method} {path} is not part of the serving contract (GET /ping, POST /invocations)",
            status=404,
        )

    def invocations(self, request: Request) -> Response:
        size = request.content_length or 0
        if size > self.max_bytes:
            text = message("too_large", size=grouped(size), limit=grouped(self.max_bytes))
            return _error(InferenceError(413, text))
        body = request.get_data(cache=False)
        try:
            answer, kind = self.handler.invoke(
                body, request.content_type, request.headers.get("Accept")
            )
        except InferenceError as error:
            return _error(error)
        except Exception as error:  # noqa: BLE001 - a bug in a handler is a 500, logged
            LOG.exception("invocation failed")
            return _error(InferenceError(500, f"{type(error).__name__}: {error}"))
        return Response(answer, status=200, content_type=kind)


def _error(error: InferenceError) -> Response:
    LOG.warning("%d %s", error.status, error.message)
    return Response(error.message, status=error.status, mimetype="text/plain")


def access_log_handler(batch: bool) -> type:
    """Werkzeug's request handler with a plain access log (one line per request, no terminal
    colours); in a batch transform only the failed requests are logged."""
    from werkzeug.serving import WSGIRequestHandler

    class AccessLog(WSGIRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            status = getattr(code, "value", code)
            if batch and isinstance(status, int) and status < 400:
                return
            LOG.info("%s %s %s", self.command, self.path, status)

    return AccessLog
