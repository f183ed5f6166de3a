"""/submitted (/envoye) asks before it records, can be undone for 7 days, and after an undo the
nudges resume where they were; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.delivery import Deliverer
from handlers.messages import Incoming
from handlers.nudges.reconcile import reconcile
from storage import repositories as repo
from storage.models import ActionPlan, PlanSubmission, SubmissionQuestion
from tests.conftest import EXAMPLES, START, Chat
from tests.test_scheduler import RecordingMessenger

HC = "amina.hc@sahelia.invalid"
OWNER = "jules.unicef@sahelia.invalid"
OTHER_HC = "omar.hc@levantia.invalid"
SECRETARIAT = "secretariat@p2p.invalid"
PLAN = "Sahelia HCT action plan, May 2026"


def plan_row(chat: Chat, code: str = "sahelia-2026") -> ActionPlan:
    async def read() -> ActionPlan:
        async with chat.database.transaction() as session:
            plan = await repo.plan_by_code(session, code)
            assert plan is not None
            return plan
    return chat.run(read())


def submissions(chat: Chat) -> list[PlanSubmission]:
    async def read() -> list[PlanSubmission]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(PlanSubmission).order_by(PlanSubmission.id))).scalars())
    return chat.run(read())


def questions_waiting(chat: Chat) -> int:
    async def read() -> int:
        async with chat.database.transaction() as session:
            return len(list((await session.execute(select(SubmissionQuestion))).scalars()))
    return chat.run(read())


def test_submitted_asks_naming_the_plan_and_the_date_then_records_it(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    asked = chat.say("/submitted")
    assert asked == (f"Mark the update to the ERC on {PLAN} as sent on 23 Nov 2026? Its reminders stop; you can "
                     "undo it within 7 days with /submitted undo.\n[1] Yes  [2] No")
    assert plan_row(chat).submitted_at is None  # nothing recorded before the yes
    done = chat.say("yes")  # the console presses the button whose label is typed
    assert done == (f"Marked as sent on 23 Nov 2026: {PLAN}. No more reminders about this update.\n"
                    "A mistake? /submitted undo, until 30 Nov 2026.")
    assert plan_row(chat).submitted_at == START
    [recorded] = submissions(chat)
    assert (recorded.submitted_at, recorded.replaced_submitted_at, recorded.undone_at) == (START, None, None)
    assert recorded.submitted_by_id is not None
    assert questions_waiting(chat) == 0
    again = chat.say("/submitted")
    assert again.startswith(f"{PLAN} was already marked as sent on 23 Nov 2026.\nA mistake? /submitted undo")


def test_the_words_yes_oui_no_non_answer_it_typed_on_any_platform(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC, platform="telegram", user_id="4242")

    def typed(text: str) -> str:
        # As Telegram delivers a typed word: text, not a button.
        replies = chat.run(chat.app.router.handle(Incoming("telegram", "4242", "4242", text=text)))
        return "\n".join(reply.plain_text for reply in replies)

    assert "as sent on 23 Nov 2026?" in typed("/submitted")
    assert typed("no") == f"Nothing recorded: {PLAN} still waits for its update to the ERC, and its reminders go on."
    assert plan_row(chat).submitted_at is None
    assert "comme envoyée le 23 nov. 2026\u202f?" in typed("/envoye")
    assert typed("non").startswith("Rien n'est enregistré")
    typed("/envoye")
    assert typed("Oui !").startswith("Marquée comme envoyée le 23 nov. 2026\u00a0: Sahelia")
    assert plan_row(chat).submitted_at == START


def test_another_message_passes_the_question_over(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/submitted")
    chat.say("/plan")  # the person went on to something else
    assert questions_waiting(chat) == 0
    answered = chat.say("yes")
    assert "Marked as sent" not in answered
    assert plan_row(chat).submitted_at is None


def test_a_yes_an_hour_later_asks_again_with_the_days_date(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/submitted")
    chat.clock.advance_to(START + timedelta(hours=2))
    answered = chat.say("yes")
    assert answered.startswith("That question was more than an hour old, so here it is again, with today's date.")
    assert "as sent on 23 Nov 2026?" in answered
    assert plan_row(chat).submitted_at is None
    chat.say("yes")
    assert plan_row(chat).submitted_at == START + timedelta(hours=2)


def test_who_may_mark_it_as_sent(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)
    assert chat.say("/envoye").startswith("Seuls le CH et le secrétariat")
    chat.as_person(SECRETARIAT)
    # The secretariat sees every plan: "the" plan would be a guess.
    assert chat.say("/submitted").startswith("Which plan? Type /submitted and its code")
    assert "Levantia OPR action plan as sent on 23 Nov 2026?" in chat.say("/submitted levantia-2026")
    chat.say("yes")
    assert plan_row(chat, "levantia-2026").submitted_at == START
    chat.as_person(OTHER_HC)
    assert chat.say("/submitted sahelia-2026") == 'I cannot find a plan "sahelia-2026" that you may see.'


def test_undo_within_7_days_and_each_refusal(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    assert chat.say("/submitted undo") == "None of the plans you see is marked as sent: there is nothing to undo."
    assert chat.say("/submitted undo sahelia-2026") == (f"The update on {PLAN} is not marked as sent: there is "
                                                        "nothing to undo.")
    chat.say("/submitted")
    chat.say("yes")
    chat.as_person(OWNER)
    assert chat.say("/envoye annuler") == (f"Seuls le CH de Sahelia humanitarian operation et le secrétariat P2P "
                                           f"peuvent annuler l'envoi de {PLAN}.")
    chat.as_person(OTHER_HC)
    assert chat.say("/submitted undo sahelia-2026") == 'I cannot find a plan "sahelia-2026" that you may see.'
    chat.as_person(HC)
    chat.clock.advance_to(START + timedelta(days=6))
    undone = chat.say("/submitted undo")
    assert undone == (f"Undone: {PLAN} waits for its update to the ERC again (45 days late, due 15 Oct 2026). "
                      "The reminders resume where they were.")
    assert plan_row(chat).submitted_at is None
    [kept] = submissions(chat)
    assert kept.submitted_at == START  # when it was said to be sent, and by whom, stay on record
    assert kept.undone_at == START + timedelta(days=6)
    assert kept.undone_by_id == kept.submitted_by_id
    assert chat.say("/submitted undo").startswith("None of the plans you see is marked as sent")
    assert "submitted" not in chat.say("/plan").splitlines()[0]


def test_undo_after_8_days_is_refused_in_both_languages(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/submitted")
    chat.say("yes")
    chat.clock.advance_to(START + timedelta(days=8))
    assert chat.say("/submitted undo") == (f"The update on {PLAN} was marked as sent on 23 Nov 2026, 8 days ago: a "
                                           "submission can be undone within 7 days only.")
    assert chat.say("/envoye annuler") == (f"La mise à jour de {PLAN} a été marquée comme envoyée le 23 nov. 2026, "
                                           "il y a 8 jours\u00a0: un envoi ne peut être annulé que dans les 7 jours.")
    assert plan_row(chat).submitted_at == START
    assert submissions(chat)[0].undone_at is None


def test_the_nudge_button_asks_too_and_the_secretariat_undoes_from_the_chat(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.session.buttons = ()
    plan_id = plan_row(chat).id
    [asked] = chat.run(chat.app.router.handle(Incoming("console", HC, HC, button=f"submitted:#{plan_id}")))
    assert [button.payload for button in asked.buttons] == [f"submitted:yes:#{plan_id}", f"submitted:no:#{plan_id}"]
    [done] = chat.run(chat.app.router.handle(Incoming("console", HC, HC, button=f"submitted:yes:#{plan_id}")))
    assert done.plain_text.startswith("Marked as sent on 23 Nov 2026")
    # A stale Yes pressed again (an old message) records nothing new: it says it was sent already.
    [stale] = chat.run(chat.app.router.handle(Incoming("console", HC, HC, button=f"submitted:yes:#{plan_id}")))
    assert stale.plain_text.startswith(f"{PLAN} was already marked as sent on 23 Nov 2026.")
    assert len(submissions(chat)) == 1
    chat.as_person(SECRETARIAT)
    assert chat.say("/submitted undo sahelia-2026").startswith(f"Undone: {PLAN} waits for its update")


# --- After an undo, the nudges resume where they were ------------------------------------------------

NIAMEY = ZoneInfo("Africa/Niamey")


def test_nudges_resume_where_they_were_after_an_undo(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    messenger = RecordingMessenger()

    def tick(now: datetime) -> None:
        # The scheduler's two passes at ``now``, as tests/test_scheduler.py runs them.
        async def once() -> None:
            async with chat.database.transaction() as session:
                await reconcile(session, now)
            messenger.now = now
            await Deliverer(chat.database, [], fallback=messenger, now=lambda: now).deliver()
        chat.run(once())

    def days(first: date, last: date) -> None:
        day = first
        while day <= last:
            tick(datetime(day.year, day.month, day.day, 8, tzinfo=UTC))  # 09:00 in Niamey
            day += timedelta(days=1)

    days(date(2026, 8, 13), date(2026, 9, 30))
    chat.clock.advance_to(datetime(2026, 10, 1, 7, tzinfo=UTC))  # before the 14-day nudge of that morning
    chat.say("/submitted")
    assert chat.say("yes").startswith("Marked as sent on 1 Oct 2026")
    days(date(2026, 10, 1), date(2026, 10, 5))
    chat.clock.advance_to(datetime(2026, 10, 6, 7, tzinfo=UTC))
    assert "(9 days left, due 15 Oct 2026)" in chat.say("/submitted undo")
    days(date(2026, 10, 6), date(2026, 10, 20))
    nudges = [(moment.astimezone(NIAMEY).strftime("%a %d %b %H:%M"), text.splitlines()[1])
              for who, moment, text in messenger.sent if who == HC and text.startswith("Progress update on")]
    assert nudges == [
        ("Fri 14 Aug 09:00", "Your update to the ERC is due 15 Oct 2026 (62 days left)."),
        ("Tue 15 Sep 09:00", "Your update to the ERC is due 15 Oct 2026 (30 days left)."),
        # Nothing while it was marked as sent (1-5 Oct). After the undo the ladder carries on: the
        # step missed meanwhile (14 days before, 1 Oct) comes once, as a catch-up; the 7-day step two
        # working days later is skipped by reconcile's quiet rule; then the day before and the due day.
        ("Tue 06 Oct 09:00", "Your update to the ERC is due 15 Oct 2026 (9 days left)."),
        ("Wed 14 Oct 09:00", "Your update to the ERC is due 15 Oct 2026 (1 day left)."),
        ("Thu 15 Oct 09:00", "Your update to the ERC is due 15 Oct 2026 (due today)."),
    ]
