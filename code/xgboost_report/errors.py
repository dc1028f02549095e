"""The report's exceptions, and XGBoost's error text made readable for them."""

from __future__ import annotations

import re


class ReportError(ValueError):
    """Input the report cannot use; the message says what was wrong and how to fix it."""


class PickleRefused(ReportError):
    """The model file is a pickle (or joblib) file and the caller did not opt in."""


def xgb_message(error: Exception) -> str:
    """XGBoost's error text without its timestamp, source location and stack trace."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    first = next((line for line in lines if not line.startswith("Stack trace")), repr(error))
    return re.sub(r"^\[[\d:]+\] \S+:\d+: (Check failed: )?", "", first).strip()
