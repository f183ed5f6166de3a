"""The draft update to the ERC: a document the HC edits and sends, in Markdown and Word (and, through
LibreOffice, the PDF it prints as)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.section import Section

from handlers.checkins.report import (
    ActionReport,
    ReportDraft,
    build_report,
    opening,
    report_docx,
    report_markdown,
    uses_letter,
)
from storage import repositories as repo
from storage.models import ActionUpdate, Status
from storage.plans import operation_hc
from tests.conftest import EXAMPLES, Chat

HC = "amina.hc@sahelia.invalid"
NBSP = "\u00a0"

FRENCH_OPERATION = """
operations:
  - code: {code}
    name: {name}
    country: {country}
    timezone: Africa/Ndjamena
    missions:
      - kind: p2p
        starts_on: 2026-06-08
        ends_on: 2026-06-19
        plan:
          code: {code}-2026
          title: Plan d'action de l'EHP, juin 2026
          adopted_on: 2026-06-19
          update_due_on: 2026-11-19
          actions:
            - number: 1
              title: Adopter une stratégie de protection de l'EHP
              owner: {email}
              due_on: 2026-12-15
            - number: 2
              title: Recruter un coordonnateur PSEA à plein temps
              owner: Réseau PSEA
              due_on: 2026-09-30
people:
  - email: {email}
    name: Aïcha Modèle
    role: hc
    language: {language}
    operation: {code}
"""


def draft_for(chat: Chat, code: str = "sahelia-2026", language: str = "en") -> tuple[str, bytes]:
    async def build() -> tuple[str, bytes]:
        async with chat.database.transaction() as session:
            plan = await repo.plan_by_code(session, code)
            assert plan is not None
            hc = await operation_hc(session, plan.mission.operation_id)
            draft = build_report(plan, chat.clock.now(), hc.name if hc else None)
            return report_markdown(draft, language), report_docx(draft, language)
    return chat.run(build())


def add_update(chat: Chat, number: int, status: Status, note: str | None, at: datetime,
               code: str = "sahelia-2026") -> None:
    async def add() -> None:
        async with chat.database.transaction() as session:
            plan = await repo.plan_by_code(session, code)
            assert plan is not None
            action = next(action for action in plan.actions if action.number == number)
            session.add(ActionUpdate(action_id=action.id, status=status, note=note, platform="console", created_at=at))
    chat.run(add())


def load_operation(chat: Chat, tmp_path: Path, *, code: str = "tchad", name: str = "Opération Tchad",
                   country: str = "Chad", language: str = "fr") -> str:
    email = f"hc@{code}.invalid"
    file = tmp_path / f"{code}.yaml"
    file.write_text(FRENCH_OPERATION.format(code=code, name=name, country=country, language=language, email=email),
                    encoding="utf-8")
    chat.load(file)
    return email


def plain(text: str) -> str:
    return text.replace(NBSP, " ").replace("\u202f", " ")


def size_mm(page: Section) -> tuple[float, float]:
    assert page.page_width is not None
    assert page.page_height is not None
    return round(page.page_width.mm, 1), round(page.page_height.mm, 1)


def section(markdown: str, title: str) -> str:
    start = markdown.index(f"## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end if end >= 0 else None]


def test_the_draft_opens_with_the_data_and_lists_each_action_once(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("on track")
    chat.say("Draft strategy with the protection cluster")
    chat.say("blocked")
    chat.say("Recruitment frozen by the agency")
    chat.say("later")
    chat.clock.advance_to(chat.clock.now() + timedelta(days=3))
    chat.say("/checkin")  # resumes at action 3
    chat.say("done")
    chat.say("no")
    markdown, _docx = draft_for(chat)
    summary = section(markdown, "Summary")
    assert ("This update reports progress on the action plan the HCT adopted on 15 May 2026, after the P2P mission "
            "of 4 to 15 May 2026.") in summary
    assert "Of its 4 actions, 1 is done, 1 is on track, 1 is blocked and 1 has no update yet." in summary
    assert ("Since the plan was adopted on 15 May 2026, 3 actions changed status: action 1 (no status yet → on track), "
            "action 2 (no status yet → blocked) and action 3 (no status yet → done).") in summary
    assert "| 2 | Recruit a full-time PSEA coordinator for the inter-agency network | Jules Sample | " \
           "30 June 2026 (overdue) | Blocked, reported 23 November 2026 |" in markdown

    support = section(markdown, "Where support is needed")
    assert support.count("Recruit a full-time PSEA coordinator") == 1  # blocked and overdue: listed once
    assert support.index("2. Recruit") < support.index("1. Adopt")  # blocked first, then the other late ones
    assert "Make AAP a standing item" not in support  # done, so not overdue
    assert support.count("[To complete by the HC: the support needed, from whom, by when\\]") == 2

    progress = section(markdown, "Progress by action")
    for number in range(1, 5):
        assert progress.count(f"\n### {number}. ") == 1
    action_4 = progress[progress.index("### 4. "):]
    assert "- **Status:** No status yet" in action_4  # no update, still its heading
    assert "**Latest note (23 November 2026, Amina Example):** Recruitment frozen by the agency" in progress

    next_steps = section(markdown, "Next steps (the next 90 days)")
    assert "- 31 December 2026: action 4, Open a sub-national coordination hub" in next_steps
    assert markdown.rstrip().endswith("**Amina Example**\n\nHumanitarian Coordinator, Sahelia humanitarian operation")


def test_notes_given_on_the_day_of_submitted_stay_in_the_next_report(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    now = chat.clock.now()  # 23 Nov 2026, 09:00 UTC
    add_update(chat, 1, Status.ON_TRACK, "Consultations started", now - timedelta(days=20))
    add_update(chat, 1, Status.ON_TRACK, "Draft shared with the clusters", now)
    chat.as_person(HC)
    chat.clock.advance_to(now + timedelta(hours=3))
    chat.say("/submitted")
    assert "Marked as sent" in chat.say("yes")
    add_update(chat, 1, Status.ON_TRACK, "Draft shared with the clusters", now + timedelta(hours=4))  # a repeat
    add_update(chat, 1, Status.DONE, "Adopted by the HCT", now + timedelta(days=2))
    chat.clock.advance_to(now + timedelta(days=3))
    markdown, _docx = draft_for(chat)
    progress = section(markdown, "Progress by action")
    assert "**Latest note (25 November 2026):** Adopted by the HCT" in progress
    assert progress.count("Draft shared with the clusters") == 1  # given the day it was sent; a repeat adds nothing
    assert "Consultations started" not in progress  # in the update already sent
    assert ("Since the last update to the ERC on 23 November 2026, 1 action changed status: "
            "action 1 (on track → done).") in markdown


def test_the_word_document_reads_back(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    add_update(chat, 2, Status.BLOCKED, "Recruitment frozen", chat.clock.now())
    _markdown, docx_bytes = draft_for(chat)
    document = Document(io.BytesIO(docx_bytes))
    [page] = document.sections
    assert size_mm(page) == (210.0, 297.0)  # A4 outside the Americas
    headings = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs
                if paragraph.style is not None and paragraph.style.name.startswith("Heading")]
    assert [text for style, text in headings if style == "Heading 1"] == [
        "Summary", "Where support is needed", "Progress by action", "Next steps (the next 90 days)"]
    assert next(text for style, text in headings if style == "Heading 2") == \
        "1. Adopt an HCT protection strategy with three collective priorities"
    [table] = document.tables
    assert [cell.text for cell in table.rows[0].cells] == ["#", "Action", "Owner", "Due", "Status"]
    assert [cell.text for cell in table.rows[2].cells] == [
        "2", "Recruit a full-time PSEA coordinator for the inter-agency network", "Jules Sample",
        "30 June 2026 (overdue)", "Blocked, reported 23 November 2026"]
    assert len(table.rows) == 5
    properties = document.core_properties
    assert properties.title == "Progress update on the action plan: Sahelia HCT action plan, May 2026"
    assert properties.author == "Amina Example"
    assert properties.language == "en-GB"
    assert properties.created == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    placeholders = [run for paragraph in document.paragraphs for run in paragraph.runs
                    if run.text.startswith("[To complete by the HC")]
    assert len(placeholders) == 3
    assert all(run.font.highlight_color for run in placeholders)


def test_the_word_document_is_entirely_french_for_a_french_speaking_hc(chat: Chat, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    email = load_operation(chat, tmp_path)
    monkeypatch.setenv("HCBOT_REPORT_DIR", str(tmp_path))
    chat.as_person(email)
    answer = chat.say("/rapport")
    assert "Voici le projet de mise à jour pour Plan d'action de l'EHP, juin 2026." in answer
    saved = tmp_path / "tchad-2026-update-2026-11-23.docx"
    assert f"--- saved {saved} ---" in answer
    document = Document(str(saved))
    text = plain("\n".join(paragraph.text for paragraph in document.paragraphs))
    assert "Point d'avancement du plan d'action : Plan d'action de l'EHP, juin 2026" in text
    assert "Opération : Opération Tchad (Tchad)" in text
    assert "Mission : P2P du 8 au 19 juin 2026" in text
    assert "Plan adopté : 19 juin 2026" in text
    assert "Sur ses 2 actions, aucune n'est encore achevée et 2 n'ont pas encore de point." in text
    assert "[À compléter par le CH : l'appui nécessaire, de qui, pour quand]" in text
    assert "Aïcha Modèle\nCoordonnateur·rice humanitaire, Opération Tchad" in text
    for english in ("Summary", "Owner", "Due", "Status", "Next steps", "Humanitarian", "June", "No status"):
        assert english not in text
    headings = [paragraph.text for paragraph in document.paragraphs
                if paragraph.style is not None and paragraph.style.name == "Heading 1"]
    assert headings == ["Résumé", "Où un appui est nécessaire", "Avancement action par action",
                        "Prochaines étapes (les 90 prochains jours)"]
    [table] = document.tables
    assert [plain(cell.text) for cell in table.rows[0].cells] == ["#", "Action", "Responsable", "Échéance", "Statut"]
    assert plain(table.rows[2].cells[3].text) == "30 septembre 2026 (échéance dépassée)"
    assert document.core_properties.language == "fr-FR"
    assert document.core_properties.author == "Aïcha Modèle"


def test_us_letter_only_where_the_country_prints_on_it(chat: Chat, tmp_path: Path) -> None:
    load_operation(chat, tmp_path, code="colombia", name="Colombia operation", country="Colombia", language="en")
    _markdown, docx_bytes = draft_for(chat, "colombia-2026")
    [page] = Document(io.BytesIO(docx_bytes)).sections
    assert size_mm(page) == (215.9, 279.4)  # US Letter
    assert uses_letter("United States")
    assert uses_letter("Canada")
    assert uses_letter("Mexico (north)")
    assert not uses_letter("Chad")
    assert not uses_letter("Haiti")
    assert not uses_letter("Sahelia (fictional)")


def _pdf_tools() -> tuple[str, str, str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed here; .ci/run installs it, so CI runs this test")
    missing = [tool for tool in ("pdftotext", "pdfinfo", "pdffonts") if shutil.which(tool) is None]
    assert not missing, f"{missing} missing: install poppler-utils (.ci/run does)"
    return soffice, str(shutil.which("pdftotext")), str(shutil.which("pdfinfo")), str(shutil.which("pdffonts"))


def test_the_french_document_prints_to_pdf_with_every_glyph(chat: Chat, tmp_path: Path) -> None:
    soffice, pdftotext, pdfinfo, pdffonts = _pdf_tools()
    load_operation(chat, tmp_path)
    add_update(chat, 2, Status.BLOCKED, "Gel des recrutements ; l'agence attend « la décision » du siège",
               chat.clock.now() - timedelta(days=1), code="tchad-2026")
    _markdown, docx_bytes = draft_for(chat, "tchad-2026", "fr")
    source = tmp_path / "rapport.docx"
    source.write_bytes(docx_bytes)
    profile = tmp_path / "lo-profile"
    converted = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)], capture_output=True, text=True, timeout=180, check=False)
    pdf = tmp_path / "rapport.pdf"
    assert converted.returncode == 0, converted.stderr
    assert pdf.exists(), converted.stdout
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, timeout=60, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert pages >= 1
    assert "(A4)" in info
    fonts = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True, timeout=60, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts  # every font embedded
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60,
                          check=True).stdout
    flat = " ".join(plain(text).split())
    for expected in ("Mission : P2P du 8 au 19 juin 2026", "Responsable", "Échéance", "Statut",
                     "Adopter une stratégie de protection de l'EHP", "Réseau PSEA", "30 septembre 2026",
                     "Bloqué, signalé le 22 novembre 2026", "Gel des recrutements ; l'agence attend « la décision »",
                     "Où un appui est nécessaire", "Coordonnateur·rice humanitaire", "Aïcha Modèle",
                     "pas encore de statut → bloqué"):
        assert expected in flat, expected
    assert "\ufffd" not in text  # no character without a glyph


def test_report_from_the_shell_md_and_docx(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}

    def hcbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=60, check=False)

    assert hcbot("admin", "import", str(EXAMPLES / "operations.yaml")).returncode == 0
    markdown = hcbot("report", "sahelia-2026")
    assert markdown.returncode == 0
    assert markdown.stdout.startswith("# Progress update on the action plan")
    output = tmp_path / "update.docx"
    done = hcbot("report", "sahelia-2026", "--format", "docx", "--output", str(output))
    assert done.returncode == 0, done.stderr
    titles = [paragraph.text for paragraph in Document(str(output)).paragraphs]
    assert any("Sahelia HCT action plan" in title for title in titles)
    missing = hcbot("report", "no-such-plan")
    assert missing.returncode == 2
    assert "no plan with code 'no-such-plan'" in missing.stderr
    nowhere = tmp_path / "no-such-folder" / "update.docx"
    for format_ in ("docx", "md"):
        refused = hcbot("report", "sahelia-2026", "--format", format_, "--output", str(nowhere))
        assert refused.returncode == 2
        assert refused.stderr == (f"hcbot: cannot write {nowhere}: the folder {nowhere.parent} does not exist\n")


def test_demo_and_as(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}

    def chat(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "chat", *args], input=stdin, capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=60, check=False)

    demo = chat("--demo", stdin="/plan\n/checkin\n")
    assert demo.returncode == 0, demo.stderr
    assert "Arcadia HCT action plan 2026 (demo): update to the ERC due" in demo.stdout
    assert "(30 days left)" in demo.stdout  # the demo's dates move with the clock
    assert "Still on track?" in demo.stdout  # the demo comes with a little history
    again = chat("--as", "protection.lead@demo.invalid", stdin="/plan\n")  # the demo's French HCT member
    assert "mise à jour au CSU due le" in again.stdout
    unknown = chat("--as", "nobody@demo.invalid", stdin="")
    assert unknown.returncode == 2
    assert "no registered person" in unknown.stderr


def test_the_console_saves_the_document_and_says_where(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    env.pop("HCBOT_REPORT_DIR", None)
    subprocess.run([sys.executable, "-m", "bot.cli", "admin", "import", str(EXAMPLES / "operations.yaml")],
                   env=env, cwd=tmp_path, capture_output=True, timeout=60, check=True)
    shown = subprocess.run([sys.executable, "-m", "bot.cli", "chat", "--as", HC], input="/report\n",
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert shown.returncode == 0, shown.stderr
    [saved] = re.findall(r"--- saved (\S+\.docx) ---", shown.stdout)
    assert Path(saved).parent == tmp_path.resolve()  # the working folder
    assert "# Progress update" not in shown.stdout  # the Markdown is not printed inline
    assert Document(saved).core_properties.author == "Amina Example"


def test_report_from_the_shell_speaks_the_hcs_language_unless_asked(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}

    def hcbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=60, check=False)

    french = tmp_path / "tchad.yaml"
    french.write_text(FRENCH_OPERATION.format(code="tchad", name="Opération Tchad", country="Chad", language="fr",
                                              email="hc@tchad.invalid"), encoding="utf-8")
    assert hcbot("admin", "import", str(french)).returncode == 0
    assert hcbot("admin", "import", str(EXAMPLES / "operations.yaml")).returncode == 0
    # Aïcha Modèle, the HC of the Chad operation, speaks French: her draft is in French...
    assert hcbot("report", "tchad-2026").stdout.startswith("# Point d'avancement du plan d'action")
    output = tmp_path / "point.docx"
    assert hcbot("report", "tchad-2026", "--format", "docx", "--output", str(output)).returncode == 0
    assert Document(str(output)).core_properties.language == "fr-FR"
    # ... unless another language is asked for; Amina, Sahelia's HC, speaks English.
    assert hcbot("report", "tchad-2026", "--language", "en").stdout.startswith("# Progress update on the action plan")
    assert hcbot("report", "sahelia-2026").stdout.startswith("# Progress update on the action plan")
    assert hcbot("report", "sahelia-2026", "--language", "fr").stdout.startswith("# Point d'avancement")


def counted(statuses: list[Status | None]) -> ReportDraft:
    """A draft whose actions have these latest statuses (None: no update yet)."""
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    actions = tuple(ActionReport(number=number, title=f"Action {number}", owner="ICCG", due_on=None, status=status,
                                 status_at=at if status else None, status_before=None, history=(), overdue=False)
                    for number, status in enumerate(statuses, 1))
    counts = {status.value: 0 for status in Status} | {"no_status": 0}
    for status in statuses:
        counts[status.value if status else "no_status"] += 1
    return ReportDraft(plan_code="p", plan_title="Plan", operation="Operation", country="Chad", mission_kind="p2p",
                       mission_starts_on=date(2026, 6, 8), mission_ends_on=date(2026, 6, 19),
                       adopted_on=date(2026, 6, 19), update_due_on=None,
                       baseline=datetime(2026, 6, 19, tzinfo=UTC), generated_at=at, actions=actions, counts=counts)


@pytest.mark.parametrize(("statuses", "english", "french"), [
    ([Status.DONE, Status.ON_TRACK, Status.ON_TRACK, Status.BLOCKED],
     "Of its 4 actions, 1 is done, 2 are on track and 1 is blocked.",
     "Sur ses 4 actions, 1 est achevée, 2 sont en bonne voie et 1 est bloquée."),
    ([None, None, None],
     "Of its 3 actions, none is done yet and 3 have no update yet.",
     "Sur ses 3 actions, aucune n'est encore achevée et 3 n'ont pas encore de point."),
    ([Status.DELAYED],
     "Of its 1 action, none is done yet and 1 is delayed.",
     "Sur 1 action, aucune n'est encore achevée et 1 est en retard."),
    ([Status.DELAYED, Status.DELAYED, Status.BLOCKED, Status.NOT_STARTED, None],
     "Of its 5 actions, none is done yet, 2 are delayed, 1 is blocked, 1 has not started and 1 has no update yet.",
     "Sur ses 5 actions, aucune n'est encore achevée, 2 sont en retard, 1 est bloquée, 1 n'a pas commencé et "
     "1 n'a pas encore de point."),
    ([Status.DONE, Status.DONE],
     "Of its 2 actions, 2 are done.",
     "Sur ses 2 actions, 2 sont achevées."),
    ([], "The plan has no actions yet.", "Le plan ne compte encore aucune action."),
])
def test_the_opening_counts_read_naturally_with_none_one_or_several(statuses: list[Status | None], english: str,
                                                                      french: str) -> None:
    draft = counted(statuses)
    assert opening(draft, "en")[1] == english
    assert plain(opening(draft, "fr")[1]) == french


def test_the_chat_summary_counts_the_actions_nobody_reported_on(chat: Chat, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HCBOT_REPORT_DIR", str(tmp_path))
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say('/update 2 done "recruited in November"')
    chat.say("/update 3 blocked")
    assert "Blocked: 1 · Done: 1 · No status yet: 2" in chat.say("/report")
    chat.as_person("jules.unicef@sahelia.invalid")  # French
    assert "Bloqué\u00a0: 1 · Fait\u00a0: 1 · Pas encore de statut\u00a0: 2" in chat.say("/rapport")
