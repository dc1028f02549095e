"""The checks of aux/notebook_tour.py: what JupyterLab rendered (read by
notebook_tour_probe.js) against the notebook's file and the rules a learner relies on.

Each check adds `Problem`s (notebook, cell counted from 0, what) to the notebook's `Visit`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_OUTPUT_LINES = 80
# Notebooks that must display at least this many figures (the training report's).
MIN_FIGURES = {"train_built_in*.ipynb": 6}
# The report's headline tiles, as code/xgboost_report/page.py (`_header_html`) writes them:
# <div class="metrics"><div class="metric"><span>AUC</span><b>0.9203</b></div>...</div>
TILE_SELECTOR = ".metrics > .metric"
TILE_MARKUP = re.compile(r"""class=["']metric["']""")


@dataclass
class Problem:
    notebook: str
    cell: int | None  # None: the notebook as a whole
    what: str

    def __str__(self) -> str:
        where = self.notebook if self.cell is None else f"{self.notebook} cell {self.cell}"
        return f"{where}: {self.what}"


@dataclass
class Visit:
    """What the tour saw in one notebook."""

    notebook: str
    cells: int = 0
    figures: int = 0
    tiles: int = 0
    links: int = 0
    screenshots: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, cell: int | None, what: str) -> None:
        self.problems.append(Problem(self.notebook, cell, what))


# ---------------------------------------------------------------------- the notebook file


def read_cells(notebook: str) -> list[dict]:
    return json.loads((REPO / notebook).read_text(encoding="utf-8"))["cells"]


def text_of(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def expected_figures(cell: dict) -> int:
    """Images the cell's committed outputs hold: image outputs and `<img>` in HTML outputs."""
    count = 0
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        count += any(kind.startswith("image/") for kind in data)
        count += len(re.findall(r"<img\b", text_of(data.get("text/html", "")), re.IGNORECASE))
    return count


def expected_tiles(cell: dict) -> int:
    outputs = cell.get("outputs", [])
    return sum(
        len(TILE_MARKUP.findall(text_of(o.get("data", {}).get("text/html", "")))) for o in outputs
    )


CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
# A formula written on purpose: $$...$$, \(...\), \[...\], an environment, or $...$ holding TeX
# (a command, a sub- or superscript, braces). Prices and JSONPath ("$5 and $10", "$[1:]")
# hold none of these, so a formula JupyterLab typesets in such a cell is a mistake.
INTENDED_MATH = re.compile(
    r"\$\$.+?\$\$|\\\(.+?\\\)|\\\[.+?\\\]|\\begin\{|\$[^$\n]*[\\^_{}][^$\n]*\$", re.DOTALL
)
DOLLAR_SPAN = re.compile(r"\$[^$]{0,60}\$?")


def prose(markdown: str) -> str:
    """Markdown without fenced blocks and code spans (JupyterLab typesets neither)."""
    return CODE_SPAN.sub("", FENCE.sub("", markdown))


def intends_math(markdown: str) -> bool:
    return bool(INTENDED_MATH.search(prose(markdown)))


def error_texts(cell: dict) -> list[str]:
    """`ename: evalue` of each error output of the cell."""
    return [
        f"{o.get('ename', '')}: {o.get('evalue', '')}"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]


# ---------------------------------------------------------------------- the checks


def check_outputs(visit: Visit, index: int, cell: dict, seen: dict) -> None:
    """stderr and error boxes, long outputs, typeset text in outputs."""
    errors = error_texts(cell)
    unmatched = list(errors)
    for text in seen["stderr"]:  # an error output is a pink box too: its traceback
        match = next((e for e in unmatched if all(part in text for part in e.split(": ", 1))), None)
        if match is not None:
            unmatched.remove(match)
            continue
        first = next((line for line in text.splitlines() if line.strip()), "").strip()
        visit.problem(index, f"stderr output (pink box): {first[:120]!r}")
    for error in errors:
        shown = "" if error not in unmatched else " (not displayed)"
        visit.problem(index, f"error output{shown}: {error[:160]}")
    for number, lines in enumerate(seen["lines"]):
        if lines > MAX_OUTPUT_LINES:
            visit.problem(index, f"output {number} shows {lines} lines (limit {MAX_OUTPUT_LINES})")
    if seen["output_math"]:
        visit.problem(
            index,
            f"JupyterLab typeset {seen['output_math']} piece(s) of an output as a formula",
        )


def check_figures(visit: Visit, index: int, cell: dict, seen: dict) -> None:
    shown = sum(1 for image in seen["images"] if image["ok"])
    broken = [image["src"] for image in seen["images"] if not image["ok"]]
    visit.figures += shown
    if broken:
        visit.problem(index, f"{len(broken)} image(s) not displayed: {broken[0][:80]}")
    expected = expected_figures(cell)
    if shown < expected:
        visit.problem(index, f"{expected} figure(s) in the outputs, {shown} displayed")


def check_tiles(visit: Visit, index: int, cell: dict, seen: dict) -> None:
    visit.tiles += len(seen["tiles"])
    expected = expected_tiles(cell)
    if len(seen["tiles"]) < expected:
        visit.problem(index, f"{expected} report tile(s) in the output, {len(seen['tiles'])} shown")
    plain = [tile for tile in seen["tiles"] if tile["faults"]]
    if plain:
        tile = plain[0]
        visit.problem(
            index,
            f"{len(plain)} report tile(s) without their styling, shown as "
            f"{tile['text']!r}: {'; '.join(tile['faults'])}",
        )


def check_math(visit: Visit, index: int, cell: dict, seen: dict) -> None:
    if not seen["math"] or cell["cell_type"] != "markdown":
        return
    source = text_of(cell["source"])
    if intends_math(source):
        return
    span = DOLLAR_SPAN.search(prose(source))
    shown = f": {span.group(0)!r}" if span else ""
    visit.problem(
        index,
        f"JupyterLab typeset {seen['math']} formula(s) the markdown does not intend{shown}"
        " (escape the dollar signs as \\$)",
    )


def link_target(notebook: str, href: str, server_url: str) -> str | None:
    """The repository path a link points to, or None for other sites and schemes."""
    if href.startswith(server_url):
        path = urllib.parse.urlsplit(href).path
        for prefix in ("/files/", "/lab/tree/", "/tree/", "/edit/", "/notebooks/"):
            if path.startswith(prefix):
                return urllib.parse.unquote(path[len(prefix) :])
        return None
    parts = urllib.parse.urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    base = Path(notebook).parent
    return (base / urllib.parse.unquote(parts.path)).as_posix()


def git_ignored(path: Path) -> bool:
    found = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", str(path)], cwd=REPO, check=False
    )
    return found.returncode == 0


def check_links(visit: Visit, index: int, seen: dict, server_url: str) -> None:
    for link in seen["links"]:
        visit.links += 1
        href = link["href"]
        if href.startswith("#"):
            if not link["anchor_found"]:
                visit.problem(index, f"link {link['text']!r} to {href}: no such heading here")
            continue
        target = link_target(visit.notebook, href, server_url)
        if target is None:
            continue
        path = Path(os.path.normpath(REPO / target))
        shown = f"link {link['text']!r} to {target}"
        if not path.is_relative_to(REPO):
            visit.problem(index, f"{shown}: outside the repository")
        elif not path.exists():
            if git_ignored(path):
                visit.notes.append(f"cell {index}: {shown} (made when the notebook runs)")
            else:
                visit.problem(index, f"{shown}: no such file")


def check_notebook(visit: Visit, cells: list[dict], seen: dict, server_url: str) -> None:
    if len(seen["cells"]) != len(cells):
        visit.problem(None, f"{len(cells)} cells in the file, {len(seen['cells'])} rendered")
    for index, (cell, shown) in enumerate(zip(cells, seen["cells"], strict=False)):
        check_outputs(visit, index, cell, shown)
        check_figures(visit, index, cell, shown)
        check_tiles(visit, index, cell, shown)
        check_math(visit, index, cell, shown)
        check_links(visit, index, shown, server_url)
    name = Path(visit.notebook).name
    for pattern, least in MIN_FIGURES.items():
        if fnmatch(name, pattern) and visit.figures < least:
            visit.problem(None, f"{visit.figures} figure(s) displayed, at least {least} expected")
