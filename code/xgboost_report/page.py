"""The report laid out three ways: a standalone HTML page, a notebook view, PNG files.

Each is a loop over the report's sections (displays, `Report.displays()`) under its header
(`Header`, `Report.header()`): the page and the interactive notebook view draw them with Bokeh,
the static notebook view and the PNG files with matplotlib. Every word is in the header's
language. Nothing here knows the `Report`: it gets the header and the sections.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .constants import PNG_DPI
from .wording import HTML_LANG, Words, language_code

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .sections import Section, Table

HEADLINE = ("auc", "accuracy", "f1_label_1", "f1_label_0", "f1_macro", "rmse", "mae", "r2")
# The header's tiles and notes are styled inline, not by class: a notebook shows the header
# without the page's stylesheet, and JupyterLab drops <style> from untrusted outputs (a fresh
# clone) but keeps style attributes.
TILES_STYLE = "display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0"
TILE_STYLE = "border: 1px solid #ddd; border-radius: 6px; padding: 0.4rem 0.9rem"
TILE_LABEL_STYLE = "display: block; color: #666; font-size: 0.8rem"
TILE_VALUE_STYLE = "font-size: 1.3rem"
NOTES_STYLE = (
    "background: #f6f8fa; border-left: 4px solid #9ab; padding: 0.2rem 1rem; margin: 1rem 0"
)


@dataclass(frozen=True)
class Header:
    """What the top of the report shows: title and date, the model's facts, the headline
    numbers (`Report.summary()`) and the notes, in `language`."""

    title: str
    created: datetime
    language: str
    objective: str
    rounds: int
    features: int
    rows: int
    labelled: bool
    xgboost_version: str
    summary: Mapping[str, Any]
    notes: Sequence[str] = ()


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------------- the HTML page


def write_html(header: Header, sections: Sequence[Section], path: Path) -> Path:
    """Write the report as one standalone HTML file (Bokeh inline: works offline)."""
    from bokeh.embed import file_html
    from bokeh.models import Div
    from bokeh.resources import INLINE

    say = Words("page", language=header.language)
    parts: list[tuple[str, str]] = [
        ("html", _header_html(header, sections)),
        ("html", _toc_html(header.language, sections)),
    ]
    roots = []
    for number, s in enumerate(sections, 1):
        parts.append(("html", f'<section id="{s.id}"><h2>{number}. {_e(s.title)}</h2>'))
        parts.append(("html", f'<p class="how">{_e(s.text)}</p>'))
        if s.skipped:
            parts.append(("html", f'<p class="skipped">{say("skipped")} {_e(s.skipped)}</p>'))
            parts.append(("html", "</section>"))
            continue
        parts.append(("html", s.html()))
        for figure in s.to_bokeh():
            figure.name = f"plot{len(roots)}"
            roots.append(figure)
            parts.append(("plot", figure.name))
        parts.extend(("html", _table_html(table)) for table in s.tables())
        parts.append(("html", "</section>"))
    parts.append(("html", f"<footer>{say('footer')}</footer>"))
    if not roots:  # Bokeh needs a root to render a page
        roots.append(Div(text="", name="empty"))
    page = file_html(
        roots,
        resources=INLINE,
        title=header.title,
        template=_PAGE_TEMPLATE,
        template_variables={"parts": parts, "report_css": _CSS},
    )
    page = _with_language(page, header.language)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path.absolute()


def _with_language(page: str, language: str) -> str:
    """The page with the `<html lang>` of `language` (Bokeh's template writes "en")."""
    tag = '<html lang="en">'
    if tag not in page:  # pragma: no cover - a Bokeh template without it
        raise RuntimeError(f"Bokeh's page template has no {tag}")
    return page.replace(tag, f'<html lang="{HTML_LANG[language_code(language)]}">', 1)


def _header_html(header: Header, sections: Sequence[Section]) -> str:
    """Title, date, the model's facts, the headline numbers, notes, and what was skipped."""
    say = Words("page", language=header.language)
    rows = [
        (say("objective"), header.objective),
        (say("rounds"), str(header.rounds)),
        (say("features"), str(header.features)),
        (
            say("rows"),
            say.number(header.rows, ",") + ("" if header.labelled else say("no_labels")),
        ),
        (say("xgboost"), header.xgboost_version),
    ]
    summary = header.summary
    headline = [(say(f"headline.{k}"), v) for k, v in summary.items() if k in HEADLINE]
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    heads = "".join(
        f'<div class="metric" style="{TILE_STYLE}"><span style="{TILE_LABEL_STYLE}">{_e(k)}</span>'
        f'<b style="{TILE_VALUE_STYLE}">{say.number(v, ".4f")}</b></div>'
        for k, v in headline
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in header.notes)
    skipped = "".join(
        f"<li><a href='#{s.id}'>{_e(s.title)}</a>: {_e(s.skipped)}</li>"
        for s in sections
        if s.skipped
    )
    return (
        f'<header id="report-title"><h1>{_e(header.title)}</h1>'
        f'<p class="created">{say("created", created=header.created)}</p>'
        f'<table class="meta">{table}</table>'
        + (f'<div class="metrics" style="{TILES_STYLE}">{heads}</div>' if heads else "")
        + (_notes_html(say("notes"), notes) if notes else "")
        + (_notes_html(say("sections_skipped"), skipped) if skipped else "")
        + "</header>"
    )


def _notes_html(title: str, items: str) -> str:
    return f'<div class="notes" style="{NOTES_STYLE}"><h3>{_e(title)}</h3><ul>{items}</ul></div>'


def _toc_html(language: str, sections: Sequence[Section]) -> str:
    say = Words("page", language=language)
    items = "".join(
        f'<li><a href="#{s.id}">{_e(s.title)}</a>'
        + (f' <span class="skip">{say("skipped_mark")}</span>' if s.skipped else "")
        + "</li>"
        for s in sections
    )
    return f'<nav id="contents"><h2>{say("contents")}</h2><ol>{items}</ol></nav>'


def _formatted(frame: Any, formats: dict | None) -> Any:
    """A copy with the given columns as formatted text (other floats: 4 decimals)."""
    shown = frame.copy()
    for column in shown.columns:
        pattern = (formats or {}).get(column)
        if pattern is None and shown[column].dtype.kind != "f":
            continue
        pattern = pattern or "{:.4f}"
        shown[column] = [
            pattern.format(v) if isinstance(v, int | float) and not math.isnan(v) else v
            for v in shown[column]
        ]
    return shown


def _table_html(table: Table) -> str:
    body = _formatted(table.frame, table.formats).to_html(border=0, classes="data")
    return f'<figure class="table"><figcaption>{_e(table.caption)}</figcaption>{body}</figure>'


# ---------------------------------------------------------------------- notebook and PNG


def show(
    header: Header, sections: Sequence[Section], interactive: bool = False, text: str = ""
) -> None:
    """Display the report in a Jupyter notebook (static PNG figures unless `interactive`);
    outside a notebook, print its text version (`text`)."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, Image, display
    except ImportError:  # pragma: no cover - IPython missing: plain text
        print(text)
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        print(text)
        return
    from bokeh.io import show as show_bokeh

    if interactive:
        _notebook_output()
    say = Words("page", language=header.language)
    display(HTML(_header_html(header, sections) + _toc_html(header.language, sections)))
    for number, s in enumerate(sections, 1):
        text = f'<h2 id="{s.id}">{number}. {_e(s.title)}</h2><p>{_e(s.text)}</p>'
        if s.skipped:
            display(HTML(text + f"<p><b>{say('skipped')}</b> {_e(s.skipped)}</p>"))
            continue
        display(HTML(text + s.html()))
        if interactive:
            for figure in s.to_bokeh():
                show_bokeh(figure)
        elif s.has_figure:
            display(Image(data=png_bytes(s.to_matplotlib()), format="png"))
        for table in s.tables():
            display(HTML(f"<b>{_e(table.caption)}</b>"))
            display(_formatted(table.frame, table.formats))


def save_pngs(sections: Sequence[Section], folder: Path) -> list[Path]:
    """One PNG per section figure (those that apply), named as in `STATIC_FIGURES`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for section in sections:
        if section.has_figure:
            path = folder / section.png_name
            path.write_bytes(png_bytes(section.to_matplotlib()))
            written.append(path)
    return written


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes, laid out tight, without the matplotlib version in it."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


_NOTEBOOK_READY: list[Any] = []


def _notebook_output() -> None:
    """Load BokehJS into the notebook once per kernel session, inline and without the banner."""
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE
    from IPython import get_ipython

    shell = get_ipython()
    if shell not in _NOTEBOOK_READY:
        output_notebook(resources=INLINE, hide_banner=True)
        _NOTEBOOK_READY.append(shell)


_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #222; max-width: 1080px; margin: 0 auto; padding: 1.5rem 2rem 3rem;
       line-height: 1.45; height: auto; display: block; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.created { color: #666; margin-top: 0; }
table.meta th { text-align: left; padding-right: 1.5rem; font-weight: 600; }
.notes h3 { margin: 0.5rem 0 0; font-size: 1rem; }
p.how { color: #333; max-width: 52rem; }
p.skipped { background: #fff6e5; border-left: 4px solid #e0a030; padding: 0.5rem 1rem; }
p.big { font-size: 1.1rem; }
.skip { color: #a60; font-size: 0.9rem; }
figure.table { margin: 1rem 0; }
figure.table figcaption { font-weight: 600; margin-bottom: 0.3rem; }
table.data { border-collapse: collapse; font-size: 0.9rem; }
table.data th, table.data td { border-bottom: 1px solid #e5e5e5; padding: 0.25rem 0.7rem;
                               text-align: right; }
table.data thead th { border-bottom: 2px solid #bbb; }
footer { margin-top: 3rem; color: #777; font-size: 0.85rem; }
"""

_PAGE_TEMPLATE = """
{% from macros import embed %}
{% block postamble %}<style>{{ report_css }}</style>{% endblock %}
{% block contents %}
{% for kind, value in parts %}
{% if kind == "plot" %}{{ embed(roots[value]) }}{% else %}{{ value }}{% endif %}
{% endfor %}
{% endblock %}
"""
