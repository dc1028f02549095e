"""The language of what the local service writes for a learner (the condensed training log,
the Debugger rule's and Clarify's reports): `LOCALSM_LANGUAGE`, `en` or `pt_BR`. The lab sets
it to the notebook's (`lab.language`); unset or unknown means English."""

from __future__ import annotations

import os
from collections.abc import Mapping

VARIABLE = "LOCALSM_LANGUAGE"
LANGUAGES = ("en", "pt_BR")


def normalize(value: str | None) -> str:
    """One of LANGUAGES: pt_BR for pt, pt-BR, pt_br (any case), else English."""
    text = (value or "").strip().replace("-", "_").lower()
    return "pt_BR" if text in ("pt", "pt_br") else "en"


def service_language(environ: Mapping[str, str] | None = None) -> str:
    """The language set for the local service in `environ` (this process's by default)."""
    return normalize((os.environ if environ is None else environ).get(VARIABLE))
