"""The draft update to the ERC: counts, overdue and blocked, changes, in Markdown and Word."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from docx import Document

from handlers.checkins.report import build_report, report_docx, report_markdown
from storage import repositories as repo
from tests.conftest import EXAMPLES, Chat

HC = "amina.hc@sahelia.invalid"


def draft_for(chat: Chat) -> tuple[str, bytes]:
    async def build() -> tuple[str, bytes]:
        async with chat.database.transaction() as session:
            plan = await repo.plan_by_code(session, "sahelia-2026")
            assert plan is not None
            draft = build_report(plan, chat.clock.now())
            return report_markdown(draft), report_docx(draft)
    return chat.run(build())


def test_report_counts_changes_overdue_and_blocked(chat: Chat) -> None:
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
    markdown, docx_bytes = draft_for(chat)
    assert "**4 actions** · Not started: 0 · On track: 1 · Delayed: 0 · Blocked: 1 · Done: 1 · No status yet: 1" \
        in markdown
    assert "#2 Recruit a full-time PSEA coordinator for the inter-agency network: overdue since 30 Jun 2026" in markdown
    assert "#2 Recruit a full-time PSEA coordinator for the inter-agency network: Blocked" in markdown
    assert "#1 Adopt an HCT protection strategy with three collective priorities: No status yet → On track" in markdown
    assert "23 Nov 2026, Blocked (Amina Example): Recruitment frozen by the agency" in markdown
    assert "26 Nov 2026, Done (Amina Example)" in markdown
    assert "#3 Make AAP a standing item of the ICCG agenda: overdue" not in markdown  # done, so not overdue

    document = Document(io.BytesIO(docx_bytes))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Progress update on the action plan: Sahelia HCT action plan, May 2026" in text
    assert "Recruitment frozen by the agency" in text
    assert "Adopt an HCT protection strategy with three collective priorities" in cells
    assert "Blocked" in cells
    assert "30 Jun 2026 (overdue)" in cells


def test_report_command_in_chat_attaches_markdown(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    answer = chat.say("/report")
    assert "Here is the draft progress update for Sahelia HCT action plan, May 2026." in answer
    assert "--- sahelia-2026-update-2026-11-23.md ---" in answer


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
