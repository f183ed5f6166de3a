"""The brief written out: Markdown (tables only), Word (each chart as a picture, its table after it)
and a standalone HTML page (each chart as inline SVG, its table beside it; one column on a phone)."""

from __future__ import annotations

import html
import io
from typing import Final

from handlers.i18n import number, t
from handlers.spreadsheet import csv_text
from handlers.trends.brief import Brief, TrendTable
from handlers.trends.charts import chart_image, chart_svg


def cell_text(value: str | int, language: str) -> str:
    return number(value, language) if isinstance(value, int) else value


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def brief_markdown(brief: Brief) -> str:
    language = brief.language
    lines = [f"# {brief.title}", "", brief.period, ""]
    for section in brief.sections:
        lines += [f"## {section.title}", ""]
        for line in section.lines:
            lines += [line, ""]
        for table in section.tables:
            lines += [f"### {table.title}", ""]
            if table.note:
                lines += [table.note, ""]
            if not table.rows:
                lines += [t("trends.empty", language), ""]
                continue
            lines.append("| " + " | ".join(_md_cell(column) for column in table.columns) + " |")
            lines.append("|" + "|".join("---" if position == 0 else "---:" for position in range(len(table.columns)))
                         + "|")
            for row in table.rows:
                lines.append("| " + " | ".join(_md_cell(cell_text(cell, language)) for cell in row) + " |")
            lines.append("")
    return "\n".join(lines)


def table_csv(table: TrendTable) -> str:
    """A table as CSV, numbers as plain digits (a spreadsheet reads them), no text read as a formula."""
    return csv_text(table.columns, table.rows)


def brief_docx(brief: Brief) -> bytes:
    """A Word document: headings for the navigation pane, each chart as a picture, then its table."""
    from docx import Document
    from docx.shared import Cm, Mm, Pt

    language = brief.language
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    for section_layout in document.sections:
        section_layout.page_width, section_layout.page_height = Mm(210), Mm(297)
        section_layout.left_margin = section_layout.right_margin = Cm(2)
    document.core_properties.title = brief.title
    document.core_properties.language = "fr-FR" if language == "fr" else "en-GB"
    document.add_heading(brief.title, level=0)
    document.add_paragraph(brief.period)
    for section in brief.sections:
        document.add_heading(section.title, level=1)
        for line in section.lines:
            document.add_paragraph(line)
        for table in section.tables:
            document.add_heading(table.title, level=2)
            if table.note:
                document.add_paragraph(table.note).runs[0].italic = True
            if not table.rows:
                document.add_paragraph(t("trends.empty", language))
                continue
            if table.chart is not None:
                document.add_picture(io.BytesIO(chart_image(table, "png")), width=Cm(16))
            grid = document.add_table(rows=1, cols=len(table.columns))
            grid.style = "Table Grid"
            for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(column).bold = True
            for row in table.rows:
                for cell, value in zip(grid.add_row().cells, row, strict=True):
                    cell.text = cell_text(value, language)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


STANDALONE_STYLE: Final = """
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 72rem; padding: 0 1rem; color: #111; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; align-items: start; }
.pair svg { width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.9rem; }
.scroll { overflow-x: auto; max-width: 100%; }
figure { margin: 0; }
th, td { border: 1px solid #999; padding: 0.2rem 0.4rem; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
@media (max-width: 600px) { .pair { grid-template-columns: minmax(0, 1fr); } }
"""


def table_html(table: TrendTable, language: str) -> str:
    """A table's HTML (escaped), numbers right-aligned; shared by the file and the web desk."""
    head = "".join(f"<th scope=\"col\">{html.escape(column)}</th>" for column in table.columns)
    body = "".join(
        "<tr>" + "".join(
            f"<td class=\"n\">{html.escape(cell_text(cell, language))}</td>" if isinstance(cell, int)
            else f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows)
    return (f"<table data-table=\"{table.key}\"><caption>{html.escape(table.title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def brief_html(brief: Brief) -> str:
    """A standalone page (one file to send by e-mail): inline SVG charts, their tables beside them."""
    language = brief.language
    parts = [f"<!DOCTYPE html><html lang=\"{language}\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             f"<title>{html.escape(brief.title)}</title><style>{STANDALONE_STYLE}</style></head><body>",
             f"<h1>{html.escape(brief.title)}</h1><p>{html.escape(brief.period)}</p>"]
    for section in brief.sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts += [f"<p>{html.escape(line)}</p>" for line in section.lines]
        for table in section.tables:
            parts.append(f"<h3>{html.escape(table.title)}</h3>")
            if table.note:
                parts.append(f"<p><em>{html.escape(table.note)}</em></p>")
            if not table.rows:
                parts.append(f"<p>{html.escape(t('trends.empty', language))}</p>")
                continue
            # A wide table (twelve months) scrolls in its own box rather than widening the page.
            grid = f"<div class=\"scroll\">{table_html(table, language)}</div>"
            if table.chart is None:
                parts.append(grid)
            else:
                parts.append(f"<div class=\"pair\"><figure>{chart_svg(table)}</figure>{grid}</div>")
    parts.append("</body></html>")
    return "".join(parts)
