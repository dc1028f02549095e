"""The report model rendered twice: a Jupyter notebook (markdown cells, the chart as a
display_data PNG output; nothing to execute) and one self-contained HTML page (inline CSS,
the chart as a data: URI; no script, no external URL), readable offline.
"""

from __future__ import annotations

import base64
import html
import json

from localsm.clarify.report import Figure, Report, Table

NOTEBOOK_MINOR = 5  # nbformat 4.5: every cell has an id


def notebook(report: Report) -> str:
    """The report as an .ipynb document. Written as the nbformat v4 JSON directly (the tests
    validate it with nbformat): importing nbformat costs the job about 1.4 s."""
    cells = [_markdown(f"# {_md(report.title)}\n\n" + "\n\n".join(map(_md, report.intro)))]
    for section in report.sections:
        text = [f"## {_md(section.heading)}"]
        for item in section.items:
            if isinstance(item, Figure):
                cells.append(_markdown("\n\n".join(text)))
                cells.append(_figure(item))
                text = []
            elif isinstance(item, Table):
                text.append(_markdown_table(item))
            else:
                text.append(_md(item))
        if text:
            cells.append(_markdown("\n\n".join(text)))
    cells.append(_markdown(f"*{_md(report.footer)}*"))
    for number, cell in enumerate(cells):
        cell["id"] = f"clarify-{number}"
    document = {
        "cells": cells,
        "metadata": {"language_info": {"name": "python"}, "title": report.title},
        "nbformat": 4,
        "nbformat_minor": NOTEBOOK_MINOR,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _figure(figure: Figure) -> dict:
    """A code cell holding only its output: the chart, already computed."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["clarify-figure"]},
        "outputs": [
            {
                "output_type": "display_data",
                "data": {
                    "image/png": base64.b64encode(figure.png).decode("ascii"),
                    "text/plain": [figure.alt],
                },
                "metadata": {},
            }
        ],
        "source": f"# {figure.alt}",
    }


def _md(text: str) -> str:
    """Text shown literally in markdown (names such as `<=50K` or `sex_Female` included)."""
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


def _markdown_table(table: Table) -> str:
    lines = ["| " + " | ".join(map(_md, table.columns)) + " |",
             "|" + "---|" * len(table.columns)]  # fmt: skip
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 2em auto; max-width: 70em; padding: 0 1em; color: #1d2630; line-height: 1.45; }
h1 { font-size: 1.7em; border-bottom: 2px solid #2f6f9f; padding-bottom: .2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; color: #22506f; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .92em; }
th, td { border: 1px solid #c9d3dc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #eef3f7; }
td.value { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; }
footer { margin-top: 2.5em; font-size: .85em; color: #5b6770; }
"""


def html_page(report: Report) -> str:
    """The report as one standalone HTML page."""
    lang = "pt-BR" if report.language == "pt_BR" else "en"
    body = [f"<h1>{html.escape(report.title)}</h1>"]
    body += [f"<p>{html.escape(text)}</p>" for text in report.intro]
    for section in report.sections:
        body.append(f"<section>\n<h2>{html.escape(section.heading)}</h2>")
        for item in section.items:
            if isinstance(item, Figure):
                data = base64.b64encode(item.png).decode("ascii")
                body.append(f'<img src="data:image/png;base64,{data}" '
                            f'alt="{html.escape(item.alt)}">')  # fmt: skip
            elif isinstance(item, Table):
                body.append(_html_table(item))
            else:
                body.append(f"<p>{html.escape(item)}</p>")
        body.append("</section>")
    body.append(f"<footer>{html.escape(report.footer)}</footer>")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    numbers = _value_index(table)
    rows = []
    for row in table.rows:
        cells = "".join(
            f'<td class="value">{html.escape(c)}</td>' if i == numbers
            else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(row)
        )  # fmt: skip
        rows.append(f"<tr>{cells}</tr>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + \
        "\n</tbody>\n</table>"  # fmt: skip


def _value_index(table: Table) -> int:
    """The numbers' column: the third of a metrics table, the second of the SHAP table."""
    return 2 if len(table.columns) == 4 else 1
