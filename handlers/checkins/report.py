"""The draft progress update to the ERC, built from a plan's append-only history.

One structure (:class:`ReportDraft`) computed once, three renderings: Markdown for the shell and
the chat file, DOCX (python-docx) ready to edit in Word, and the short /plan view.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from docx import Document
from docx.shared import Pt

from handlers.checkins.dialogue import STATUS_ORDER, owner_text, status_name
from handlers.dates import short_date
from handlers.i18n import colon, t, tn
from knowledge import country_name
from storage.models import ActionPlan, Status
from storage.repositories import latest_update


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
    overdue: bool

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

    def mission(self, language: str) -> str:
        """"P2P 12 Aug 2026 – 23 Aug 2026", the dates in the report's language."""
        return (f"{self.mission_kind.upper()} {short_date(self.mission_starts_on, language)} – "
                f"{short_date(self.mission_ends_on, language)}")

    def country_in(self, language: str) -> str:
        return country_name(self.country, language)

    @property
    def overdue(self) -> list[ActionReport]:
        return [action for action in self.actions if action.overdue]

    @property
    def blocked(self) -> list[ActionReport]:
        return [action for action in self.actions if action.status is Status.BLOCKED]


def build_report(plan: ActionPlan, now: datetime) -> ReportDraft:
    """Everything the update needs, as of ``now``. The plan must come with its actions and updates."""
    baseline = plan.submitted_at or datetime.combine(plan.adopted_on, time(0), tzinfo=UTC)
    today = now.date()
    actions: list[ActionReport] = []
    counts = {status.value: 0 for status in STATUS_ORDER} | {"no_status": 0}
    for action in plan.actions:
        last = latest_update(action)
        before = [update for update in action.updates if update.created_at <= baseline]
        since = [update for update in action.updates if update.created_at > baseline]
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
            history=tuple(HistoryEntry(update.created_at, update.status, update.note,
                                       update.person.name if update.person else None) for update in since),
            overdue=action.due_on is not None and action.due_on < today and status is not Status.DONE,
        ))
    mission = plan.mission
    return ReportDraft(
        plan_code=plan.code,
        plan_title=plan.title,
        operation=mission.operation.name,
        country=mission.operation.country,
        mission_kind=mission.kind.value,
        mission_starts_on=mission.starts_on,
        mission_ends_on=mission.ends_on,
        adopted_on=plan.adopted_on,
        update_due_on=plan.update_due_on,
        baseline=baseline,
        generated_at=now,
        actions=tuple(actions),
        counts=counts,
    )


def _due(action: ActionReport, language: str) -> str:
    return short_date(action.due_on, language) if action.due_on else "—"


def _status_text(status: Status | None, language: str) -> str:
    return status_name(status, language) if status else t("report.no_status", language)


def _counts_line(draft: ReportDraft, language: str) -> str:
    c = colon(language)
    parts = [f"{status_name(status, language)}{c} {draft.counts[status.value]}" for status in STATUS_ORDER]
    parts.append(f"{t('report.no_status', language)}{c} {draft.counts['no_status']}")
    return " · ".join(parts)


def report_markdown(draft: ReportDraft, language: str = "en") -> str:
    """Markdown. Notes are people's own words: they are quoted as given, with Markdown's special
    characters escaped so a note cannot restructure the document."""
    c = colon(language)
    lines = [
        f"# {t('report.title', language)}{c} {_md(draft.plan_title)}",
        "",
        f"- {t('report.operation', language)}{c} {_md(draft.operation)} ({_md(draft.country_in(language))})",
        f"- {t('report.mission', language)}{c} {draft.mission(language)}",
        f"- {t('report.adopted', language)}{c} {short_date(draft.adopted_on, language)}",
        f"- {t('report.due', language)}{c} {short_date(draft.update_due_on, language) if draft.update_due_on else '—'}",
        f"- {t('report.generated', language)}{c} {short_date(draft.generated_at, language)}",
        f"- {t('report.changes_since', language)}{c} {short_date(draft.baseline, language)}",
        "",
        f"**{tn('report.actions', len(draft.actions), language)}** · {_counts_line(draft, language)}",
        "",
    ]
    if draft.overdue or draft.blocked:
        lines.append(f"## {t('report.attention', language)}")
        lines.append("")
        for action in draft.overdue:
            lines.append(f"- #{action.number} {_md(action.title)}{c} {t('report.overdue_since', language)} "
                         f"{_due(action, language)}")
        for action in draft.blocked:
            lines.append(f"- #{action.number} {_md(action.title)}{c} {status_name(Status.BLOCKED, language)}")
        lines.append("")
    changed = [action for action in draft.actions if action.changed]
    lines.append(f"## {t('report.changed', language)}")
    lines.append("")
    if not changed:
        lines.append(t("report.nothing_changed", language))
    for action in changed:
        lines.append(f"- #{action.number} {_md(action.title)}{c} {_status_text(action.status_before, language)} → "
                     f"{_status_text(action.status, language)}")
    lines.append("")
    lines.append(f"## {t('report.by_action', language)}")
    for action in draft.actions:
        lines += ["", f"### {action.number}. {_md(action.title)}", ""]
        due = short_date(action.due_on, language) if action.due_on else "—"
        flag = f" **{t('report.overdue', language)}**" if action.overdue else ""
        when = f" ({short_date(action.status_at, language)})" if action.status_at else ""
        lines.append(f"- {t('report.owner', language)}{c} {_md(action.owner)} · {t('report.due_short', language)}{c} "
                     f"{due}{flag}")
        lines.append(f"- {t('report.status', language)}{c} {_status_text(action.status, language)}{when}")
        for entry in action.history:
            note = f"{c} {_md(entry.note)}" if entry.note else ""
            by = f" ({_md(entry.by)})" if entry.by else ""
            lines.append(f"  - {short_date(entry.at, language)}, {status_name(entry.status, language)}{by}{note}")
    return "\n".join(lines) + "\n"


# Only what can change the structure of a line: emphasis, code, links, HTML, tables. A leading "#",
# "-" or "1." is made harmless by _md never starting a line.
_MARKDOWN_SPECIAL = str.maketrans({char: "\\" + char for char in "\\`*_[]<>|"})


def _md(text: str) -> str:
    return " ".join(text.split()).translate(_MARKDOWN_SPECIAL)


def report_docx(draft: ReportDraft, language: str = "en") -> bytes:
    """A Word document with the same content; text goes in as text, never as markup."""
    c = colon(language)
    document = Document()
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(f"{t('report.title', language)}{c} {draft.plan_title}", level=0)
    facts = [
        (t("report.operation", language), f"{draft.operation} ({draft.country_in(language)})"),
        (t("report.mission", language), draft.mission(language)),
        (t("report.adopted", language), short_date(draft.adopted_on, language)),
        (t("report.due", language), short_date(draft.update_due_on, language) if draft.update_due_on else "—"),
        (t("report.generated", language), short_date(draft.generated_at, language)),
        (t("report.changes_since", language), short_date(draft.baseline, language)),
    ]
    for label, value in facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}{c} ").bold = True
        paragraph.add_run(value)
    summary = document.add_paragraph()
    summary.add_run(f"{tn('report.actions', len(draft.actions), language)}. ").bold = True
    summary.add_run(_counts_line(draft, language))
    if draft.overdue or draft.blocked:
        document.add_heading(t("report.attention", language), level=1)
        for action in draft.overdue:
            document.add_paragraph(f"#{action.number} {action.title}{c} {t('report.overdue_since', language)} "
                                   f"{_due(action, language)}", style="List Bullet")
        for action in draft.blocked:
            document.add_paragraph(f"#{action.number} {action.title}{c} {status_name(Status.BLOCKED, language)}",
                                   style="List Bullet")
    document.add_heading(t("report.changed", language), level=1)
    changed = [action for action in draft.actions if action.changed]
    if not changed:
        document.add_paragraph(t("report.nothing_changed", language))
    for action in changed:
        document.add_paragraph(f"#{action.number} {action.title}{c} {_status_text(action.status_before, language)} → "
                               f"{_status_text(action.status, language)}", style="List Bullet")
    document.add_heading(t("report.by_action", language), level=1)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    headers = ["#", t("report.action", language), t("report.owner", language), t("report.due_short", language),
               t("report.status", language)]
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
    for action in draft.actions:
        cells = table.add_row().cells
        cells[0].text = str(action.number)
        cells[1].text = action.title
        cells[2].text = action.owner
        due = short_date(action.due_on, language) if action.due_on else "—"
        cells[3].text = due + (f" ({t('report.overdue', language)})" if action.overdue else "")
        cells[4].text = _status_text(action.status, language)
    for action in draft.actions:
        if not action.history:
            continue
        document.add_heading(f"{action.number}. {action.title}", level=2)
        for entry in action.history:
            paragraph = document.add_paragraph(style="List Bullet")
            by = f" ({entry.by})" if entry.by else ""
            heading = f"{short_date(entry.at, language)}, {status_name(entry.status, language)}{by}"
            paragraph.add_run(heading).bold = True
            if entry.note:
                paragraph.add_run(f"{c} {_xml_safe(entry.note)}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xml_safe(text: str) -> str:
    # Word documents are XML: control characters other than tab and newline cannot be stored.
    return "".join(char for char in text if char in "\t\n" or ord(char) >= 32)
