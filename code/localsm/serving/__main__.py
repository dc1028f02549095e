"""The model server process: `python -m localsm.serving <root>`.

`<root>` stands in for the container's `/opt/ml` (`model/`, and `code/` in script mode). The
port comes from `SAGEMAKER_BIND_TO_PORT` (0 or unset: a free port), always on 127.0.0.1. Once
the model is loaded and the port bound, one line `listening on http://127.0.0.1:<port>` tells
the local service the endpoint is ready. A start-up failure is written to `<root>/failure`
(the endpoint's FailureReason) and the process exits 1.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from localsm.training.reasons import shorten

READY_LINE = "listening on http://127.0.0.1:"
FAILURE_FILE = "failure"


def _fail(root: Path, reason: str) -> int:
    (root / FAILURE_FILE).write_text(shorten(reason))
    print(reason, flush=True)
    return 1


def main(root: Path) -> int:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from werkzeug.serving import make_server

    from localsm.serving.app import MAX_CONTENT_LENGTH, InferenceApp, access_log_handler
    from localsm.serving.handlers import StartupError, load_handler

    try:
        handler = load_handler(root)
    except StartupError as error:
        return _fail(root, str(error))
    limit = int(os.environ.get("MAX_CONTENT_LENGTH", MAX_CONTENT_LENGTH))
    parameters = {
        "MaxConcurrentTransforms": int(os.environ.get("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", 1)),
        "BatchStrategy": os.environ.get("SAGEMAKER_BATCH_STRATEGY", "MULTI_RECORD"),
        "MaxPayloadInMB": int(os.environ.get("SAGEMAKER_MAX_PAYLOAD_IN_MB", limit >> 20)),
    }
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT") or 0)
    try:
        server = make_server(
            "127.0.0.1",
            port,
            InferenceApp(handler, limit, parameters),
            threaded=True,
            request_handler=access_log_handler(os.environ.get("SAGEMAKER_BATCH") == "true"),
        )
    except (OSError, SystemExit) as error:  # werkzeug prints a bind error, then exits
        why = getattr(error, "strerror", None) or "address in use or not allowed"
        return _fail(
            root,
            f"ClientError: the model server cannot listen on 127.0.0.1:{port} "
            f"({why}). SAGEMAKER_BIND_TO_PORT names a port another program "
            "uses: remove it from the model's environment (a free port is chosen) or "
            "pick another.",
        )
    print(f"{READY_LINE}{server.server_port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
