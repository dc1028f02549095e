"""The process entry of the built-in algorithm: `python -u -m localsm.builtin <ml_root>`.

Runs one training job and turns its outcome into the container's exit code and
`output/failure` text.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path

from localsm.builtin import UNUSED_MODULES, UserError

# Measured here: `import xgboost` takes 1.9 s with scikit-learn and pandas, 0.5 s without. A
# None entry in sys.modules makes `import x` raise ImportError (documented import-system
# behaviour), which XGBoost treats as "not installed". Only when run as the process: a test
# that imports this module keeps its own scikit-learn and pandas.
if __name__ == "__main__" and "xgboost" not in sys.modules:
    for _name in UNUSED_MODULES:
        sys.modules.setdefault(_name, None)  # type: ignore[arg-type]

from localsm.builtin import termination  # noqa: E402 - after the block above
from localsm.builtin.train import train  # noqa: E402

MAX_REASON = 390  # characters of FailureReason (the service's limit for its own texts)


def write_failure(ml_root: Path, text: str) -> None:
    """output/failure: the text SageMaker shows as FailureReason."""
    output = Path(ml_root) / "output"
    output.mkdir(parents=True, exist_ok=True)
    (output / "failure").write_text(text)


def main(argv: Iterable[str] | None = None) -> int:
    """Run the job in `argv[0]` (default /opt/ml); returns the exit code: 0, 1 or 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1:
        print("usage: python -m localsm.builtin [ML_ROOT]", file=sys.stderr)
        return 2
    ml_root = Path(args[0] if args else "/opt/ml")
    try:
        train(ml_root)
    except UserError as error:
        reason = " ".join(str(error).split())  # one line, one glance
        reason = reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
        print(f"ClientError: {reason}", flush=True)
        write_failure(ml_root, f"ClientError: {reason}")
        return 1
    except Exception as error:  # noqa: BLE001 - every other failure is the framework's
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        write_failure(ml_root, framework_error(error))
        return 2
    return 0


def framework_error(error: BaseException) -> str:
    """`AlgorithmError: framework error: <type>: <message> (<file>, line <n>)`: where it
    happened, in one line; the traceback goes to the log, not into FailureReason."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
    message = " ".join(str(error).split())[:200]
    return (
        f"AlgorithmError: framework error: {type(error).__name__}: {message}{where}; "
        "the traceback is in the job's log"
    )


def _as_process() -> int:
    """`main` with the process-wide settings a test run must not get."""

    def stop(signum, _frame):  # SIGTERM from the runner (a stop, MaxRuntimeInSeconds)
        if termination.requested():  # save_model_on_termination: end the round, save, exit
            return
        raise SystemExit(128 + signum)  # unwind so no partial file is left

    signal.signal(signal.SIGTERM, stop)
    import warnings

    # XGBoost's warnings on one line each (the default adds the calling source line).
    warnings.formatwarning = lambda message, category, *_: f"{category.__name__}: {message}\n"
    return main()


if __name__ == "__main__":
    sys.exit(_as_process())
