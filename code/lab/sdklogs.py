"""SDK v3's log lines as plain text: `sagemaker-core` writes rich markup into its messages
(`Final Resource Status: [bold]Completed`) for its own `rich` handler, and the notebooks log
through a plain handler instead (their first cell), which shows the markup as it is. In local
mode, without the notices of the defaults `ModelTrainer` fills in."""

from __future__ import annotations

import logging
import re

# The logger of `sagemaker.train` (`from sagemaker.train import logger`: sagemaker-core's).
TRAIN_LOGGER = "sagemaker.core.utils.utils"
# What `ModelTrainer` logs for each setting a notebook leaves to its default
# (`StoppingCondition not provided. Using default:\nmax_runtime_in_seconds=3600 ...`, the same
# for OutputDataConfig's compression): a learner on AWS may want to know; locally it is noise,
# and the only English left in a Portuguese notebook's cell.
DEFAULTS_NOTICE = " not provided. Using default:"
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


class DefaultsNotices(logging.Filter):
    """Drops `ModelTrainer`'s notices of the defaults it uses (DEFAULTS_NOTICE)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and DEFAULTS_NOTICE in record.msg)


def defaults_notices(show: bool) -> None:
    """Show (AWS) or drop (local mode) `ModelTrainer`'s notices of its defaults; idempotent,
    and undone when a kernel that set up local mode sets up SageMaker mode."""
    logger = logging.getLogger(TRAIN_LOGGER)  # a logger's filters see only its own records
    for old in [f for f in logger.filters if isinstance(f, DefaultsNotices)]:
        logger.removeFilter(old)
    if not show:
        logger.addFilter(DefaultsNotices())
