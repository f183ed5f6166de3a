"""The brief's charts, drawn on the server with matplotlib (Agg: no display, no browser): SVG for
the web, PNG for Word. Readable in black and white: shades of grey, each series with its own hatch
and edge, a legend, a title and labelled axes; the numbers are in the table beside each chart."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Final

from handlers.trends.brief import TrendTable

GREYS: Final = ("#222222", "#777777", "#bbbbbb", "#ffffff", "#eeeeee", "#555555")
HATCHES: Final = ("", "//", "..", "xx", "\\\\", "--")
MOST_ROWS: Final = 15
"""Bars drawn at most (the table beside it has every row)."""


def _number(cell: str | int) -> float:
    return float(cell) if isinstance(cell, int) else 0.0


def _figure(table: TrendTable) -> object:
    # The object-oriented API, not pyplot: no global state, so two requests drawing at once on the
    # web desk cannot draw into each other's figure.
    from matplotlib.figure import Figure

    chart = table.chart
    assert chart is not None
    rows = list(table.rows[:-1] if chart.without_total else table.rows)[:MOST_ROWS]
    labels = [str(row[0]) for row in rows]
    names = [table.columns[position] for position in chart.series]
    height = 3.2 if chart.kind != "barh" else max(2.6, 0.42 * len(rows) + 1.6)
    figure = Figure(figsize=(7.0, height), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(table.title, fontsize=11, loc="left")
    if chart.kind == "barh":
        positions = list(range(len(rows)))
        left = [0.0] * len(rows)
        for number, (column, name) in enumerate(zip(chart.series, names, strict=True)):
            values = [_number(row[column]) for row in rows]
            axes.barh(positions, values, left=left, label=name, color=GREYS[number % len(GREYS)],
                      hatch=HATCHES[number % len(HATCHES)], edgecolor="black", linewidth=0.6)
            left = [start + value for start, value in zip(left, values, strict=True)]
        axes.set_yticks(positions, labels, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlabel(chart.x_label)
        axes.set_ylabel(chart.y_label)
    elif chart.kind == "bars":
        width = 0.8 / max(1, len(chart.series))
        for number, (column, name) in enumerate(zip(chart.series, names, strict=True)):
            values = [_number(row[column]) for row in rows]
            axes.bar([position + number * width for position in range(len(rows))], values, width, label=name,
                     color=GREYS[number % len(GREYS)], hatch=HATCHES[number % len(HATCHES)], edgecolor="black",
                     linewidth=0.6)
        axes.set_xticks([position + width * (len(chart.series) - 1) / 2 for position in range(len(rows))], labels)
        axes.set_xlabel(chart.x_label)
        axes.set_ylabel(chart.y_label)
    else:
        styles = ("-", "--", ":", "-.")
        markers = ("o", "s", "^", "D")
        for number, (column, name) in enumerate(zip(chart.series, names, strict=True)):
            axes.plot(labels, [_number(row[column]) for row in rows], label=name, color="black",
                      linestyle=styles[number % len(styles)], marker=markers[number % len(markers)])
        axes.set_xlabel(chart.x_label)
        axes.set_ylabel(chart.y_label)
        axes.tick_params(axis="x", labelsize=8, labelrotation=45)
        axes.set_ylim(bottom=0)
    axes.grid(axis="x" if chart.kind == "barh" else "y", color="#cccccc", linewidth=0.5)
    axes.set_axisbelow(True)
    if len(chart.series) > 1:
        # Beside the plot, never over a bar.
        axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


@lru_cache(maxsize=64)
def chart_image(table: TrendTable, image_format: str) -> bytes:
    """The table's chart as ``svg`` or ``png`` bytes (the same drawing). Kept for the same table:
    the desk's trends page asks for its charts on every view, and drawing one takes a tenth of a second."""
    from matplotlib import rc_context

    figure = _figure(table)
    buffer = io.BytesIO()
    # Text as text in the SVG (searchable, small), a fixed salt so the same data draws the same file.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": table.key, "font.family": "DejaVu Sans"}):
        figure.savefig(buffer, format=image_format, metadata={"Date": None} if image_format == "svg" else None)  # type: ignore[attr-defined]
    return buffer.getvalue()


def chart_svg(table: TrendTable) -> str:
    """The SVG element alone (no XML prologue), to put inline in an HTML page."""
    text = chart_image(table, "svg").decode("utf-8")
    return text[text.index("<svg"):].strip()
