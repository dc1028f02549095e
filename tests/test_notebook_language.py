"""The committed notebooks' outputs read in the notebook's language.

A Portuguese notebook's code is the English one's (test_notebooks.py), so what its cells print
comes from the lab (`lab.words`), the local service (`LOCALSM_LANGUAGE`) and the SDK. The
measure: of the function words in a notebook's outputs (English `the`, `of`, `with`...;
Portuguese `de`, `que`, `com`...), the share of the other language's must stay under 15 %.

What counts as a word: a run of letters between spaces or punctuation, hyphenated words
whole. Names are not words: `xgboost-built-in-2026...`, `max_runtime_in_seconds=3600`, paths
and URIs hold digits, `_`, `/` or `=` and are left out. Words both languages use (`a`, `as`,
`no`, `do`) count for neither. HTML outputs are read without their tags and `<style>` blocks.
What stays English on purpose (the training job's own log lines, SageMaker's status lines,
names) keeps the share above 0 % but far under the limit.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import REPO

NOTEBOOKS = REPO / "notebooks"
LIMIT = 0.15
ENGLISH = set(
    "the of and to in is are an for with on that this it be by from or at was were not what "
    "which when where how all each every its their these those than then into about only also "
    "but if so because more most other some such can will would should could has have had does "
    "did you your we our they them".split()
)
PORTUGUESE = set(
    "o os de da dos das em na nos nas um uma para com por que se não mais como ao aos à às é "
    "são foi ser está ou mas também só cada todo todos toda todas seu sua seus suas este esta "
    "isso pelo pela quando onde qual quais já".split()
)
BOTH = {"a", "as", "no", "do"}  # English and Portuguese words: they tell nothing
STYLE = re.compile(r"<style\b.*?</style>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]+>")
PUNCTUATION = "\"'`.,;:!?()[]{}«»“”‘’…*|<>"
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def output_text(notebook: nbformat.NotebookNode) -> str:
    """What a reader sees of the code cells' outputs: streams, and of rich outputs the HTML
    (tags and style blocks removed) or else the plain text. An image is seen, not its plain
    text (`<Figure size 700x555 with 1 Axes>`); errors are left out."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if output.output_type == "stream":
                parts.append(output.text)
            elif "text/html" in data:
                parts.append(TAG.sub(" ", STYLE.sub(" ", data["text/html"])))
            elif not any(kind.startswith("image/") for kind in data):
                parts.append(data.get("text/plain", ""))
    return "\n".join(parts)


def words(text: str) -> list[str]:
    """The lowercase words of `text` (names, numbers, paths and URIs left out)."""
    chunks = (chunk.strip(PUNCTUATION) for chunk in text.lower().split())
    return [chunk for chunk in chunks if WORD.fullmatch(chunk)]


def foreign_share(text: str, language: str) -> tuple[float, dict[str, int]]:
    """The share of function words from the language other than `language` (`en`/`pt_BR`),
    and how often each of those foreign words occurs."""
    own, other = (ENGLISH, PORTUGUESE) if language == "en" else (PORTUGUESE, ENGLISH)
    counts: dict[str, int] = {}
    mine = 0
    for word in words(text):
        if word in BOTH:
            continue
        mine += word in own
        if word in other:
            counts[word] = counts.get(word, 0) + 1
    foreign = sum(counts.values())
    return (foreign / (mine + foreign) if mine + foreign else 0.0), counts


def committed(suffix_pt: bool) -> list[str]:
    """The committed notebooks of one language, relative to notebooks/ (both SDK folders)."""
    found = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("sdk_v3/*.ipynb"))
    names = [str(path.relative_to(NOTEBOOKS)) for path in found]
    return [name for name in names if name.endswith("_pt_br.ipynb") == suffix_pt]


def check(name: str, language: str) -> None:
    text = output_text(nbformat.read(NOTEBOOKS / name, as_version=4))
    share, counts = foreign_share(text, language)
    worst = sorted(counts.items(), key=lambda item: -item[1])[:10]
    assert share < LIMIT, (
        f"{name}: {share:.0%} of the function words in its outputs are in the other language "
        f"(most frequent: {worst}); print through lab.words / the local service's wording"
    )


@pytest.mark.parametrize("name", committed(suffix_pt=True))
def test_portuguese_notebooks_outputs_read_portuguese(name):
    check(name, "pt_BR")


@pytest.mark.parametrize("name", committed(suffix_pt=False))
def test_english_notebooks_outputs_read_english(name):
    check(name, "en")


def test_there_are_notebooks_of_both_languages_to_measure():
    assert len(committed(suffix_pt=True)) == len(committed(suffix_pt=False)) >= 7


@pytest.mark.parametrize(
    ("text", "language", "share"),
    [("the model of the job", "en", 0.0),
     ("o modelo do job e a saída da análise", "pt_BR", 0.0),
     ("Each row has 14 values but the model", "pt_BR", 1.0),
     ("o modelo the model", "en", 0.5),
     ("xgboost-built-in-2026-11 max_runtime_in_seconds=3600 s3://a/in/the", "en", 0.0),
     ("built-in built-in de", "en", 1.0),
     ('<style> .x { in: the } </style><td>de</td>', "pt_BR", 0.0)],
)  # fmt: skip
def test_the_measure(text, language, share):
    if text.startswith("<style"):
        text = TAG.sub(" ", STYLE.sub(" ", text))
    assert foreign_share(text, language)[0] == pytest.approx(share)
