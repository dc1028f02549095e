"""The notebook's language, for what the lab prints and the reports it makes.

A pair's notebooks share their code (a test checks it), so the language cannot be a code
parameter: it is read from the notebook's own name. `LAB_LANGUAGE` (`en` or `pt_BR`) wins when
set: the lab's runners set it (aux/run_notebooks.py, the nbval tests), and so can you
(`LAB_LANGUAGE=pt_BR papermill ...`). Otherwise JupyterLab tells the kernel which notebook it
serves (`JPY_SESSION_NAME`, its path): `*_pt_br.ipynb` is Portuguese, anything else English.
"""

from __future__ import annotations

import os

from localsm.language import VARIABLE as SERVICE_VARIABLE  # the local service's reports
from localsm.language import normalize

VARIABLE = "LAB_LANGUAGE"
PORTUGUESE_SUFFIX = "_pt_br.ipynb"


def language() -> str:
    """`pt_BR` or `en` (see the module docstring)."""
    chosen = os.environ.get(VARIABLE, "").strip()
    if chosen:
        return normalize(chosen)
    return language_of(os.environ.get("JPY_SESSION_NAME", ""))


def language_of(notebook: str) -> str:
    """The language of a notebook, from its file name."""
    return "pt_BR" if str(notebook).lower().endswith(PORTUGUESE_SUFFIX) else "en"


def share_language() -> str:
    """Set `LAB_LANGUAGE` for the processes this kernel starts (the local jobs write their
    reports in it); returns the language."""
    chosen = language()
    os.environ[VARIABLE] = os.environ[SERVICE_VARIABLE] = chosen
    return chosen
