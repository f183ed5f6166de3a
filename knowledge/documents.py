"""Files people edit by hand: YAML documents, and Markdown with YAML front matter.

One utility for the library's products, the secretariat's imports and the broadcast notices. The
front matter is closed by an exact ``---`` line only (a ``--- agenda`` or ``----`` line is text);
each YAML document is parsed once, into both its data and the line of every key and item; and a
pydantic error becomes problems printed ``file:line: field: message`` like a compiler's, because the
people who edit these files are not developers and should fix everything in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

Location = tuple[Any, ...]
"""A path into a document, as pydantic reports it: ``("operations", 0, "code")``."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one file: printed as ``file:line: field: message`` like a compiler."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DocumentError(Exception):
    """A document that cannot be read at all; carries the one problem that stops it."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A Markdown text cut at its front matter; lines are counted from 1 in the whole file."""

    yaml: str
    yaml_line: int
    """The file's line where the YAML starts (2: just after the opening ``---``)."""
    body: str
    body_line: int


def _is_marker(line: str, marker: str) -> bool:
    return line.strip() == marker


def split_front_matter(text: str, display: str) -> FrontMatter | None:
    """The YAML between a first line ``---`` and the next exact ``---`` line, and the body after it;
    None when the text does not start with a ``---`` line. Raises :class:`DocumentError` when the
    front matter is never closed."""
    lines = text.splitlines(keepends=True)
    if not lines or not _is_marker(lines[0], "---"):
        return None
    for number, line in enumerate(lines[1:], start=2):
        if _is_marker(line, "---"):
            return FrontMatter("".join(lines[1 : number - 1]), 2, "".join(lines[number:]), number + 1)
    raise DocumentError(Problem(display, 1, None, "the front matter opened by '---' is never closed by a '---' line"))


def split_at_line(text: str, marker: str) -> tuple[str, str | None]:
    """The text before the first line that is exactly ``marker`` (spaces around it aside), and the
    text after it, or None when no line is."""
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if _is_marker(line, marker):
            return "".join(lines[:number]), "".join(lines[number + 1 :])
    return text, None


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed YAML document and where each of its keys and items is written."""

    data: Any
    lines: Mapping[Location, int]
    first_line: int

    def line_of(self, location: Location) -> int:
        """The line of ``location``, or of its nearest written parent (a missing field: the line of
        the mapping it is missing from)."""
        for cut in range(len(location), 0, -1):
            line = self.lines.get(location[:cut])
            if line is not None:
                return line
        return self.first_line


def _node_lines(node: yaml.Node, path: Location, first_line: int, lines: dict[Location, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + first_line
            _node_lines(value, (*path, key.value), first_line, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + first_line
            _node_lines(item, (*path, index), first_line, lines)


def load_yaml(text: str, display: str, *, first_line: int = 1) -> YamlDocument:
    """Parses ``text`` once: the node tree gives the lines, the same tree is constructed into the
    data (what ``yaml.safe_load`` returns). ``first_line`` is the file's line where ``text`` starts.
    Raises :class:`DocumentError` on bad YAML, with the line of the problem."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else None
        raise DocumentError(Problem(display, line, None, f"bad YAML: {error.problem or error}")) from None
    except (yaml.YAMLError, ValueError) as error:  # a control character; a date such as 2026-02-30
        raise DocumentError(Problem(display, None, None, f"bad YAML: {' '.join(str(error).split())}")) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Location, int] = {}
    if node is not None:
        _node_lines(node, (), first_line, lines)
    return YamlDocument(data, lines, first_line)


def field_name(location: Location) -> str:
    """``("operations", 0, "code")`` as ``operations[0].code``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validation_problems(
    error: ValidationError,
    display: str,
    document: YamlDocument | None,
    *,
    line: int | None = None,
    name: Callable[[Location], str] = field_name,
    explain: Callable[[ErrorDetails], str | None] | None = None,
) -> list[Problem]:
    """Each of pydantic's errors as a problem at its line in ``document`` (or at ``line``: a CSV
    row). ``explain`` may give a better message than pydantic's for an error."""
    problems = []
    for item in error.errors():
        location = tuple(item["loc"])
        message = "missing" if item["type"] == "missing" else item["msg"].removeprefix("Value error, ")
        if explain is not None:
            message = explain(item) or message
        where = line if line is not None else document.line_of(location) if document is not None else None
        problems.append(Problem(display, where, name(location) or None, message))
    return problems
