"""A training log as a learner reads it: XGBoost prints one metric line per boosting round
(800 lines for the lab's model), which buries what matters. Every other line is shown; of the
round lines, the first few, every N-th and the last, with a count of those left out.

Used as the log streams in (`LocalSageMakerSession.logs_for_job`) and on a whole log read
back (`lab.show_log`); the job's full log file is never changed.
"""

from __future__ import annotations

from collections.abc import Callable

from localsm.language import service_language

FIRST_ROUNDS = 3
EVERY_ROUNDS = 100
SKIPPED = "  ... {count} rounds not shown ..."
# What the local service prints, by its language (localsm/language.py).
WORDS = {
    "en": {"skipped": SKIPPED, "whole": "(the whole log, {lines} lines: {path})"},
    "pt_BR": {
        "skipped": "  ... {count} rodadas não mostradas ...",
        "whole": "(o log inteiro, {lines} linhas: {path})",
    },
}


def words() -> dict[str, str]:
    """The local service's log words in its language (English when unset)."""
    return WORDS[service_language()]


def is_round_line(line: str) -> bool:
    """XGBoost's per-round evaluation line: `[12]\\ttrain-auc:0.91\\t...`."""
    return line.startswith("[") and "]\t" in line[:9]


class RoundCondenser:
    """Feed it lines in order; it writes the ones worth reading, a round line at a time, so a
    followed log still shows progress while the job runs."""

    def __init__(
        self,
        write: Callable[[str], None],
        first: int = FIRST_ROUNDS,
        every: int = EVERY_ROUNDS,
        skipped: str = SKIPPED,
    ) -> None:
        self.write = write
        self.skipped_text = skipped  # a template with {count}
        self.first, self.every = first, every
        self.lines = self.rounds = self.hidden = 0
        self._skipped = 0
        self._pending: str | None = None  # the latest round not shown: shown if it is the last

    def feed(self, line: str) -> None:
        self.lines += 1
        if not is_round_line(line):
            self.end_of_rounds()
            self.write(line)
            return
        index, self.rounds = self.rounds, self.rounds + 1
        if index < self.first or index % self.every == 0:
            self._report_skipped()
            self._pending = None
            self.write(line)
        else:
            self._skipped += 1
            self._pending = line

    def end_of_rounds(self) -> None:
        """A run of round lines is over (or the log is): its last round is shown."""
        if self._pending is not None:
            self._skipped -= 1
            self._report_skipped()
            self.write(self._pending)
            self._pending = None

    def _report_skipped(self) -> None:
        if self._skipped:
            self.write(self.skipped_text.format(count=self._skipped))
            self.hidden += self._skipped
            self._skipped = 0
