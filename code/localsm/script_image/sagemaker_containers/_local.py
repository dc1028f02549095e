"""What the local stand-ins share: the refusal of what they do not provide."""

from __future__ import annotations

import importlib.abc
import sys

RUN_ON_SAGEMAKER = "run this job on SageMaker"


def refusal(what: str) -> str:
    """The message for a part of the image local mode does not provide."""
    return (
        f"{what} is part of the SageMaker XGBoost image, not available in local mode: "
        f"{RUN_ON_SAGEMAKER} (what local mode provides: code/localsm/script_image/README.md)"
    )


class _Refuse(importlib.abc.MetaPathFinder):
    """Last on `sys.meta_path`: a submodule of a stand-in package that no finder found is
    refused with the message above instead of a bare ModuleNotFoundError."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001, ANN201 - the protocol's
        if fullname.startswith(self.package + "."):
            raise ModuleNotFoundError(refusal(f"module {fullname}"), name=fullname)
        return None


def refuse_other_submodules(package: str) -> None:
    """Install the refusal for `package` (once)."""
    if not any(isinstance(f, _Refuse) and f.package == package for f in sys.meta_path):
        sys.meta_path.append(_Refuse(package))
