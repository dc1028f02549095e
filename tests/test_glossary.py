"""One Portuguese glossary (README.pt_br.md, "Glossário"): every pt_BR text uses its terms, and
the English term appears only as a gloss in parentheses, in code or in a link's target."""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import REPO

# English term -> the Brazilian Portuguese term the course uses for it.
GLOSSARY = {
    "container": "contêiner",
    "tuner": "ajustador",
    "seed": "semente",
    "script mode": "modo script",
    "split": "divisão",
    "feature": "atributo",
    "label": "rótulo",
    "round": "rodada",
    "overfitting": "sobreajuste",
    "underfitting": "subajuste",
    "estimator": "estimador",
    "model trainer": "treinador de modelo",
    "early stopping": "parada antecipada",
    "training job": "job de treinamento",
    "test split": "conjunto de teste",
    "fit": "treinar",
    "hyperparameter tuning": "ajuste de hiperparâmetros",
    "recall": "revocação",
    "precision": "precisão",
    "accuracy": "acurácia",
    "baseline": "linha de base",
    "bias": "viés",
    "facet": "grupo",
}
TEXTS = sorted(
    [REPO / "README.pt_br.md", REPO / "dataset" / "README.pt_br.md"]
    + list((REPO / "notebooks").glob("**/*_pt_br.ipynb")),
)
# What a term may hide in: code spans and blocks, link targets, and glosses in parentheses.
HIDING_PLACES = re.compile(r"```.*?```|`[^`]*`|\]\([^)]*\)|\([^()]*\)", re.DOTALL)


def prose(path) -> str:
    """The Portuguese prose of a README or of a notebook's markdown cells."""
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    # The glossary's own table names the English terms.
    return re.sub(
        r"## Glossário.*?(?=\n## )", "", path.read_text(encoding="utf-8"), flags=re.DOTALL
    )


def english_terms(text: str) -> list[str]:
    """English glossary terms used as words of the Portuguese text (plurals included)."""
    visible = HIDING_PLACES.sub(" ", text)
    found = []
    for term in GLOSSARY:
        pattern = r"\b" + re.escape(term).replace(r"\ ", r"\s+") + r"s?\b"
        found += [m.group(0) for m in re.finditer(pattern, visible, re.IGNORECASE)]
    return found


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(REPO)))
def test_portuguese_texts_use_the_glossary(path):
    used = english_terms(prose(path))
    wanted = {GLOSSARY.get(re.sub(r"s$|\s+", " ", u.lower()).strip(), "?") for u in used}
    assert not used, (
        f"{path.relative_to(REPO)} uses English terms of the glossary: {sorted(set(used))}; "
        f"write {sorted(wanted)} (the English term may follow once, in parentheses)"
    )


def test_the_glossary_is_published_in_the_portuguese_readme():
    readme = (REPO / "README.pt_br.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Glossário") :]
    for english, portuguese in GLOSSARY.items():
        assert f"| {portuguese} | {english} |" in section


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("o ajustador (tuner) roda", []),
        ("o `tuner` roda", []),
        ("o tuner roda e o container para", ["tuner", "container"]),
        ("[link](notebooks/train_script_mode.ipynb) em script\nmode", ["script\nmode"]),
        ("as features e os labels", ["features", "labels"]),
    ],
)
def test_english_terms_are_found_outside_glosses_and_code(text, expected):
    assert sorted(english_terms(text)) == sorted(expected)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(REPO)))
def test_numbered_steps_are_etapas(path):
    """A numbered step of a notebook is an "etapa" (etapa 3.4), in prose and in comments."""
    text = path.read_text(encoding="utf-8")
    assert not re.findall(r"\bpassos?\s+\d+\.\d+", text), (
        f"{path.relative_to(REPO)}: write 'etapa N.N' for a numbered step, not 'passo N.N'"
    )
