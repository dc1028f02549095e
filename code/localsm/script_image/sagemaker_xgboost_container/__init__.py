"""Local stand-in for `sagemaker_xgboost_container` (aws/sagemaker-xgboost-container, branch
1.7-1): the data, encoder and distributed helpers that script-mode examples import.

See ../README.md; every other submodule is refused with a message.
"""

from __future__ import annotations

from sagemaker_containers._local import refuse_other_submodules

refuse_other_submodules(__name__)
