"""Files people edit by hand: YAML documents, and Markdown with YAML front matter.

One utility for the library's products, the secretariat's imports and the broadcast notices. The
front matter is closed by an exact ``---`` line only (a ``--- agenda`` or ``----`` line is text);
each YAML document is parsed once, into both its data and the line of every key and item; and a
pydantic error becomes problems printed ``file:line: field: message`` like a compiler's, because the
people who edit these files are not developers and should fix everything in one pass.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Protocol

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

try:  # libyaml's parser, three times faster than PyYAML's own; the same events either way
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, text: str) -> None:
            Reader.__init__(self, text)
            Scanner.__init__(self)
            Parser.__init__(self)
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
    impossible_dates: Mapping[Location, str] = dataclass_field(default_factory=dict)
    """Values written like dates that are not (2026-02-30): kept as their text in ``data``, and
    here the reason, so that the field they are in reports them at their line."""

    def line_of(self, location: Location) -> int:
        """The line of ``location``, or of its nearest written parent (a missing field: the line of
        the mapping it is missing from)."""
        for cut in range(len(location), 0, -1):
            line = self.lines.get(location[:cut])
            if line is not None:
                return line
        return self.first_line


# Nested deeper than this, a file is a mistake or an attack: PyYAML composes recursively, and a
# RecursionError would be a traceback, not a line to fix. The deepest real file (an import) is 8.
MAX_DEPTH = 50

# The characters YAML refuses (PyYAML's own rule), looked for before parsing so that the message
# names the line and the character instead of a stream position.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# English, whatever the machine's locale (calendar.month_name follows it).
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


class _Marked(Protocol):
    """A position in the text: PyYAML's Python and libyaml's marks both have one."""

    line: int


class _Refused(Exception):
    """Something the safe loader will not read, at a mark; ``earlier`` is a mark the message names."""

    def __init__(self, mark: _Marked | None, message: str, earlier: _Marked | None = None) -> None:
        self.mark = mark
        self.message = message
        self.earlier = earlier
        super().__init__(message)


def impossible_date(text: str) -> str | None:
    """Why ``text``, written like a date (2026-02-30, 2026-13-45), is not one; None if it is one, or
    does not look like one."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"{text.strip()} is not a date: there is no month {month} (write dates as YYYY-MM-DD)"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{text.strip()} is not a date: {_MONTHS[month - 1]} {year} has {days} days"
    return None


class _SafeLoader(_Parser, Composer, SafeConstructor, Resolver):
    """PyYAML's safe loader (libyaml's parser when it is there, Python's composer and constructor),
    made safe for files edited by hand and received from outside:

    - no anchors and aliases: ``*a`` repeats a whole subtree, so a few hundred bytes expand to
      gigabytes ("billion laughs") or loop (``a: &a [*a]``); nobody writes them in these files;
    - no key twice in one mapping: YAML would keep the last silently (``role: hc`` then
      ``role: admin`` imports an admin);
    - at most :data:`MAX_DEPTH` levels of nesting;
    - a date that does not exist (2026-02-30) stays the text it is, so that the field it is in
      reports it with its line instead of the whole file failing.

    It also keeps memory near the size of the data: each record of a top-level list (a person, an
    operation) is constructed, and its lines noted, as soon as it is composed, and its nodes are let
    go. A node and its two marks weigh some ten times the text they stand for; a 20 MB file's whole
    tree was a gigabyte.
    """

    def __init__(self, text: str, first_line: int) -> None:
        _Parser.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.first_line = first_line
        self.depth = 0
        self.path: list[Any] = []
        self.lines: dict[Location, int] = {}
        self.dates: dict[Location, str] = {}
        self.impossible_dates: dict[int, str] = {}
        """id(node) -> why its date is impossible, until the node's lines are noted."""
        self.settled: dict[int, Any] = {}
        """id(placeholder node) -> the record constructed in its place."""

    # libyaml's parser brings its own C composer; these are the Python ones, which can be refined.
    get_single_node = Composer.get_single_node
    compose_document = Composer.compose_document

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # ``index``: a sequence's position, or (typeshed says int only) a mapping value's key node.
        # Called for every node of the file: kept lean.
        event = self.peek_event()
        assert event is not None, "the parser checked that a node follows"
        if event.anchor is not None or type(event) is yaml.AliasEvent:  # type: ignore[attr-defined]
            raise _Refused(event.start_mark, "anchors (&name) and aliases (*name) are not accepted: "
                                             "write each value out in full")
        if type(event) is yaml.ScalarEvent:  # a leaf: no deeper, no record to settle
            return Composer.compose_node(self, parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"nested more than {MAX_DEPTH} levels deep")
        # The path as _node_lines names it (a sequence's position, a mapping value's key), needed
        # down to the records only.
        if self.depth <= _SETTLE_DEPTH:
            self.path.append(index if isinstance(index, int) else getattr(index, "value", None))
        try:
            node = Composer.compose_node(self, parent, index)
            if self.depth == _SETTLE_DEPTH and node is not None:
                node = self._settle(node)
            return node
        finally:
            if self.depth <= _SETTLE_DEPTH:
                self.path.pop()
            self.depth -= 1

    def _settle(self, node: yaml.Node) -> yaml.Node:
        """Constructs a record now and puts a placeholder in the tree instead of its nodes."""
        value = self.construct_object(node, deep=True)
        self.note(node, tuple(self.path[1:]))
        self.constructed_objects = {}
        placeholder = yaml.ScalarNode(_SETTLED_TAG, "", node.start_mark, node.end_mark)
        self.settled[id(placeholder)] = value
        return placeholder

    def construct_settled(self, node: yaml.Node) -> Any:
        return self.settled[id(node)]

    def note(self, node: yaml.Node, path: Location) -> None:
        """The lines of ``node``'s keys and items, and its impossible dates, by path. The nodes are
        let go after: their ids may be reused, so the dates noted by id are cleared."""
        _node_lines(node, path, self.first_line, self.lines, self.impossible_dates, self.dates)
        self.impossible_dates.clear()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: the constructor below says so
            if first is not key_node:
                # The line of the first one is the file's, which only load_yaml knows: {earlier}.
                raise _Refused(key_node.start_mark, f"{key!r} is given twice, on line {{earlier}} and here "
                                                    "(YAML would silently keep the last one); keep one",
                               first.start_mark)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            self.impossible_dates[id(node)] = impossible_date(str(node.value)) or f"{node.value} is not a date"
            return str(node.value)

    def construct_undefined(self, node: yaml.Node) -> Any:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        raise _Refused(node.start_mark, f"the tag {tag} is not accepted: write plain values")


# The records of a top-level list (root mapping 1, its list 2, the list's items 3).
_SETTLE_DEPTH = 3
# Not a tag a file can carry: PyYAML expands "!" tags to "tag:yaml.org,2002:..." or keeps "!...".
_SETTLED_TAG = "hcbot:settled"
# typeshed binds add_constructor to PyYAML's own loader classes.
_SafeLoader.add_constructor(_TIMESTAMP_TAG, _SafeLoader.construct_yaml_timestamp)  # type: ignore[type-var]
_SafeLoader.add_constructor(_SETTLED_TAG, _SafeLoader.construct_settled)  # type: ignore[type-var]
_SafeLoader.add_constructor(None, _SafeLoader.construct_undefined)  # type: ignore[type-var]


def _node_lines(node: yaml.Node, path: Location, first_line: int, lines: dict[Location, int],
                impossible: Mapping[int, str], dates: dict[Location, str]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + first_line
            _node_lines(value, (*path, key.value), first_line, lines, impossible, dates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + first_line
            _node_lines(item, (*path, index), first_line, lines, impossible, dates)
    elif id(node) in impossible:
        dates[path] = impossible[id(node)]


def load_yaml(text: str, display: str, *, first_line: int = 1) -> YamlDocument:
    """Parses ``text`` once, safely (see :class:`_SafeLoader`): the node tree gives the lines, the
    same tree is constructed into the data (what ``yaml.safe_load`` returns, but for what the safe
    loader refuses). ``first_line`` is the file's line where ``text`` starts. Raises
    :class:`DocumentError` on bad or refused YAML, with the line of the problem."""
    # Lines counted at line feeds only: splitlines() would also cut at some of the very characters sought.
    for number, line_text in enumerate(text.split("\n"), start=first_line):
        found = _NOT_PRINTABLE.search(line_text)
        if found is not None:
            raise DocumentError(Problem(display, number, None, f"bad YAML: a control character "
                                        f"(U+{ord(found.group()):04X}) that YAML does not allow, at column "
                                        f"{found.start() + 1}; delete it or retype the line"))
    loader = _SafeLoader(text, first_line)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
        if node is not None:
            loader.note(node, ())
    except _Refused as refused:
        message = refused.message
        if refused.earlier is not None:
            message = message.format(earlier=refused.earlier.line + first_line)
        line = refused.mark.line + first_line if refused.mark is not None else None
        raise DocumentError(Problem(display, line, None, f"bad YAML: {message}")) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else None
        message = error.problem or str(error)
        if error.context and message.startswith("but "):  # "expected a single document..., but found another"
            message = f"{error.context}, {message}"
        if message == "exceeded maximum nesting depth":  # libyaml's own limit (1,000 in flow style)
            message = f"nested more than {MAX_DEPTH} levels deep"
        raise DocumentError(Problem(display, line, None, f"bad YAML: {message}")) from None
    except (yaml.YAMLError, ValueError) as error:  # what is left: a reader's error, a !!binary
        raise DocumentError(Problem(display, None, None, f"bad YAML: {' '.join(str(error).split())}")) from None
    finally:
        loader.dispose()
    return YamlDocument(data, loader.lines, first_line, loader.dates)


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
        # pydantic would say "input should be a valid date, day value is outside expected range",
        # of a date YAML kept as text, or of text it never read as a date (2026-02-30 14:00).
        if document is not None and location in document.impossible_dates and item["type"] != "extra_forbidden":
            message = document.impossible_dates[location]
        elif item["type"].startswith(("date", "datetime")) and isinstance(item.get("input"), str):
            message = impossible_date(item["input"]) or message
        if explain is not None:
            message = explain(item) or message
        where = line if line is not None else document.line_of(location) if document is not None else None
        problems.append(Problem(display, where, name(location) or None, message))
    return problems


def read_front_matter(path: Path, display: str) -> tuple[FrontMatter, YamlDocument, dict[str, Any]] | Problem:
    """One Markdown file with YAML front matter, read as far as its fields: the split, the parsed YAML
    and its mapping, or the first problem that stops the reading (not UTF-8, no front matter, YAML
    refused, not a mapping). Library products and the secretariat's Q&A files share it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return Problem(display, None, None, f"not UTF-8 text ({error.reason} at byte {error.start})")
    try:
        split = split_front_matter(text, display)
        if split is None:
            return Problem(display, 1, None, "the file must start with a '---' line opening the YAML front matter")
        document = load_yaml(split.yaml, display, first_line=split.yaml_line)
    except DocumentError as error:
        return error.problem
    if not isinstance(document.data, dict):
        return Problem(display, split.yaml_line, None, "the front matter must be a mapping of fields")
    return split, document, document.data
