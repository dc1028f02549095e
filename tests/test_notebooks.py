"""The notebooks as files: bilingual parity, translation freshness, clean committed content."""

from __future__ import annotations

import hashlib
import io
import re
import tokenize

import nbformat
import pytest

from conftest import REPO

NOTEBOOKS = REPO / "notebooks"
# Paths relative to notebooks/: the SDK v2 pairs, then their SDK v3 twins in sdk_v3/.
PAIRS = [("train_built_in.ipynb", "train_built_in_pt_br.ipynb"),
         ("train_script_mode.ipynb", "train_script_mode_pt_br.ipynb"),
         ("sdk_v3/train_built_in.ipynb", "sdk_v3/train_built_in_pt_br.ipynb"),
         ("sdk_v3/train_script_mode.ipynb", "sdk_v3/train_script_mode_pt_br.ipynb"),
         ("deploy_and_predict.ipynb", "deploy_and_predict_pt_br.ipynb"),
         ("sdk_v3/deploy_and_predict.ipynb", "sdk_v3/deploy_and_predict_pt_br.ipynb"),
         ("explain_and_bias.ipynb", "explain_and_bias_pt_br.ipynb"),
         ("sdk_v3/explain_and_bias.ipynb", "sdk_v3/explain_and_bias_pt_br.ipynb")]  # fmt: skip
ALL = [name for pair in PAIRS for name in pair]
# Every task exists for both SDK generations.
TWINNED = ALL
V3 = "sdk_v3/"
ALLOWED_NOTEBOOK_METADATA = {"kernelspec", "language_info"}
ALLOWED_CELL_METADATA = {"tags", "translation"}
# Machine paths, and account IDs other than the local placeholder 000000000000 in role ARNs and
# bucket names (`s3://sagemaker-us-east-1-000000000000/...` is local mode's default bucket).
LEAKS = re.compile(
    r"/root/|/home/[a-z]|/Users/|/work/|arn:aws:iam::(?!000000000000)\d{12}:"
    r"|s3://[a-z0-9.-]*?(?<!\d)(?!000000000000(?!\d))\d{12}(?!\d)"
)


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def source_hash(text: str) -> str:
    """What a Portuguese markdown cell records about the English cell it translates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def without_comments(code: str) -> str:
    """The code with comments removed (comments may be translated; code may not)."""
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    kept = [t for t in tokens if t.type != tokenize.COMMENT]
    return "\n".join(line.rstrip() for line in tokenize.untokenize(kept).splitlines())


@pytest.mark.parametrize(("english", "portuguese"), PAIRS)
def test_pairs_have_the_same_cells_and_code(english, portuguese):
    en, pt = read(english), read(portuguese)
    assert len(en.cells) == len(pt.cells), "the pair must have the same number of cells"
    for index, (a, b) in enumerate(zip(en.cells, pt.cells, strict=True)):
        where = f"cell {index} ({a.get('id')})"
        assert a.cell_type == b.cell_type, where
        assert a.get("id") == b.get("id"), f"{where}: cell ids differ"
        assert a.metadata.get("tags", []) == b.metadata.get("tags", []), f"{where}: tags differ"
        if a.cell_type == "code":
            assert without_comments(a.source) == without_comments(b.source), (
                f"{where}: code differs between {english} and {portuguese} (only comments may)"
            )


@pytest.mark.parametrize(("english", "portuguese"), PAIRS)
def test_translations_are_up_to_date(english, portuguese):
    """Each Portuguese markdown cell records the hash of the English cell it translates: edit
    the English prose and this fails until the translation is updated (and its hash)."""
    en, pt = read(english), read(portuguese)
    for index, (a, b) in enumerate(zip(en.cells, pt.cells, strict=True)):
        if a.cell_type != "markdown":
            continue
        recorded = b.metadata.get("translation", {}).get("source_hash")
        assert recorded == source_hash(a.source), (
            f"{portuguese} cell {index} ({b.get('id')}) translates an older version of "
            f"{english} cell {index}: update the translation, then set its metadata "
            f'"translation": {{"source_hash": "{source_hash(a.source)}"}}'
        )
        assert a.source != b.source, f"{portuguese} cell {index} is not translated"


@pytest.mark.parametrize("name", ALL)
def test_notebook_is_clean(name):
    notebook = read(name)
    assert set(notebook.metadata) <= ALLOWED_NOTEBOOK_METADATA, set(notebook.metadata)
    counts = []
    for cell in notebook.cells:
        assert set(cell.metadata) <= ALLOWED_CELL_METADATA, (cell.get("id"), set(cell.metadata))
        if cell.cell_type == "code":
            counts.append(cell.execution_count)
            text = nbformat.writes(nbformat.v4.new_notebook(cells=[cell]))
            assert not LEAKS.search(text), f"{name} cell {cell.get('id')}: {LEAKS.search(text)}"
    executed = [c for c in counts if c is not None]
    assert executed in ([], list(range(1, len(counts) + 1))), (
        f"{name}: execution counts {counts} are not 1..n (run it top to bottom in a fresh kernel)"
    )
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name} needs exactly one cell tagged 'parameters'"


def twin(name: str) -> str:
    """The same notebook in the other SDK generation, as a link relative to `name`."""
    return name.removeprefix(V3) if name.startswith(V3) else V3 + name


@pytest.mark.parametrize("name", TWINNED)
def test_notebook_links_to_its_twin_in_the_other_sdk_generation(name):
    """Near the top, each notebook says which SDK generation it uses and links to its twin."""
    target = twin(name)
    link = f"(../{target})" if name.startswith(V3) else f"({target})"
    assert (NOTEBOOKS / target).is_file(), target
    top = [cell.source for cell in read(name).cells[:3] if cell.cell_type == "markdown"]
    assert any(link in text for text in top), f"{name}: no link {link} in its first cells"


@pytest.mark.parametrize(
    "text",
    ["s3://sagemaker-us-east-1-123456789012/xgboost-lab/output",
     "arn:aws:iam::123456789012:role/Admin", "/home/ana/lab", "s3://acme-210987654321-data/x"],
)  # fmt: skip
def test_leak_pattern_catches_real_accounts_and_paths(text):
    assert LEAKS.search(text)


@pytest.mark.parametrize(
    "text",
    ["s3://sagemaker-us-east-1-000000000000/xgboost-lab/output/xgboost-built-in-20261123132543",
     "arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole", "<repo>/outputs/models"],
)  # fmt: skip
def test_leak_pattern_tolerates_the_local_placeholder_account(text):
    assert not LEAKS.search(text)


@pytest.mark.parametrize("name", [n for n in ALL if n.endswith("_pt_br.ipynb")])
def test_papermill_examples_name_the_notebook_they_are_in(name):
    """A learner copies the command from the notebook in front of them (its own language)."""
    text = "\n".join(c.source for c in read(name).cells if c.cell_type == "markdown")
    named = re.findall(r"papermill (notebooks/\S+\.ipynb)", text)
    assert all(path == f"notebooks/{name}" for path in named), (name, named)


# CommonMark (spec 0.31, "Lists" and "Paragraphs"): a bullet list, an ordered list that starts
# at 1, an ATX heading or a block quote may interrupt a paragraph, so prose wrapped before
# "1) ...", "- ...", "# ..." or "> ..." renders as a list, heading or quote.
INTERRUPTS = re.compile(r"^(1[.)]|[-*+]|#{1,6}|>)(\s|$)")
LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s")


def accidental_blocks(markdown: str) -> list[str]:
    """Lines of `markdown` that start a list, heading or quote in the middle of a paragraph
    (not in a list, a table, HTML or a code fence)."""
    found, paragraph, listed, fenced = [], False, False, False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not line.strip():
            paragraph = listed = False
            continue
        if INTERRUPTS.match(line) and paragraph and not listed:
            found.append(line)
        listed = listed or bool(LIST_ITEM.match(line))
        paragraph = not line.startswith(("#", "|", "<"))
    return found


def test_accidental_blocks_are_found():
    assert accidental_blocks("as in Task\n1) and then") == ["1) and then"]
    assert accidental_blocks("ends in\n- a dash") == ["- a dash"]
    assert accidental_blocks("see issue\n# 12") == ["# 12"]
    assert accidental_blocks("1. one\n   more\n2. two\n\n- a\n- b\n\n## Title\n- item") == []
    assert accidental_blocks("in July\n2027. It") == []  # only a list that starts at 1


@pytest.mark.parametrize("name", ALL)
def test_wrapped_prose_never_starts_a_list_or_heading(name):
    notebook = read(name)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            assert not accidental_blocks(cell.source), (
                f"{name} cell {index}: a wrapped line starts a list, heading or quote "
                f"({accidental_blocks(cell.source)}): rewrap the paragraph"
            )
