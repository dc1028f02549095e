"""SDK v3's log lines as plain text: `sagemaker-core` writes rich markup into its messages
(`Final Resource Status: [bold]Completed`) for its own `rich` handler, and the notebooks log
through a plain handler instead (their first cell), which shows the markup as it is."""

from __future__ import annotations

import logging
import re

RICH_MARKUP = re.compile(
    r"\[/?(?:bold|italic|dim|underline|red|green|yellow|blue|magenta|cyan|white)(?: [a-z]+)*\]"
)


class PlainText(logging.Filter):
    """Drops rich's style tags from a record's message (never drops the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "[" in record.msg:
            record.msg = RICH_MARKUP.sub("", record.msg)
        return True


def plain_sdk_logs() -> None:
    """Add the filter to every handler of the root logger (once each)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PlainText) for f in handler.filters):
            handler.addFilter(PlainText())
