"""The analyzer's two failures, as the Clarify container reports them in `output/message`.

`InputError` (reported as `ClientError`): the input is wrong (config, data, baseline); the
user fixes it.
`AlgorithmError`: the model or its endpoint failed; the message names the status and cause.
"""

from __future__ import annotations


class ClarifyError(Exception):
    """A failure the job reports in one line: `<kind>: <message>`."""

    kind = "ClientError"

    def line(self) -> str:
        """The one line for `output/message` (whitespace folded, never a traceback)."""
        return f"{self.kind}: {' '.join(str(self).split())}"


class InputError(ClarifyError):
    """Bad input: the analysis config, the dataset, the baseline, the model folder."""


class AlgorithmError(ClarifyError):
    """The model (the shadow endpoint) failed or answered something unusable."""

    kind = "AlgorithmError"
