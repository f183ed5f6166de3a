"""The draft progress update to the ERC, built from a plan's append-only history.

The HC owes the ERC and the IASC EDG an update on the HCT action plan three to five months after
the mission. This is a draft the HC edits and sends, not a log: an opening paragraph written from
the data, the plan as a table, where support is needed (with a marked line per item for the HC to
complete: the bot never invents what is needed), progress action by action, the next 90 days, and
a signature block.

One structure (:class:`ReportDraft`) computed once, laid out once (:func:`document_blocks`), and
two renderings of that layout: Markdown and DOCX (python-docx), so both say the same and no action
is listed twice in a section.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from handlers.checkins.dialogue import STATUS_ORDER, owner_text, status_name
from handlers.i18n import colon, t, tn
from knowledge import country_name
from knowledge.text import fold
from storage.models import ActionPlan, ActionUpdate, Status
from storage.repositories import latest_update

NEXT_STEPS_DAYS = 90
EARLIER_NOTES = 3
"""Earlier notes shown under an action, besides its latest one (the newest that say something new)."""

# Countries whose offices print on US Letter: the United States, Canada, Mexico and the countries of
# the Americas that follow them. Every other operation gets A4, the UN's paper size. Names are
# folded (lower case, no accents); an operation's country is free text, so a "(...)" is ignored.
LETTER_COUNTRIES: frozenset[str] = frozenset({
    "united states", "united states of america", "usa", "us", "canada", "mexico", "mexique",
    "guatemala", "el salvador", "honduras", "nicaragua", "costa rica", "panama", "colombia", "colombie",
    "venezuela", "chile", "chili", "dominican republic", "republique dominicaine", "puerto rico", "porto rico",
})

_LANGUAGE_TAGS = {"en": "en-GB", "fr": "fr-FR"}


def uses_letter(country: str) -> bool:
    """Whether documents for this operation's country are printed on US Letter rather than A4."""
    name = fold(country.split("(")[0]).strip().lower().replace(".", "")
    return name in LETTER_COUNTRIES


# --- The data --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    status: Status
    note: str | None
    by: str | None


@dataclass(frozen=True, slots=True)
class ActionReport:
    number: int
    title: str
    owner: str
    due_on: date | None
    status: Status | None
    status_at: datetime | None
    status_before: Status | None
    """The status at the baseline (last submitted update, or adoption): what "changed" is measured from."""
    history: tuple[HistoryEntry, ...]
    """The updates since the baseline (from the start of the day of the last submission, so notes
    given that day, before or after pressing "Mark as sent", are in the next report)."""
    overdue: bool
    latest_note: HistoryEntry | None = None
    """The newest update with a note, whenever it was given."""
    earlier_notes: tuple[HistoryEntry, ...] = ()
    """Older notes since the baseline that add something (not a repeat of a later one), newest first."""

    @property
    def changed(self) -> bool:
        return self.status is not None and self.status != self.status_before and bool(self.history)


@dataclass(frozen=True, slots=True)
class ReportDraft:
    plan_code: str
    plan_title: str
    operation: str
    country: str
    mission_kind: str
    mission_starts_on: date
    mission_ends_on: date
    adopted_on: date
    update_due_on: date | None
    baseline: datetime
    generated_at: datetime
    actions: tuple[ActionReport, ...]
    counts: dict[str, int] = field(default_factory=dict)
    submitted_before: datetime | None = None
    """When the last update went to the ERC (None: none yet, changes count from adoption)."""
    hc_name: str | None = None
    timezone: str = "UTC"

    def country_in(self, language: str) -> str:
        return country_name(self.country, language)

    @property
    def today(self) -> date:
        return self.generated_at.astimezone(_zone(self.timezone)).date()

    @property
    def overdue(self) -> list[ActionReport]:
        return [action for action in self.actions if action.overdue]

    @property
    def blocked(self) -> list[ActionReport]:
        return [action for action in self.actions if action.status is Status.BLOCKED]

    @property
    def needs_support(self) -> list[ActionReport]:
        """Blocked, then delayed, then the other overdue actions: each once, in plan order within each."""
        blocked = self.blocked
        delayed = [action for action in self.actions if action.status is Status.DELAYED]
        late = [action for action in self.overdue if action not in blocked and action not in delayed]
        return blocked + delayed + late

    @property
    def next_steps(self) -> list[ActionReport]:
        """Actions not done that fall due in the next 90 days, soonest first."""
        until = self.today + timedelta(days=NEXT_STEPS_DAYS)
        due = [action for action in self.actions if action.due_on is not None and action.status is not Status.DONE
               and self.today <= action.due_on <= until]
        return sorted(due, key=lambda action: (action.due_on or self.today, action.number))

    @property
    def letter(self) -> bool:
        return uses_letter(self.country)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _entry(update: ActionUpdate) -> HistoryEntry:
    return HistoryEntry(update.created_at, update.status, update.note, update.person.name if update.person else None)


def build_report(plan: ActionPlan, now: datetime, hc_name: str | None = None) -> ReportDraft:
    """Everything the update needs, as of ``now``. The plan must come with its actions, their
    updates and its mission's operation; ``hc_name`` signs it."""
    operation = plan.mission.operation
    zone = _zone(operation.timezone)
    baseline = plan.submitted_at or datetime.combine(plan.adopted_on, time(0), tzinfo=UTC)
    # Notes count from the start of the baseline's day where the operation is: what an owner added
    # on the day the update was sent may have missed it, and belongs in the next one.
    notes_from = datetime.combine(baseline.astimezone(zone).date(), time(0), tzinfo=zone)
    today = now.astimezone(zone).date()
    actions: list[ActionReport] = []
    counts = {status.value: 0 for status in STATUS_ORDER} | {"no_status": 0}
    for action in plan.actions:
        # A correction supersedes the update it corrects: the corrected one's note is not repeated.
        superseded = {update.supersedes_id for update in action.updates if update.supersedes_id is not None}
        kept = [update for update in action.updates if update.id not in superseded]
        last = latest_update(action)
        before = [update for update in action.updates if update.created_at <= baseline]
        since = [update for update in kept if update.created_at >= notes_from]
        noted = [update for update in kept if update.note and update.note.strip()]
        latest_note = noted[-1] if noted else None
        earlier: list[HistoryEntry] = []
        seen = {fold(latest_note.note or "").strip().lower()} if latest_note else set()
        for update in reversed([update for update in noted[:-1] if update.created_at >= notes_from]):
            said = fold(update.note or "").strip().lower()
            if said not in seen and len(earlier) < EARLIER_NOTES:
                seen.add(said)
                earlier.append(_entry(update))
        status = last.status if last else None
        counts[status.value if status else "no_status"] += 1
        actions.append(ActionReport(
            number=action.number,
            title=action.title,
            owner=owner_text(action),
            due_on=action.due_on,
            status=status,
            status_at=last.created_at if last else None,
            status_before=before[-1].status if before else None,
            history=tuple(_entry(update) for update in since),
            overdue=action.due_on is not None and action.due_on < today and status is not Status.DONE,
            latest_note=_entry(latest_note) if latest_note else None,
            earlier_notes=tuple(earlier),
        ))
    mission = plan.mission
    return ReportDraft(
        plan_code=plan.code,
        plan_title=plan.title,
        operation=operation.name,
        country=operation.country,
        mission_kind=mission.kind.value,
        mission_starts_on=mission.starts_on,
        mission_ends_on=mission.ends_on,
        adopted_on=plan.adopted_on,
        update_due_on=plan.update_due_on,
        baseline=baseline,
        generated_at=now,
        actions=tuple(actions),
        counts=counts,
        submitted_before=plan.submitted_at,
        hc_name=hc_name,
        timezone=operation.timezone,
    )


# --- The words ---------------------------------------------------------------------------------------

def long_date(moment: date, language: str, zone: str = "UTC") -> str:
    """"8 June 2026", "8 juin 2026", "1er juin 2026": a document spells the month out. A datetime
    is shown as the day it was where the operation is."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(_zone(zone)).date()
    return _day(moment, language, "d MMMM y")


def _day(moment: date, language: str, pattern: str) -> str:
    text = str(format_date(moment, pattern, locale="fr" if language == "fr" else "en"))
    if language == "fr" and moment.day == 1:
        text = "1er" + text[1:]
    return text


def mission_dates(start: date, end: date, language: str) -> str:
    """"8 to 19 June 2026" / "8 au 19 juin 2026": the month and year said once when they are shared."""
    if (start.year, start.month) == (end.year, end.month):
        first = _day(start, language, "d")
    elif start.year == end.year:
        first = _day(start, language, "d MMMM")
    else:
        first = _day(start, language, "d MMMM y")
    return t("report.date_range", language, start=first, end=_day(end, language, "d MMMM y"))


def _mission(draft: ReportDraft, language: str) -> str:
    return t("report.mission_dates", language, kind=draft.mission_kind.upper(),
             dates=mission_dates(draft.mission_starts_on, draft.mission_ends_on, language))


def _and(parts: Sequence[str], language: str) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return t("report.list_and", language, first=", ".join(parts[:-1]), last=parts[-1])


def _status_text(status: Status | None, language: str) -> str:
    return status_name(status, language) if status else t("report.no_status", language)


def _when(draft: ReportDraft, moment: date, language: str) -> str:
    return long_date(moment, language, draft.timezone)


def opening(draft: ReportDraft, language: str) -> list[str]:
    """The summary's sentences: the mission and its dates, the counts, what changed."""
    kind = draft.mission_kind.upper()
    first = t("report.opening", language, adopted=_when(draft, draft.adopted_on, language), kind=kind,
              dates=mission_dates(draft.mission_starts_on, draft.mission_ends_on, language))
    # How many are done always comes first ("none is done yet" rather than "0 are done"); any
    # other status is named only when some action has it.
    done = draft.counts[Status.DONE.value]
    parts = [tn("report.count_done", done, language) if done else t("report.none_done", language)]
    parts += [tn(f"report.count_{key}", draft.counts[key], language)
              for key in (Status.ON_TRACK.value, Status.DELAYED.value, Status.BLOCKED.value, "not_started",
                          "no_status") if draft.counts[key]]
    counts = (tn("report.counts", len(draft.actions), language, parts=_and(parts, language)) if draft.actions
              else t("report.no_actions", language))
    if draft.submitted_before is not None:
        since = t("report.since_submitted", language, date=_when(draft, draft.submitted_before, language))
    else:
        since = t("report.since_adopted", language, date=_when(draft, draft.adopted_on, language))
    changed = [action for action in draft.actions if action.changed]
    if changed:
        items = [t("report.change_item", language, number=str(action.number),
                   before=_status_text(action.status_before, language).lower(),
                   after=_status_text(action.status, language).lower()) for action in changed]
        change = tn("report.changes", len(changed), language, since=since, changes=_and(items, language))
    else:
        change = t("report.nothing_new", language, since=since)
    return [first, counts, change]


# --- The layout ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Heading:
    level: int  # 0: the document's title; 1: a section; 2: an action
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    runs: tuple[Run, ...]
    bullet: bool = False
    placeholder: bool = False
    """A line the HC must write: highlighted in Word, bracketed in the text."""


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Table


def _label(label: str, value: str, language: str, *, bullet: bool = False) -> Paragraph:
    return Paragraph((Run(f"{label}{colon(language)} ", bold=True), Run(value)), bullet=bullet)


def title_text(draft: ReportDraft, language: str) -> str:
    return f"{t('report.title', language)}{colon(language)} {draft.plan_title}"


def _due_text(draft: ReportDraft, action: ActionReport, language: str) -> str:
    if action.due_on is None:
        return "—"
    due = _when(draft, action.due_on, language)
    return t("report.due_overdue", language, date=due) if action.overdue else due


def _status_line(draft: ReportDraft, action: ActionReport, language: str) -> str:
    if action.status is None or action.status_at is None:
        return t("report.no_status", language)
    return t("report.status_on", language, status=status_name(action.status, language),
             date=_when(draft, action.status_at, language))


def _note(draft: ReportDraft, label: str, entry: HistoryEntry, language: str) -> Paragraph:
    when = _when(draft, entry.at, language)
    source = t("report.note_by", language, date=when, name=entry.by) if entry.by else when
    note = " ".join((entry.note or "").split())
    return Paragraph((Run(f"{label} ({source}){colon(language)} ", bold=True), Run(note)), bullet=True)


def document_blocks(draft: ReportDraft, language: str = "en") -> list[Block]:
    """The draft, laid out once for every rendering."""
    blocks: list[Block] = [Heading(0, title_text(draft, language))]
    blocks += [
        _label(t("report.operation", language), f"{draft.operation} ({draft.country_in(language)})", language),
        _label(t("report.mission", language), _mission(draft, language), language),
        _label(t("report.adopted", language), _when(draft, draft.adopted_on, language), language),
        _label(t("report.due", language),
               _when(draft, draft.update_due_on, language) if draft.update_due_on else "—", language),
        _label(t("report.date", language), _when(draft, draft.generated_at, language), language),
    ]
    blocks.append(Heading(1, t("report.summary", language)))
    blocks.append(Paragraph((Run(" ".join(opening(draft, language))),)))
    blocks.append(Table(
        ("#", t("report.action", language), t("report.owner", language), t("report.due_short", language),
         t("report.status", language)),
        tuple((str(action.number), action.title, action.owner, _due_text(draft, action, language),
               _status_line(draft, action, language)) for action in draft.actions)))

    blocks.append(Heading(1, t("report.support", language)))
    support = draft.needs_support
    if not support:
        blocks.append(Paragraph((Run(t("report.support_none", language)),)))
    for action in support:
        if action.status in (Status.BLOCKED, Status.DELAYED) and action.status_at is not None:
            why = t("report.support_why_status", language, status=status_name(action.status, language),
                    date=_when(draft, action.status_at, language))
        else:
            why = t("report.support_why_overdue", language, date=_when(draft, action.due_on or draft.today, language))
        if action.overdue and action.status in (Status.BLOCKED, Status.DELAYED):
            why += f" · {t('report.due_short', language)}{colon(language)} {_due_text(draft, action, language)}"
        blocks.append(Paragraph((Run(f"{action.number}. {action.title}", bold=True), Run(f" — {why}")),
                                bullet=True))
        blocks.append(Paragraph((Run(t("report.placeholder", language)),), placeholder=True))

    blocks.append(Heading(1, t("report.progress", language)))
    for action in draft.actions:
        blocks.append(Heading(2, f"{action.number}. {action.title}"))
        blocks.append(_label(t("report.owner", language), action.owner, language, bullet=True))
        blocks.append(_label(t("report.due_short", language), _due_text(draft, action, language), language,
                             bullet=True))
        blocks.append(_label(t("report.status", language), _status_line(draft, action, language), language,
                             bullet=True))
        if action.latest_note is None:
            blocks.append(Paragraph((Run(t("report.no_notes", language)),), bullet=True))
        else:
            blocks.append(_note(draft, t("report.latest_note", language), action.latest_note, language))
        blocks += [_note(draft, t("report.earlier_note", language), entry, language) for entry in action.earlier_notes]

    blocks.append(Heading(1, t("report.next_steps", language)))
    upcoming = draft.next_steps
    if not upcoming:
        blocks.append(Paragraph((Run(t("report.next_none", language)),)))
    for action in upcoming:
        blocks.append(Paragraph((Run(t("report.next_item", language, date=_due_text(draft, action, language),
                                       number=str(action.number), title=action.title, owner=action.owner)),),
                                bullet=True))

    blocks.append(Paragraph((Run(draft.hc_name or t("report.hc_unknown", language), bold=True),)))
    blocks.append(Paragraph((Run(t("report.hc_title", language, operation=draft.operation)),)))
    return blocks


# --- Markdown ------------------------------------------------------------------------------------------

def report_markdown(draft: ReportDraft, language: str = "en") -> str:
    """Markdown. Notes and titles are people's own words: quoted as given, with Markdown's special
    characters escaped so a note cannot restructure the document."""
    lines: list[str] = []
    facts = True
    for block in document_blocks(draft, language):
        if isinstance(block, Heading):
            if lines and lines[-1]:
                lines.append("")
            lines += [f"{'#' * (block.level + 1)} {_md(block.text)}", ""]
            facts = block.level == 0
        elif isinstance(block, Table):
            if lines[-1]:
                lines.append("")
            lines += ["| " + " | ".join(_md(cell) for cell in block.header) + " |",
                      "|" + "|".join("---" for _ in block.header) + "|"]
            lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in block.rows]
            lines.append("")
        else:
            text = " ".join("".join(f"**{_md(run.text.strip())}** " if run.bold else _md(run.text)
                                    for run in block.runs).split())
            if block.placeholder:
                lines.append(f"  - *{text}*")
            elif block.bullet or facts:
                lines.append(f"- {text}")
            else:
                lines += ([""] if lines[-1] else []) + [text, ""]
    return "\n".join(lines).rstrip() + "\n"


# Only what can change the structure of a line: emphasis, code, links, HTML, tables. A leading "#",
# "-" or "1." is made harmless by _md never starting a line.
_MARKDOWN_SPECIAL = str.maketrans({char: "\\" + char for char in "\\`*_[]<>|"})


def _md(text: str) -> str:
    return " ".join(text.split()).translate(_MARKDOWN_SPECIAL)


# --- Word ------------------------------------------------------------------------------------------------

def report_filename(draft: ReportDraft, extension: str) -> str:
    return f"{draft.plan_code}-update-{draft.generated_at.date().isoformat()}.{extension}"


def report_docx(draft: ReportDraft, language: str = "en") -> bytes:
    """A Word document with the same content, ready to edit: A4 (US Letter where the operation's
    country prints on it), Heading 1/2 for the navigation pane, the plan as a table, the title,
    author, language and creation date in its properties. Text goes in as text, never as markup."""
    document = Document()
    tag = _LANGUAGE_TAGS.get(language, "en-GB")
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    _set_language(normal.element, tag)
    for section in document.sections:
        if draft.letter:
            section.page_width, section.page_height = Mm(215.9), Mm(279.4)
        else:
            section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2.2)
    properties = document.core_properties
    properties.title = title_text(draft, language)
    properties.author = draft.hc_name or ""
    properties.last_modified_by = draft.hc_name or ""
    properties.language = tag
    properties.created = draft.generated_at.astimezone(UTC).replace(tzinfo=None)
    properties.modified = properties.created
    properties.subject = draft.operation
    properties.comments = ""
    properties.keywords = ""
    for block in document_blocks(draft, language):
        if isinstance(block, Heading):
            document.add_heading(_xml_safe(block.text), level=block.level)
        elif isinstance(block, Table):
            _add_table(document, block)
        else:
            paragraph = document.add_paragraph(style="List Bullet" if block.bullet else None)
            for run in block.runs:
                added = paragraph.add_run(_xml_safe(run.text))
                added.bold = run.bold or None
                if block.placeholder:
                    added.italic = True
                    added.font.highlight_color = WD_COLOR_INDEX.YELLOW
            if block.placeholder:
                paragraph.paragraph_format.left_indent = Cm(0.63)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_table(document: WordDocument, block: Table) -> None:
    table = document.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    widths = [Cm(0.8), Cm(7.4), Cm(3.2), Cm(2.6), Cm(3.0)]
    for cell, header in zip(table.rows[0].cells, block.header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(_xml_safe(header)).bold = True
    _repeat_header(table.rows[0])
    for row in block.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _xml_safe(value)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def _repeat_header(row: object) -> None:
    # The header row repeats on every page the table spans.
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _set_language(style_element: object, tag: str) -> None:
    # The language Word spell-checks the text in (w:lang on the Normal style's run properties).
    properties = style_element.get_or_add_rPr()  # type: ignore[attr-defined]
    for old in properties.findall(qn("w:lang")):
        properties.remove(old)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), tag)
    lang.set(qn("w:bidi"), tag)
    properties.append(lang)


def _xml_safe(text: str) -> str:
    # Word documents are XML: control characters other than tab and newline cannot be stored.
    return "".join(char for char in text if char in "\t\n" or ord(char) >= 32)
