"""`xgboost_train.py --help` in the notebook's language, built in this process from the
script's own argparse parser (no second Python process: seconds saved).

The script stays English: it also runs on AWS, where SageMaker's toolkit calls it. Its help is
translated here, from PORTUGUESE below, keyed by the English text: argparse's own words
(`usage:`, `options`, the `-h` line), the description, the group titles and each option's
help. A text without a translation stays English (tests/test_lab.py names any)."""

from __future__ import annotations

import argparse
import importlib.util

from lab.language import language
from lab.paths import SCRIPT_DIR

SCRIPT = SCRIPT_DIR / "xgboost_train.py"
PROG = SCRIPT.name
WIDTH = 78  # argparse's width when it writes to a file or pipe (80 columns, less 2)
USAGE = "usage: "  # argparse's prefix of the usage lines

PORTUGUESE = {
    USAGE: "uso: ",
    "options": "opções",
    "positional arguments": "argumentos posicionais",
    "show this help message and exit": "mostra esta mensagem de ajuda e sai",
    "Train XGBoost with k-fold cross-validation (SageMaker script mode).": "Treina o XGBoost "
    "com validação cruzada k-fold (modo script do SageMaker).",
    "hyperparameters (SageMaker passes them as --name value)": "hiperparâmetros (o SageMaker "
    "os passa como --nome valor)",
    "maximum boosting rounds; cross-validation may pick fewer": "máximo de rodadas de "
    "boosting; a validação cruzada pode escolher menos",
    "learning rate, in (0, 1]": "taxa de aprendizado, em (0, 1]",
    "minimum loss reduction to split a leaf": "redução mínima da perda para dividir uma folha",
    "comma-separated; the last one drives early stopping": "separadas por vírgula; a última "
    "decide a parada antecipada",
    "folds of the cross-validation; 0: none, all --num_round rounds": "partes (folds) da "
    "validação cruzada; 0: nenhuma, todas as --num_round rodadas",
    "stop the cross-validation after this many rounds without progress": "para a validação "
    "cruzada depois de tantas rodadas sem melhora",
    "CPU threads (default: all; OMP_NUM_THREADS is honoured)": "threads de CPU (padrão: "
    "todas; OMP_NUM_THREADS é respeitada)",
    "data and output (defaults come from SageMaker's SM_* variables)": "dados e saída (os "
    "padrões vêm das variáveis SM_* do SageMaker)",
    "CSV file or folder of CSV files (default: $SM_CHANNEL_TRAIN)": "arquivo CSV ou pasta de "
    "arquivos CSV (padrão: $SM_CHANNEL_TRAIN)",
    "CSV file or folder (default: $SM_CHANNEL_VALIDATION)": "arquivo CSV ou pasta (padrão: "
    "$SM_CHANNEL_VALIDATION)",
    "where the model is saved (default: $SM_MODEL_DIR)": "onde o modelo é salvo (padrão: "
    "$SM_MODEL_DIR)",
    "where metrics.json goes (default: $SM_OUTPUT_DATA_DIR, else model dir)": "onde fica o "
    "metrics.json (padrão: $SM_OUTPUT_DATA_DIR, senão a pasta do modelo)",
}
TABLES = {"en": {}, "pt_BR": PORTUGUESE}


def show_script_help() -> None:
    """`xgboost_train.py --help`, in the notebook's language: the hyperparameters the script
    accepts."""
    print(script_help(language()))


def script_help(lang: str) -> str:
    """The script's `--help` text in `lang` (`en`: exactly what the script prints)."""
    table = TABLES[lang]
    parser = script_parser()
    parser.formatter_class = _formatter(table.get(USAGE, USAGE))
    for text, set_text in _texts(parser):
        set_text(table.get(text, text))
    return parser.format_help()


def untranslated(lang: str) -> list[str]:
    """The script's help texts that `lang`'s table lacks."""
    return [text for text, _ in _texts(script_parser()) if text not in TABLES[lang]]


def script_parser() -> argparse.ArgumentParser:
    """The script's own parser (`build_parser`), from the very file SageMaker runs. Loading it
    imports XGBoost, which the notebook needs later anyway (to score the model)."""
    spec = importlib.util.spec_from_file_location("_xgboost_train_help", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parser = module.build_parser()
    parser.prog = PROG
    return parser


def _texts(parser: argparse.ArgumentParser) -> list[tuple[str, object]]:
    """Every English text of the help with a function that replaces it: the description, the
    group titles and each option's help (argparse's `-h` line included)."""
    texts = []
    if parser.description:
        texts.append((parser.description, lambda t: setattr(parser, "description", t)))
    for group in parser._action_groups:  # argparse has no public accessor for them
        if group.title:
            texts.append((group.title, lambda t, g=group: setattr(g, "title", t)))
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            texts.append((action.help, lambda t, a=action: setattr(a, "help", t)))
    return texts


def _formatter(usage: str):
    """argparse's formatter at a fixed width (a kernel has no terminal), with `usage` as the
    prefix of the usage lines."""

    class Formatter(argparse.HelpFormatter):
        def add_usage(self, text, actions, groups, prefix=None):  # noqa: ANN001 - argparse's
            super().add_usage(text, actions, groups, usage if prefix is None else prefix)

    return lambda prog: Formatter(prog, width=WIDTH)
