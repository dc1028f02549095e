"""The SageMaker built-in XGBoost algorithm, run locally as a plain process.

Stands in for the image ``sagemaker-xgboost:<version>`` (0.90-1 ... 3.0-5, see ``versions``)
started without a ``sagemaker_program`` hyperparameter. The job runner starts it as::

    python -u -m localsm.builtin <ml_root>

with ``<ml_root>`` as working directory; ``<ml_root>`` has the container layout (``/opt/ml``
on SageMaker). The process

* reads ``input/config/hyperparameters.json`` (``{name: string}``),
  ``input/config/inputdataconfig.json`` and the files under ``input/data/<channel>/``;
* prints one line per boosting round with XGBoost's own evaluation monitor,
  ``[N]<TAB>train-<metric>:<5 decimals><TAB>validation-<metric>:...``, which is what
  SageMaker's metric definitions for this image (and a tuning job) read;
* writes ``model/xgboost-model`` (``Booster.save_model``, UBJSON; never pickle) and
  ``output/data/eval_history.json``: ``{"evals_result": {"train": {"logloss": [...]}, ...},
  "metrics", "objective", "num_features", "hyperparameters", "xgboost_params",
  "best_iteration", ...}`` for the training report;
* exits 0 on success; exits 1 with ``ClientError: <reason>`` in ``output/failure`` for a
  problem the user can fix; exits 2 with ``AlgorithmError: framework error: ...`` (and the
  traceback) for anything else.

One concern per module: ``versions`` (what differs between image versions), ``hyperparameters``
(the container's names, ranges and error texts, per version),
``channels`` (channel names and content types), ``data`` (readers and data checks),
``metrics`` (the metrics the container computes itself), ``train`` (the job: plan, fit, save)
and ``__main__`` (the process entry).

Hyperparameters are checked the way the container checks them; nothing is filled in with
defaults, so what the user leaves out is XGBoost's own default. Data checks go further than
the container: a CSV header row or a text value fails with the file, line and column instead
of training on garbage.

Start-up is most of a small job's overhead, so this package imports only the standard
library, NumPy, XGBoost (pyarrow only for Parquet, SciPy only for LIBSVM) and
``localsm.metrics``; this ``__init__`` imports nothing heavy, so that ``__main__`` can keep
XGBoost from importing scikit-learn and pandas before anything imports XGBoost.
"""

from __future__ import annotations

import re
import time

TRAIN, VALIDATION = "train", "validation"

# Modules XGBoost imports at start-up that the process does not need: scikit-learn (for
# XGBoost's sklearn-style wrappers) and pandas (to recognise DataFrames; we hand XGBoost NumPy
# arrays). `__main__` blocks them; Parquet input lifts the pandas block.
UNUSED_MODULES = ("sklearn", "pandas")

_XGBOOST_PREFIX = re.compile(r"^\[[0-9:]+\] \S+?:\d+: ")


class UserError(Exception):
    """A problem the user can fix (hyperparameters, channels, data): exit code 1, and a
    FailureReason `ClientError: …` as the container words it (not botocore's `ClientError`)."""


def log(message: str) -> None:
    """A setup line in the container's style; never a TAB, never a bare `[N]`."""
    stamp = time.strftime("%Y-%m-%d:%H:%M:%S")
    print(f"[{stamp}:INFO] {message}".replace("\t", " "), flush=True)


def xgboost_message(error: Exception) -> str:
    """The first meaningful line of an XGBoost error, without its `[time] file:line:` prefix."""
    for line in str(error).splitlines():
        line = _XGBOOST_PREFIX.sub("", line.strip())
        if line and not line.startswith("Stack trace"):
            return line
    return type(error).__name__
