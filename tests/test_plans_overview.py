"""Every plan at a glance: the secretariat's /plans (/tableau), an HC's own, the filters, the pages,
the App Home, and ``hcbot admin plans`` / ``people`` read back as CSV and JSON; on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FixedClock
from bot.slack.render import HOME_BLOCK_LIMIT, home_view
from handlers.accounts import issue_invite
from handlers.secretariat import overview
from storage import repositories as repo
from storage.models import ActionUpdate, Status
from tests.conftest import EXAMPLES, START, Chat, database_url
from tests.stubs.slack_api import blocks_error

HC = "amina.hc@sahelia.invalid"
OWNER = "jules.unicef@sahelia.invalid"
SECRETARIAT = "secretariat@p2p.invalid"

# Two more operations beside the examples' Sahelia (39 days late on the tests' 23 Nov 2026) and
# Levantia (no date of its own: the window's end, 12 Aug 2026, so 103 days late): Borealis was due
# yesterday, Austral in 27 days and has no HC registered.
MORE_OPERATIONS = """
operations:
  - code: borealis
    name: Borealis response
    country: Borealis (fictional)
    timezone: Europe/Oslo
    missions:
      - kind: p2p
        starts_on: 2026-06-01
        ends_on: 2026-06-10
        plan:
          code: borealis-2026
          title: Borealis action plan
          adopted_on: 2026-06-10
          update_due_on: 2026-11-22
          actions:
            - number: 1
              title: A joint needs assessment
  - code: austral
    name: Austral islands operation
    country: Austral Islands (fictional)
    timezone: Indian/Mauritius
    missions:
      - kind: opr
        starts_on: 2026-07-01
        ends_on: 2026-07-10
        plan:
          code: austral-2026
          title: Austral plan
          adopted_on: 2026-07-10
          update_due_on: 2026-12-20
          actions:
            - number: 1
              title: Cash working group
            - number: 2
              title: Preparedness plan
people:
  - email: hc@borealis.invalid
    name: Brit Borealis
    role: hc
    language: fr
    operation: borealis
"""


def add_update(chat: Chat, code: str, number: int, status: Status, at: datetime) -> None:
    async def add() -> None:
        async with chat.database.transaction() as session:
            plan = await repo.plan_by_code(session, code)
            assert plan is not None
            action = next(action for action in plan.actions if action.number == number)
            session.add(ActionUpdate(action_id=action.id, status=status, platform="console", created_at=at))
    chat.run(add())


def load_four(chat: Chat, tmp_path: Path) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    more = tmp_path / "more.yaml"
    more.write_text(MORE_OPERATIONS, encoding="utf-8")
    chat.load(more)
    add_update(chat, "sahelia-2026", 1, Status.DONE, START - timedelta(days=3))
    add_update(chat, "sahelia-2026", 2, Status.BLOCKED, START - timedelta(days=13))


def plan_codes(text: str) -> list[str]:
    return re.findall(r"· ([a-z]+-2026)$", text, flags=re.MULTILINE)


def test_the_secretariat_sees_every_plan_the_most_urgent_first(chat: Chat, tmp_path: Path) -> None:
    load_four(chat, tmp_path)
    chat.as_person(SECRETARIAT)
    shown = chat.say("/plans")
    assert shown.startswith("Every operation's plan, the most urgent first\n4 plans · 3 late\n")
    # Late first, the latest first; then the fewest days left.
    assert plan_codes(shown) == ["levantia-2026", "sahelia-2026", "borealis-2026", "austral-2026"]
    assert "Levantia response · Omar Placeholder · levantia-2026\n   103 days late, due 12 Aug 2026" in shown
    assert ("Sahelia humanitarian operation · Amina Example · sahelia-2026\n"
            "   39 days late, due 15 Oct 2026 · Done: 1 · Blocked: 1 · No status yet: 2 · last check-in 20 Nov 2026"
            in shown)
    assert "   1 day late, due 22 Nov 2026 · No status yet: 1 · no check-in yet" in shown
    assert "Austral islands operation · no HC registered · austral-2026\n   27 days left, due 20 Dec 2026" in shown
    # Two lines a plan, plus a title, the counts and the footer: a phone screen, not a report.
    assert len(shown.splitlines()) == 2 * 4 + 3


def test_in_french_with_real_plurals_and_french_dates(chat: Chat, tmp_path: Path) -> None:
    load_four(chat, tmp_path)
    chat.as_person(SECRETARIAT)
    shown = chat.say("/tableau")
    assert shown.startswith("Les plans de toutes les opérations, les plus urgents d'abord\n4 plans · 3 en retard")
    assert "103 jours de retard, échéance le 12 août 2026" in shown
    assert "1 jour de retard, échéance le 22 nov. 2026" in shown
    assert "27 jours restants, échéance le 20 déc. 2026" in shown
    assert "Fait\u00a0: 1 · Bloqué\u00a0: 1 · Sans statut\u00a0: 2 · dernier point le 20 nov. 2026" in shown
    assert "aucun CH inscrit" in shown


def test_a_sent_update_goes_last_and_the_overdue_filter_leaves_it_out(chat: Chat, tmp_path: Path) -> None:
    load_four(chat, tmp_path)
    chat.as_person(SECRETARIAT)
    chat.say("/submitted levantia-2026")
    chat.say("yes")
    shown = chat.say("/plans")
    assert plan_codes(shown) == ["sahelia-2026", "borealis-2026", "austral-2026", "levantia-2026"]
    assert "4 plans · 2 late · 1 update sent" in shown
    assert "   update sent 23 Nov 2026 · No status yet: 1" in shown
    overdue = chat.say("/plans overdue")
    assert overdue.startswith("Plans late with their update to the ERC, the latest first\n2 plans · 2 late")
    assert plan_codes(overdue) == ["sahelia-2026", "borealis-2026"]
    assert plan_codes(chat.say("/plans retard")) == ["sahelia-2026", "borealis-2026"]
    assert plan_codes(chat.say("/tableau en retard")) == ["sahelia-2026", "borealis-2026"]


def test_one_operation_by_name_with_a_typo_and_did_you_mean(chat: Chat, tmp_path: Path) -> None:
    load_four(chat, tmp_path)
    chat.as_person(SECRETARIAT)
    exact = chat.say("/plans Sahélia")
    assert exact.startswith("Plans of Sahelia humanitarian operation\n1 plan · 1 late\n")
    assert plan_codes(exact) == ["sahelia-2026"]
    typo = chat.say("/plans borealsi")
    assert typo.startswith("Plans of Borealis response (you typed “borealsi”)\n")
    assert plan_codes(typo) == ["borealis-2026"]
    assert plan_codes(chat.say("/plans austral-2026")) == ["austral-2026"]  # a plan's code names its operation
    assert plan_codes(chat.say("/plans overdue austral")) == []  # named, but not late
    assert "No plan is late" in chat.say("/plans overdue austral")
    unsure = chat.say("/plans levatnai")
    assert unsure.startswith("I know no operation called “levatnai”. Did you mean Levantia response (levantia)?")
    assert "[1] Levantia response" in unsure
    assert plan_codes(chat.say("1")) == ["levantia-2026"]  # the button shows it
    unknown = chat.say("/plans Chad")
    assert unknown == ("I know no operation called “Chad”. The operations are: Austral islands operation (austral), "
                       "Borealis response (borealis), Levantia response (levantia), Sahelia humanitarian operation "
                       "(sahelia).")


def test_an_hc_sees_their_own_plans_others_are_told_why(chat: Chat, tmp_path: Path) -> None:
    load_four(chat, tmp_path)
    chat.as_person(HC)
    own = chat.say("/plans")
    assert own.startswith("Your operation's plans\n1 plan · 1 late\n")
    assert plan_codes(own) == ["sahelia-2026"]
    assert "Levantia" not in own
    other = chat.say("/plans levantia")
    assert other.startswith("Here you see your own operation's plans; the P2P secretariat sees every operation's.")
    assert plan_codes(other) == ["sahelia-2026"]
    assert "Levantia" not in other
    assert plan_codes(chat.say("/plans overdue")) == ["sahelia-2026"]
    chat.as_person("hc@borealis.invalid")  # in French
    assert plan_codes(chat.say("/tableau")) == ["borealis-2026"]
    chat.as_person(OWNER)
    refused = chat.say("/tableau")
    assert refused.startswith("/tableau est la vue d'ensemble du secrétariat P2P")
    assert "Sahelia" not in refused
    chat.as_person("omar.hc@levantia.invalid")
    assert plan_codes(chat.say("/plans")) == ["levantia-2026"]


def test_a_stranger_sees_no_plan(chat: Chat, tmp_path: Path) -> None:
    load_four(chat, tmp_path)
    refused = chat.say("/plans")
    assert refused.startswith("The overview of action plans is for the P2P secretariat and the HCs")
    assert "Sahelia" not in refused


def test_a_long_list_is_paged(chat: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overview, "PAGE_SIZE", 3)
    load_four(chat, tmp_path)
    chat.as_person(SECRETARIAT)
    first = chat.say("/plans")
    assert plan_codes(first) == ["levantia-2026", "sahelia-2026", "borealis-2026"]
    assert "Plans 1–3 of 4.\nNext: /plans 2\n[1] Next plans" in first
    second = chat.say("1")
    assert plan_codes(second) == ["austral-2026"]
    assert "Plans 4–4 of 4." in second
    assert "/plan CODE shows one plan" in second  # the last page ends with the footer
    assert plan_codes(chat.say("/plans 9")) == ["austral-2026"]  # past the end: the last page, and why
    assert "There are only 2 pages: /plans 2 is the last." in chat.say("/plans 9")
    assert "There is only one page: /plans overdue 1 shows it." in chat.say("/plans overdue 9")
    assert "Il n'y a qu'une page\u00a0: /tableau retard 1 la montre." in chat.say("/tableau retard 9")


def test_the_secretariats_app_home_is_the_overview_within_a_hundred_blocks(chat: Chat, tmp_path: Path) -> None:
    load_four(chat, tmp_path)
    chat.as_person(SECRETARIAT, platform="slack", user_id="U0SEC")
    reply = chat.run(chat.app.live.home("slack", "U0SEC"))
    text = reply.plain_text
    assert "Every operation's plan, the most urgent first\n4 plans · 3 late" in text
    assert plan_codes(text) == ["levantia-2026", "sahelia-2026", "borealis-2026", "austral-2026"]
    assert [button.payload for button in reply.buttons] == ["plans:overdue", "plans:"]
    view = home_view(reply)
    assert [block["type"] for block in view["blocks"]].count("divider") >= 4  # each plan its own section
    # Sixty more operations: the home shows the twenty most urgent, says how many more, keeps its buttons.
    many = tmp_path / "many.yaml"
    many.write_text("operations:\n" + "".join(
        f"  - code: op{number}\n    name: Operation {number}\n    country: Place {number}\n"
        f"    timezone: Africa/Niamey\n    missions:\n      - kind: p2p\n        starts_on: 2026-06-01\n"
        f"        ends_on: 2026-06-10\n        plan:\n          code: op{number}-plan\n"
        f"          title: Plan {number}\n          adopted_on: 2026-06-10\n"
        f"          update_due_on: 2026-12-{number % 28 + 1:02d}\n" for number in range(60)), encoding="utf-8")
    chat.load(many)
    crowded = chat.run(chat.app.live.home("slack", "U0SEC"))
    assert "44 more plans: /plans shows them all." in crowded.plain_text
    view = home_view(crowded)
    assert len(view["blocks"]) <= HOME_BLOCK_LIMIT
    assert blocks_error(view["blocks"], HOME_BLOCK_LIMIT) is None  # what the stub of views.publish accepts
    assert [element["value"] for block in view["blocks"] if block["type"] == "actions"
            for element in block["elements"]] == ["plans:overdue", "plans:"]
    assert "44 more plans" in "".join(block["text"]["text"] for block in view["blocks"] if block["type"] == "section")
    # The HC's home is still their own plan, with its buttons.
    chat.as_person(HC, platform="slack", user_id="U0HC")
    own = chat.run(chat.app.live.home("slack", "U0HC"))
    assert "Levantia" not in own.plain_text
    assert [button.payload for button in own.buttons] == ["checkin:sahelia-2026", "report:sahelia-2026"]


def shell(chat: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          backend: str, *args: str) -> str:
    monkeypatch.setenv("HCBOT_DATABASE_URL", database_url(backend, tmp_path))
    capsys.readouterr()
    assert main(["admin", *args], clock=FixedClock(chat.clock.now())) == 0
    return capsys.readouterr().out


def test_admin_plans_csv_and_json_read_back(chat: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], backend: str) -> None:
    load_four(chat, tmp_path)
    rows = list(csv.DictReader(io.StringIO(shell(chat, tmp_path, monkeypatch, capsys, backend, "plans", "--csv"))))
    assert [row["plan"] for row in rows] == ["levantia-2026", "sahelia-2026", "borealis-2026", "austral-2026"]
    sahelia = rows[1]
    assert sahelia == {
        "plan": "sahelia-2026", "title": "Sahelia HCT action plan, May 2026", "operation": "sahelia",
        "operation_name": "Sahelia humanitarian operation", "country": "Sahelia (fictional)", "hc": "Amina Example",
        "hc_email": HC, "due_on": "2026-10-15", "days_left": "-39", "late": "true", "submitted_at": "",
        "done": "1", "blocked": "1", "delayed": "0", "on_track": "0", "not_started": "0", "no_update": "2",
        "actions": "4", "last_checkin_at": "2026-11-20T09:00:00+00:00"}
    assert (rows[3]["hc"], rows[3]["days_left"]) == ("", "27")
    records = json.loads(shell(chat, tmp_path, monkeypatch, capsys, backend, "plans", "--json"))
    assert [record["plan"] for record in records] == [row["plan"] for row in rows]
    assert (records[1]["days_left"], records[1]["late"], records[3]["hc"]) == (-39, True, None)
    assert (records[1]["done"], records[1]["no_update"]) == (1, 2)
    overdue = json.loads(shell(chat, tmp_path, monkeypatch, capsys, backend, "plans", "--overdue", "--json"))
    assert [record["plan"] for record in overdue] == ["levantia-2026", "sahelia-2026", "borealis-2026"]
    one = json.loads(shell(chat, tmp_path, monkeypatch, capsys, backend, "plans", "--operation", "boreal", "--json"))
    assert [record["plan"] for record in one] == ["borealis-2026"]
    text = shell(chat, tmp_path, monkeypatch, capsys, backend, "plans")
    assert text.startswith("4 plans · 3 late\nLevantia response · Omar Placeholder · levantia-2026\n")
    monkeypatch.setenv("HCBOT_DATABASE_URL", database_url(backend, tmp_path))
    assert main(["admin", "plans", "--operation", "chad"], clock=FixedClock(chat.clock.now())) == 2
    assert "no operation 'chad'; the operations are: austral, borealis, levantia, sahelia" in capsys.readouterr().err


def test_admin_people_lists_roles_chats_and_last_seen_without_codes(
        chat: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        backend: str) -> None:
    load_four(chat, tmp_path)
    chat.as_person(HC, platform="telegram", user_id="4242")
    chat.say("/plan")  # seen now, on Telegram

    async def invite() -> str:
        async with chat.database.transaction() as session:
            issued = await issue_invite(session, OWNER, chat.clock.now(), timedelta(days=7))
            return issued.code
    code = chat.run(invite())
    rows = list(csv.DictReader(io.StringIO(shell(chat, tmp_path, monkeypatch, capsys, backend, "people", "--csv"))))
    by_email = {row["email"]: row for row in rows}
    # By operation, then name; headquarters last, on SQLite as on PostgreSQL.
    assert list(by_email) == ["hc@borealis.invalid", "omar.hc@levantia.invalid", HC, OWNER, SECRETARIAT]
    assert (by_email[HC]["role"], by_email[HC]["operation"]) == ("hc", "sahelia")
    assert (by_email[HC]["platforms"], by_email[HC]["reachable"]) == ("telegram", "true")
    assert by_email[HC]["last_seen_at"] == START.isoformat()
    assert (by_email[OWNER]["platforms"], by_email[OWNER]["last_seen_at"]) == ("", "")
    assert by_email[OWNER]["invite_pending_until"] == (START + timedelta(days=7)).isoformat()
    assert by_email[SECRETARIAT]["operation"] == ""
    records = json.loads(shell(chat, tmp_path, monkeypatch, capsys, backend, "people", "--operation", "sahelia",
                               "--json"))
    assert [(record["email"], record["role"]) for record in records] == [(HC, "hc"), (OWNER, "hct_member")]
    text = shell(chat, tmp_path, monkeypatch, capsys, backend, "people")
    assert f"Amina Example <{HC}> · hc · sahelia · telegram · last seen 2026-11-23 09:00 UTC" in text
    everything = text + json.dumps(records) + "".join(json.dumps(row) for row in rows)
    assert code not in everything  # the invite code is shown once, to who issued it, and never again
