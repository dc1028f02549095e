"""SDK v3's log lines as plain text: `sagemaker-core` writes rich markup into its messages
(`Final Resource Status: [bold]Completed`) for its own `rich` handler, and the notebooks log
through a plain handler instead (their first cell), which shows the markup as it is. In local
mode, without the notices (NOTICES) that only AWS users may want."""

from __future__ import annotations

import logging
import re

from lab.language import language

# The logger of `sagemaker.train` (`from sagemaker.train import logger`: sagemaker-core's).
TRAIN_LOGGER = "sagemaker.core.utils.utils"
# What `ModelTrainer` logs for each setting a notebook leaves to its default
# (`StoppingCondition not provided. Using default:\nmax_runtime_in_seconds=3600 ...`, the same
# for OutputDataConfig's compression): a learner on AWS may want to know; locally it is noise,
# and the only English left in a Portuguese notebook's cell.
DEFAULTS_NOTICE = " not provided. Using default:"
# And what `image_uris.retrieve` logs when the XGBoost image has one variant only
# (`Ignoring unnecessary instance type: None.`): noise in every v3 notebook, locally dropped too.
IMAGE_URIS_LOGGER = "sagemaker.core.image_uris"
IMAGE_NOTICE = "Ignoring unnecessary "
# And botocore's `Found credentials in environment variables.`: in local mode those are the
# local keys that `localsm.activate()` puts in the environment, not the learner's.
CREDENTIALS_LOGGER = "botocore.credentials"
CREDENTIALS_NOTICE = "Found credentials in environment variables."
NOTICES = {TRAIN_LOGGER: DEFAULTS_NOTICE, IMAGE_URIS_LOGGER: IMAGE_NOTICE,
           CREDENTIALS_LOGGER: CREDENTIALS_NOTICE}  # fmt: skip
RICH_MARKUP = re.compile(
    r"\[/?(?:bold|italic|dim|underline|red|green|yellow|blue|magenta|cyan|white)(?: [a-z]+)*\]"
)


# SDK v3's own progress lines, as a Portuguese notebook prints them (names and values kept).
PORTUGUESE = [
    (re.compile(r"^Creating (\w+) resource\.$"), r"Criando o recurso \1."),
    (re.compile(r"^Final Resource Status: "), "Status final do recurso: "),
    (re.compile(r"^Training image URI: "), "URI da imagem de treinamento: "),
    (re.compile(r"^Created S3 bucket: "), "Bucket S3 criado: "),
    (re.compile(r"^No region provided\. Using default region\.$"),
     "Nenhuma região informada: vale a região padrão."),
]  # fmt: skip


class PlainText(logging.Filter):
    """Drops rich's style tags from a record's message (never drops the record); in a
    Portuguese notebook, translates the SDK's progress lines listed in PORTUGUESE."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "[" in record.msg:
            record.msg = RICH_MARKUP.sub("", record.msg)
        if isinstance(record.msg, str) and language() == "pt_BR":
            for pattern, words in PORTUGUESE:
                record.msg = pattern.sub(words, record.msg)
        return True


def plain_sdk_logs() -> None:
    """Add the filter to every handler of the root logger (once each), and let `rich` write
    plain text: sagemaker-core's waits draw a self-clearing `Live` panel, which in a notebook
    leaves an empty output box behind (an empty `<pre>`) once the job ends."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PlainText) for f in handler.filters):
            handler.addFilter(PlainText())
    plain_rich_output()


def plain_rich_output() -> None:
    """`rich`'s own switch (`rich.reconfigure`), after sagemaker-core has set up rich's
    console as it loads: neither a Jupyter display nor terminal animation, so a panel that
    clears itself leaves nothing in the notebook."""
    import rich
    import sagemaker.core.resources  # noqa: F401 - sets rich's console up as it loads

    rich.reconfigure(force_jupyter=False, force_terminal=False)


class LocalNoise(logging.Filter):
    """Drops the SDK's notices that local mode has no use for (NOTICES: logger -> text)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and self.text in record.msg)


def sdk_notices(show: bool) -> None:
    """Show (AWS) or drop (local mode) `ModelTrainer`'s notices of its defaults, the image
    lookup's notice and botocore's notice of the activation's credentials; idempotent, and
    undone when a kernel that set up local mode sets up SageMaker mode."""
    for name, text in NOTICES.items():
        logger = logging.getLogger(name)  # a logger's filters see only its own records
        for old in [f for f in logger.filters if isinstance(f, LocalNoise)]:
            logger.removeFilter(old)
        if not show:
            logger.addFilter(LocalNoise(text))
