"""The Clarify container's entry: `python -m localsm.clarify <ml_root>`.

Exit 0: the outputs are in `<ml_root>/processing/output`. Exit 1: one line in
`<ml_root>/output/message`, `ClientError: ...` (bad input) or `AlgorithmError: ...` (the
model or its endpoint failed, or a fault of the analyzer itself, whose traceback goes to
stderr, the job's log), and no analysis.json or report.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import traceback
from pathlib import Path

from localsm.clarify.analyzer import Paths, run
from localsm.clarify.errors import ClarifyError
from localsm.training.reasons import shorten


def write_message(root: Path, line: str) -> None:
    """`output/message`: the one line the job reports as its FailureReason."""
    message = Paths(root).message
    message.parent.mkdir(parents=True, exist_ok=True)
    message.write_text(line + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the analysis of `argv[0]` (default /opt/ml); returns the exit code, 0 or 1."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        print("usage: python -m localsm.clarify [ML_ROOT]", file=sys.stderr)
        return 2
    root = Path(args[0] if args else "/opt/ml")
    # smclarify logs every failed metric with a traceback (CDDL without a group variable,
    # say); the entry's `error` already says it, so the job log stays short. This process
    # is the job's own, so its logger may be set for good.
    logging.getLogger("smclarify").setLevel(logging.CRITICAL + 1)
    started = time.perf_counter()
    try:
        written = run(root, os.environ, lean=True)
    except ClarifyError as error:
        line = shorten(error.line())
    except Exception as error:  # noqa: BLE001 - a fault of ours: one line, traceback to the log
        traceback.print_exc(file=sys.stderr)
        frames = traceback.extract_tb(error.__traceback__)
        where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
        line = shorten(f"AlgorithmError: local Clarify analyzer fault: {type(error).__name__}: "
                       f"{' '.join(str(error).split())}{where}")  # fmt: skip
    else:
        print(f"Wrote {', '.join(written)} in {time.perf_counter() - started:.1f} s", flush=True)
        return 0
    print(line, flush=True)
    write_message(root, line)
    return 1


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM (the job stopped): unwind, so the staging folder is removed."""
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    sys.exit(main())
