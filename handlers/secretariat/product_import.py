"""`hcbot kb import products.csv`: a spreadsheet of learning products, one row each, becomes the
library's Markdown files.

All or nothing, like `hcbot admin import`: every row is checked by the very validation that loads
the library (each row is written as the file it would become and read back), every problem is
reported as ``file:row: field: message``, and files are written only when no row has one. The
spreadsheet comes out of Excel, so the reading is the imports' own (:mod:`handlers.secretariat.imports`):
UTF-8 or UTF-16, a size limit, Excel's ``sep=`` line and the semicolons French Excel writes; and
cells are read as Excel writes them (VRAI/FAUX, 04/10/2016, lists in one cell).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from handlers.i18n import t
from handlers.secretariat.imports import DEFAULT_MAX_BYTES, ImportRejected, delimiter_for, excel_hint, read_text
from knowledge import Problem, Thesaurus
from knowledge.documents import impossible_date
from knowledge.library_files import product_warnings, read_product, validate_library
from knowledge.products import LearningProduct
from knowledge.taxonomy import PRODUCT_TYPES

COLUMNS = ("id", "title", "type", "topics", "countries", "date", "year", "language", "url", "summary",
           "illustrative", "source", "speakers", "recording", "review_by", "time", "timezone", "duration_minutes",
           "join_link", "body")
REQUIRED = frozenset({"id", "title", "type"})
# Lists in one cell: topics and countries by semicolons or commas; speakers by semicolons only,
# since a role may hold a comma ("the HC in Iraq, as facilitator").
_LISTS = {"topics": r"[;,]", "countries": r"[;,]", "speakers": r";"}
_DATES = ("date", "review_by")
_WHOLE = ("year", "duration_minutes")
_TRUE = frozenset({"true", "yes", "y", "1", "vrai", "oui", "x"})
_FALSE = frozenset({"false", "no", "n", "0", "faux", "non"})
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(slots=True)
class ProductRows:
    """What a spreadsheet holds: the files it would write (path, text), the products they are, its
    problems (any one stops the import) and warnings (which do not)."""

    display: str
    files: list[tuple[Path, str]] = field(default_factory=list)
    products: list[LearningProduct] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _day(name: str, text: str, line: int, rows: ProductRows) -> date | str | None:
    """An ISO date (2016-10-04) or the day-first date Excel writes outside the US (04/10/2016);
    a day that does not exist is said so in the person's own writing; other text is kept as it is,
    for the validation to name."""
    found = _DAY_FIRST.match(text)
    iso = f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}" if found else text
    why = impossible_date(iso)
    if why is not None:
        rows.problems.append(Problem(rows.display, line, name, why.replace(iso.strip(), text, 1)))
        return None
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return text


def _type_names() -> dict[str, str]:
    """A type as the secretariat may write it in a sheet: its slug, or its name in either language
    ("Webinaire", "Étude de cas", "case study")."""
    names = {slug: slug for slug in PRODUCT_TYPES}
    for slug, (english, french) in PRODUCT_TYPES.items():
        names.update({english.lower(): slug, french.lower(): slug, slug.replace("-", " "): slug})
    return names


_TYPE_NAMES = _type_names()


def _cell(name: str, text: str, line: int, rows: ProductRows, language: str) -> Any:
    if name in _LISTS:
        return [part.strip() for part in re.split(_LISTS[name], text) if part.strip()]
    if name in _DATES:
        return _day(name, text, line, rows)
    if name == "type":
        return _TYPE_NAMES.get(" ".join(text.lower().split()), text)
    if name in _WHOLE:
        number = text.removesuffix(".0")  # a number Excel formatted with a decimal
        return int(number) if number.isdigit() else text
    if name == "illustrative":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        rows.problems.append(Problem(rows.display, line, name, t("kb.import_bool", language, value=text[:40])))
        return None
    return text


def _document(front: dict[str, Any], body: str) -> str:
    """The Markdown file: front matter written by a YAML dumper (a title may hold quotes, colons or
    a '#'), then the body."""
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)
    return f"---\n{dumped}---\n{body.strip()}\n" if body.strip() else f"---\n{dumped}---\n"


def read_products(path: Path, library: Path, thesaurus: Thesaurus, this_year: int, *,
                  max_bytes: int = DEFAULT_MAX_BYTES, language: str = "en") -> ProductRows:
    """Reads and checks every row of ``path`` against the library in ``library``; writes nothing."""
    rows = ProductRows(str(path))
    if path.suffix.lower() in {".xlsx", ".xls", ".ods", ".numbers"}:
        rows.problems.append(Problem(rows.display, None, None, t("import.spreadsheet", language, name=path.name)))
        return rows
    try:
        text = read_text(path, max_bytes=max_bytes, language=language)
    except ImportRejected as error:
        rows.problems.extend(error.problems)
        return rows
    text, hint, offset = excel_hint(text)
    header_line = text.partition("\n")[0]
    delimiter = delimiter_for(header_line, set(REQUIRED), hint)
    if delimiter is None:
        rows.problems.append(Problem(rows.display, 1 + offset, None, t(
            "kb.import_header", language, found=repr(header_line.strip()[:80]), columns=",".join(COLUMNS))))
        return rows
    if "\x00" in text:
        rows.problems.append(Problem(rows.display, text[:text.index("\x00")].count("\n") + 1 + offset, None,
                                     t("import.nul", language)))
        return rows
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    named: dict[int, str] = {}
    for position, name in enumerate(header):
        if not name:
            continue
        if name not in COLUMNS:
            rows.problems.append(Problem(rows.display, 1 + offset, name, t("import.csv_unknown_column", language,
                                                                           columns=",".join(COLUMNS))))
        elif name in named.values():
            rows.problems.append(Problem(rows.display, 1 + offset, name, t("import.csv_column_twice", language)))
        else:
            named[position] = name
    existing = _existing_ids(library, thesaurus, this_year)
    seen: dict[str, int] = {}
    start = 2
    with tempfile.TemporaryDirectory(prefix="hcbot-kb-import-") as scratch:
        try:
            for cells in reader:
                # A cell may span lines (a body typed with Alt+Enter): the row is named by its first.
                line, start = start + offset, reader.line_num + 1
                if not any(cell.strip() for cell in cells):
                    continue  # Excel's empty rows (";;;;") at the end of a sheet
                if any(cell.strip() for position, cell in enumerate(cells)
                       if position >= len(header) or not header[position]):
                    rows.problems.append(Problem(rows.display, line, None, t("import.csv_extra_cells", language)))
                    continue
                values = {name: cells[position].strip() for position, name in named.items()
                          if position < len(cells) and cells[position].strip()}
                _row(values, line, rows, Path(scratch), thesaurus, this_year, existing, seen, library, language)
        except csv.Error as error:
            rows.problems.append(Problem(rows.display, reader.line_num + offset, None,
                                         t("import.csv_unreadable", language, reason=str(error))))
    if not rows.files and not rows.problems:
        rows.problems.append(Problem(rows.display, None, None, t("kb.import_empty", language)))
    rows.problems.sort(key=lambda problem: (problem.line or 0))
    return rows


def _existing_ids(library: Path, thesaurus: Thesaurus, this_year: int) -> dict[str, str]:
    """The ids the library's files already take (a file that does not validate still takes its name)."""
    products, _problems = validate_library(library, thesaurus, this_year=this_year) if library.is_dir() else ([], [])
    taken = {product.id: product.source for product in products}
    if library.is_dir():
        taken.update({path.stem: str(path) for path in library.rglob("*.md") if path.stem not in taken})
    return taken


def _row(values: dict[str, str], line: int, rows: ProductRows, scratch: Path, thesaurus: Thesaurus, this_year: int,
         existing: dict[str, str], seen: dict[str, int], library: Path, language: str) -> None:
    body = values.pop("body", "")
    before = len(rows.problems)
    front = {name: _cell(name, text, line, rows, language) for name, text in values.items()}
    front = {name: value for name, value in front.items() if value is not None}
    front.setdefault("countries", [])  # an empty cell: a product about no one country
    identifier = str(front.get("id", ""))
    if identifier in seen:
        rows.problems.append(Problem(rows.display, line, "id", t("kb.import_id_twice", language, row=seen[identifier])))
    elif identifier in existing:
        rows.problems.append(Problem(rows.display, line, "id", t("kb.import_id_taken", language,
                                                                  file=existing[identifier])))
    if identifier:
        seen.setdefault(identifier, line)
    stem = identifier if _SLUG.match(identifier) else f"row-{line}"
    scratch_file = scratch / f"{stem}.md"
    text = _document(front, body)
    scratch_file.write_text(text, encoding="utf-8")
    product, found = read_product(scratch_file, rows.display, thesaurus.country_names, this_year + 1)
    said = {problem.field for problem in rows.problems[before:]}
    for problem in found:
        if problem.field == "id" and "must match the file name" in problem.message:
            continue  # the id itself is what is wrong, and said so
        if problem.field in said:
            continue  # a cell already named ("peut-être"), not also "missing"
        rows.problems.append(Problem(rows.display, line, problem.field, problem.message))
    if product is None or len(rows.problems) > before:
        return
    rows.products.append(product)
    rows.files.append((library / f"{product.id}.md", text))
    rows.warnings.extend(Problem(rows.display, line, warning.field, warning.message)
                         for warning in product_warnings(product))


def write_products(rows: ProductRows) -> list[Path]:
    """Writes the files of a spreadsheet with no problem: each beside its place, then all renamed
    into it, so that a reloading bot sees the new products and no half-written file."""
    assert not rows.problems, "only a clean spreadsheet is written"
    partials: list[tuple[Path, Path]] = []
    try:
        for path, text in rows.files:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            partial.write_text(text, encoding="utf-8")
            partials.append((partial, path))
    except OSError:
        for partial, _path in partials:
            partial.unlink(missing_ok=True)
        raise
    for partial, path in partials:
        partial.replace(path)
    return [path for _partial, path in partials]
