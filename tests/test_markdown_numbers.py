"""Text matches outputs (issue 27): every number a notebook's Markdown states as a result must
be one its committed outputs show (or a value its code sets), read from the files, no execution.

What counts as a stated result: a decimal with two or more decimal places (0.92, 0,92, 0.9203),
a percentage with a decimal (85.5 %, 85,5 %) and "N of M rounds" ("N de M rodadas"). Numbers in
code spans and code blocks are code, not statements. English notebooks write a decimal point and
a thousands comma (8,192); Brazilian ones a decimal comma and a thousands point (8.192).

A stated number matches an output number that rounds to it at the stated places (0.92 matches
0.9203 and 0.9150, not 0.9250), a percentage also the fraction (85.5 % matches 0.8551), in
either sign ("about −1.7"); it matches a code value only exactly (a parameter is written as set).
Facts that are no output (prices, the original lab's reported figures in COURSE.md) pass only
through ALLOWED, each with its reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from conftest import REPO

NOTEBOOKS = REPO / "notebooks"
PAPERS = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("sdk_v3/*.ipynb"))

# (lesson, cell id, number as English writes it) -> why it is not an output. A lesson is a
# notebook's name without `_pt_br` and folder: one entry covers both languages and both SDKs.
ALLOWED = {
    ("train_built_in", "c17", "85.5"): "accuracy the original lab reported (COURSE.md, Task 1)",
    ("train_built_in", "c17", "0.90"): "F1 of label 1 the original lab reported (COURSE.md)",
    ("train_built_in", "c17", "0.71"): "F1 of label 0 the original lab reported (COURSE.md)",
    ("train_built_in", "cleanup-md", "0.23"): "price: ml.m5.xlarge, USD per hour",
    ("train_script_mode", "cleanup-md", "0.23"): "price: ml.m5.xlarge, USD per hour",
    ("train_script_mode", "original-reading", "0.896"): "validation AUC the course measured on the "
    "original lab's CSVs with its settings (COURSE.md, defect 4)",
    ("train_script_mode", "original-reading", "0.917"): "validation AUC the course measured on the "
    "original lab's CSVs with more rounds and early stopping (COURSE.md, defect 4)",
    ("deploy_and_predict", "c26", "0.12"): "price: ml.m5.large endpoint, USD per hour",
    ("deploy_and_predict", "c26", "0.23"): "price: ml.m5.xlarge transform, USD per hour",
    ("deploy_and_predict", "task3-v3-12", "0.12"): "price: ml.m5.large endpoint, USD per hour",
    ("explain_and_bias", "c27", "0.23"): "price: ml.m5.xlarge processing job, USD per hour",
    ("explain_and_bias", "c27", "0.12"): "price: shadow endpoint instance, USD per hour",
    ("deploy_and_predict", "c10", "0.12"): "price: ml.m5.large endpoint, USD per hour",
    ("deploy_and_predict", "c29", "0.12"): "price: ml.m5.large endpoint, USD per hour",
    ("deploy_and_predict", "task3-v3-28", "0.12"): "price: ml.m5.large endpoint, USD per hour",
    ("train_built_in", "exercises", "0.75"): "three rows in four are label 1 (the report's chart)",
    ("train_script_mode", "exercises", "0.02"): "the original lab's eta, a command line to try",
}

SEPARATORS = {"en": (".", ","), "pt_BR": (",", ".")}  # decimal mark, thousands mark
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


@dataclass(frozen=True)
class Stated:
    """A number stated in Markdown: as written, its value, its decimal places, its kind."""

    text: str
    value: float
    places: int
    kind: str  # "decimal", "percent" or "count"
    sentence: str

    @property
    def key(self) -> str:
        """The number as English writes it, for ALLOWED."""
        return f"{self.value:.{self.places}f}"


def language_of(name: str) -> str:
    return "pt_BR" if name.endswith("_pt_br.ipynb") else "en"


def lesson_of(name: str) -> str:
    return name.rsplit("/", 1)[-1].removesuffix(".ipynb").removesuffix("_pt_br")


def number_pattern(language: str) -> str:
    """A number as `language` writes it: thousands groups, then an optional decimal part."""
    point, thousands = (re.escape(mark) for mark in SEPARATORS[language])
    return rf"(?<![\w.,])(\d{{1,3}}(?:{thousands}\d{{3}})+|\d+)(?:{point}(\d+))?(?![\d])"


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence, clause or list item around text[start:end], on one line."""
    marks = (". ", "; ", "\n\n", "\n- ")
    left = max(text.rfind(mark, 0, start) + len(mark) - 1 for mark in marks)
    stops = [i for i in (text.find(mark, end) for mark in marks) if i != -1]
    right = min(stops) + 1 if stops else len(text)
    return " ".join(text[max(left, 0) : right].split())


def stated_numbers(markdown: str, language: str) -> list[Stated]:
    """The result-like numbers of one Markdown cell written in `language`."""
    point, thousands = SEPARATORS[language]
    text = CODE.sub(lambda m: " " * len(m.group(0)), markdown)
    count = (
        r"(\d+) of (\d+) (?:boosting )?rounds" if language == "en" else r"(\d+) de (\d+) rodadas"
    )
    found = [
        Stated(n, float(n), 0, "count", sentence_at(markdown, m.start(), m.end()))
        for m in re.finditer(count, text)
        for n in m.groups()
    ]
    for m in re.finditer(number_pattern(language) + r"(\s?%)?", text):
        whole, decimals, percent = m.group(1), m.group(2) or "", m.group(3)
        if len(decimals) < (1 if percent else 2):
            continue
        value = float(whole.replace(thousands, "") + "." + decimals)
        kind = "percent" if percent else "decimal"
        found.append(Stated(m.group(0).strip(), value, len(decimals), kind,
                            sentence_at(markdown, m.start(), m.end())))  # fmt: skip
    return found


def shown_numbers(text: str) -> set[float]:
    """Every number in an output's text, read both ways where a separator is ambiguous
    (0,92 and 1,234 are both possible readings of a comma), signs dropped."""
    values = set()
    for token in re.findall(r"\d+(?:[.,]\d+)*", text):
        readings = {token.replace(",", ""), token.replace(".", "").replace(",", ".")}
        if token.count(",") + token.count(".") == 1:
            readings.add(token.replace(",", "."))
        for reading in readings:
            try:
                values.add(float(reading))
            except ValueError:
                pass
    return values


def output_text(cell: dict) -> str:
    """What a code cell's outputs show as text (streams, plain text, HTML tables, Markdown)."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", "")))
        data = output.get("data", {})
        for kind in ("text/plain", "text/html", "text/markdown"):
            parts.append("".join(data.get(kind, "")))
    return "\n".join(parts)


def shown(stated: Stated, outputs: set[float], code: set[float]) -> bool:
    """Whether an output rounds to the stated number, or the code sets it exactly."""
    if stated.value in code:
        return True
    if stated.kind == "count":
        return stated.value in outputs
    candidates = set(outputs)
    if stated.kind == "percent":
        candidates |= {100 * value for value in outputs}
    half = 0.5 * 10**-stated.places  # rounding half up: 0.915 gives 0.92, 0.925 gives 0.93
    low, high = stated.value - half - 1e-9, stated.value + half - 1e-9
    return any(low <= value < high for value in candidates)


def mismatches(notebook: dict, language: str) -> list[tuple[str, Stated]]:
    """(cell id, number) for every stated number that no output and no code of the notebook
    shows (anywhere in it: a summary may look back, an introduction ahead)."""
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    outputs = set().union(*(shown_numbers(output_text(cell)) for cell in code_cells))
    code = set().union(*(shown_numbers("".join(cell["source"])) for cell in code_cells))
    return [
        (cell["id"], stated)
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
        for stated in stated_numbers("".join(cell["source"]), language)
        if not shown(stated, outputs, code)
    ]


@pytest.mark.parametrize("path", PAPERS, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_numbers_in_markdown_are_shown_by_outputs(path):
    name = str(path.relative_to(NOTEBOOKS))
    notebook = json.loads(path.read_text(encoding="utf-8"))
    unexplained = [
        f"{name} cell {cell}: {stated.text!r} in: {stated.sentence}"
        for cell, stated in mismatches(notebook, language_of(name))
        if (lesson_of(name), cell, stated.key) not in ALLOWED
    ]
    assert not unexplained, "numbers no output shows:\n" + "\n".join(unexplained)


def test_every_allowed_entry_is_still_stated():
    """An allowance whose number left the text goes too (no dead entries)."""
    stated = set()
    for path in PAPERS:
        name = str(path.relative_to(NOTEBOOKS))
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                numbers = stated_numbers("".join(cell["source"]), language_of(name))
                stated |= {(lesson_of(name), cell["id"], n.key) for n in numbers}
    assert not (ALLOWED.keys() - stated), sorted(ALLOWED.keys() - stated)


# ------------------------------------------------------------------ the matcher on made-up cells


def synthetic(markdown: str, output: str, code: str = "x = 1") -> dict:
    return {
        "cells": [
            {"cell_type": "code", "id": "a", "source": [code],
             "outputs": [{"output_type": "stream", "name": "stdout", "text": [output]}]},
            {"cell_type": "markdown", "id": "b", "source": [markdown]},
        ]
    }  # fmt: skip


@pytest.mark.parametrize(
    "markdown, output, language",
    [
        ("The AUC is about 0.92.", "validation AUC 0.9203", "en"),
        ("A AUC é de cerca de 0,92.", "AUC de validação 0.9203", "pt_BR"),
        ("It reaches 0.9203 exactly.", "0.9203", "en"),
        ("Rounded up: 0.92.", "0.9150", "en"),
        ("Accuracy 85.5 %.", "accuracy 0.8551", "en"),
        ("Acurácia de 85,5 %.", "acurácia 85.5", "pt_BR"),
        ("A gap of about 1.70 log-odds.", "-1.7012", "en"),
        ("It stopped after 57 of 300 rounds.", "best round 57 of 300", "en"),
        ("Ranges `eta` 0.1–0.3; 8,192 coalitions; rows 0 and 2.", "", "en"),
        ("Em 8.192 coalizões.", "", "pt_BR"),
        ("`validation-auc:0.93` is a line.", "", "en"),
        ("Five rows, 2 of them label 1.", "", "en"),
    ],
)
def test_matcher_accepts(markdown, output, language):
    assert mismatches(synthetic(markdown, output), language) == []


@pytest.mark.parametrize(
    "markdown, output, language, number",
    [
        ("The AUC is about 0.93.", "validation AUC 0.9203", "en", "0.93"),
        ("A AUC é de cerca de 0,93.", "AUC 0.9203", "pt_BR", "0,93"),
        ("Not rounded: 0.92.", "0.9250", "en", "0.92"),
        ("Accuracy 85.6 %.", "accuracy 0.8551", "en", "85.6 %"),
        ("It stopped after 58 of 300 rounds.", "best round 57 of 300", "en", "58"),
        ("Parou após 58 de 300 rodadas.", "rodada 57 de 300", "pt_BR", "58"),
        ("Code says 0.25 but the text 0.26.", "", "en", "0.26"),
    ],
)
def test_matcher_refuses(markdown, output, language, number):
    found = mismatches(synthetic(markdown, output, code="eta = 0.25"), language)
    assert [stated.text for _, stated in found] == [number]
    assert found[0][0] == "b" and number.split()[0] in found[0][1].sentence


def test_a_parameter_set_in_code_is_not_an_output_to_round():
    """A code value matches only exactly: 0.03 in the text is not 0.025 in the code."""
    assert mismatches(synthetic("At most 0.03.", "", code="eta = 0.03"), "en") == []
    assert len(mismatches(synthetic("At most 0.03.", "", code="eta = 0.025"), "en")) == 1


def test_a_wrong_number_added_to_a_real_notebook_fails():
    """The committed Task 1 notebook, one Markdown cell added: a result no output shows."""
    notebook = json.loads((NOTEBOOKS / "train_built_in.ipynb").read_text(encoding="utf-8"))
    before = len(mismatches(notebook, "en"))
    outputs = {round(v, 4) for c in notebook["cells"] for v in shown_numbers(output_text(c))}
    absent = next(v for v in (0.4242, 0.4343, 0.4444, 0.4545) if v not in outputs)
    notebook["cells"].append({"cell_type": "markdown", "id": "z", "source": [f"AUC {absent}."]})
    found = mismatches(notebook, "en")
    assert len(found) == before + 1 and found[-1][0] == "z"
