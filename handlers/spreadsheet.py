"""The one CSV writer behind every download (the desk's tables, ``hcbot trends``' tables, the
questions and plans exports): a text cell a spreadsheet would read as a formula gets a leading
apostrophe, so a stranger's question "=HYPERLINK(...)" stays text on the secretariat's laptop.

Numbers stay numbers: an int or float is written as it is, and so is a text that is nothing but a
number ("-3"), which no spreadsheet can run.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Final

# What Excel, LibreOffice and Google Sheets take as the start of a formula (tab and CR too: some
# strip them first).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV table (comma-separated, "\\n" line ends) with its header, every cell made safe."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return output.getvalue()
