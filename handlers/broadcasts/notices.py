"""Notices in the chat: the secretariat composes a broadcast (/broadcast), everyone chooses what they
get (/notices on|off, /follow TOPIC, /unfollow TOPIC).

The /broadcast conversation is a state machine kept in its ``broadcasts`` row (status draft, a step):
text, French text, audience, preview, send. A restart, or switching platforms, resumes it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rapidfuzz.distance import OSA

from handlers.answers.questions import resolve_topic
from handlers.broadcasts import sending
from handlers.checkins.plans import require_person
from handlers.context import Turn
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, italic, text_reply
from knowledge.taxonomy import TOPICS, topic_name
from storage import broadcasts as stored
from storage.database import write_pending
from storage.models import Broadcast, BroadcastStatus, BroadcastStep, Person, Role

logger = logging.getLogger(__name__)

BROADCASTERS = (Role.SECRETARIAT, Role.ADMIN)
# The audiences offered as buttons; anything else is typed (role=hc,country=Chad).
PRESETS = {"all": "", "hc": "role=hc", "hct": "role=hct_member", "fr": "language=fr"}
SKIP_WORDS = {"skip", "passer", "no", "non", "none", "-"}
SEND_WORDS = {"send", "envoyer", "yes", "oui", "ok"}
CANCEL_WORDS = {"cancel", "annuler", "/cancel", "/annuler", "stop"}


def is_cancel(text: str) -> bool:
    """"cancel", "annuler", and their one-letter slips on a phone ("anuler", "cancle"): a one-word
    notice that close to "cancel" is a wish to stop, not a notice."""
    word = text.strip().lower()
    if word in CANCEL_WORDS:
        return True
    return " " not in word and any(OSA.distance(word.lstrip("/"), target) <= 1
                                   for target in ("cancel", "annuler"))


def may_broadcast(person: Person | None) -> bool:
    return person is not None and person.role in BROADCASTERS


async def open_draft(turn: Turn) -> Broadcast | None:
    if turn.person is None or turn.person.role not in BROADCASTERS:
        return None
    return await stored.open_draft(turn.session, turn.person.id)


async def start(turn: Turn, args: str) -> list[Reply]:
    """Secretariat: compose a notice to HCs and HCT members (text, audience, preview, send)."""
    person = turn.person
    if not may_broadcast(person):
        # Logged: an attempt to broadcast without the role is worth the secretariat's attention.
        logger.warning("broadcast refused: %s user %s (person %s) has no broadcasting role",
                       turn.message.platform, turn.message.user_id, person.id if person else None)
        raise AccessDenied("broadcast.refused")
    assert person is not None
    words = args.split()
    if words and words[0].lower() in {"status", "etat", "état"}:
        return await status(turn, words[1] if len(words) > 1 else "")
    draft = await open_draft(turn)
    if draft is not None:
        return [text_reply(t("broadcast.resumed", turn.language)), *await _prompt(turn, draft)]
    draft = await stored.new_draft(turn.session, person.id, turn.now)
    if args.strip():
        return await answer(turn, draft, args)
    return await _prompt(turn, draft)


async def status(turn: Turn, number: str) -> list[Reply]:
    """How far a broadcast got (the latest one sent, or /broadcast status ID)."""
    if number and not number.isdigit():
        raise BadInput("broadcast.status_usage")
    broadcast = await stored.latest_beyond_draft(turn.session, int(number) if number else None)
    if broadcast is None:
        raise NotFound("broadcast.none")
    found = await sending.report(turn.session, broadcast, turn.now)
    builder = ReplyBuilder()
    first, *rest = found.lines()
    builder.add(bold(first))
    for text in rest:
        builder.add(text)
    return [builder.build()]


async def _prompt(turn: Turn, draft: Broadcast) -> list[Reply]:
    language = turn.language
    step = draft.step
    if step is BroadcastStep.TEXT:
        return [text_reply(t("broadcast.ask_text", language))]
    if step is BroadcastStep.FRENCH:
        builder = ReplyBuilder().add(t("broadcast.ask_french", language))
        builder.button(t("broadcast.no_french", language), f"bc:{draft.id}:skip")
        return [builder.build()]
    if step is BroadcastStep.AUDIENCE:
        builder = ReplyBuilder().add(t("broadcast.ask_audience", language))
        for key in PRESETS:
            builder.button(t(f"broadcast.audience_{key}", language), f"bc:{draft.id}:aud:{key}")
        return [builder.build()]
    return await _preview(turn, draft)


async def _preview(turn: Turn, draft: Broadcast) -> list[Reply]:
    language = turn.language
    audience = await sending.expand(turn.session, draft.audience)
    notice = sending.notice_of(draft)
    zone = (turn.person.timezone if turn.person else None) or "UTC"
    sample = sending.render(draft.id, notice, "en", zone)
    builder = ReplyBuilder().add(bold(t("broadcast.preview", language)))
    for spans in sample.lines:
        builder.lines.append(spans)
    builder.blank()
    builder.add(italic(t("broadcast.reach", language, audience=sending.describe_audience(draft.audience),
                         count=len(audience.recipients), opted_out=audience.skipped["opted_out"],
                         unlinked=audience.skipped["unlinked"], inactive=audience.skipped["inactive"])))
    if notice.text_fr:
        builder.add(italic(t("broadcast.has_french", language)))
    builder.add(italic(t("broadcast.when", language)))
    builder.button(t("broadcast.send", language), f"bc:{draft.id}:send")
    builder.button(t("broadcast.cancel", language), f"bc:{draft.id}:cancel")
    return [builder.build()]


async def answer(turn: Turn, draft: Broadcast, text: str) -> list[Reply]:
    """A typed message while a draft is open: the text, the French text, the audience, or send."""
    wanted = text.strip()
    if is_cancel(wanted):
        return await _cancel(turn, draft)
    step = draft.step
    if step is BroadcastStep.TEXT:
        try:
            notice = sending.parse_notice(wanted)
        except sending.NoticeRejected as error:
            problems = "; ".join(f"{problem.field or 'text'}: {problem.message}" for problem in error.problems)
            raise BadInput("broadcast.bad_text", problems=problems[:500]) from None
        draft.text_en, draft.text_fr, draft.webinar = notice.text_en, notice.text_fr, notice.webinar
        draft.step = BroadcastStep.AUDIENCE if notice.text_fr else BroadcastStep.FRENCH
    elif step is BroadcastStep.FRENCH:
        draft.text_fr = None if wanted.lower() in SKIP_WORDS else wanted[:sending.MAX_TEXT]
        draft.step = BroadcastStep.AUDIENCE
    elif step is BroadcastStep.AUDIENCE:
        await _set_audience(turn, draft, wanted)
    elif wanted.lower() in SEND_WORDS:
        return await _send(turn, draft)
    elif (moment := _scheduled_time(turn, wanted)) is not None:
        return await _schedule(turn, draft, moment)
    else:
        return [text_reply(t("broadcast.confirm_hint", turn.language)), *await _preview(turn, draft)]
    return await _prompt(turn, draft)


async def _set_audience(turn: Turn, draft: Broadcast, wanted: str) -> None:
    try:
        draft.audience = sending.parse_audience(wanted)
    except sending.AudienceRejected as error:
        raise BadInput("broadcast.bad_audience", problem=str(error)[:300]) from None
    draft.step = BroadcastStep.PREVIEW


async def _send(turn: Turn, draft: Broadcast) -> list[Reply]:
    draft.send_at = turn.now
    draft.status = BroadcastStatus.SCHEDULED
    await write_pending(turn.session)
    written = await sending.release(turn.session, draft, turn.now, turn.context.hours)
    skipped = sum(draft.skipped.values())
    return [text_reply(t("broadcast.sent", turn.language, id=draft.id, count=written, skipped=skipped))]


def _zone(turn: Turn) -> ZoneInfo:
    person = turn.person
    name = (person.timezone or (person.operation.timezone if person.operation else None)) if person else None
    return ZoneInfo(name or "UTC")


def _scheduled_time(turn: Turn, wanted: str) -> datetime | None:
    """"at 2026-12-01 09:00" (the composer's own time, or with an offset) -> UTC; None if not that."""
    word, _, rest = wanted.partition(" ")
    if word.lower() not in {"at", "à", "a", "le"}:
        return None
    try:
        moment = datetime.fromisoformat(rest.strip())
    except ValueError:
        raise BadInput("broadcast.bad_time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(turn))
    if moment <= turn.now:
        raise BadInput("broadcast.bad_time")
    return moment.astimezone(UTC)


async def _schedule(turn: Turn, draft: Broadcast, moment: datetime) -> list[Reply]:
    draft.send_at = moment
    draft.status = BroadcastStatus.SCHEDULED
    draft.step = None
    local = moment.astimezone(_zone(turn))
    return [text_reply(t("broadcast.scheduled", turn.language, id=draft.id,
                         when=f"{local:%Y-%m-%d %H:%M} {local.tzname()}"))]


async def _cancel(turn: Turn, draft: Broadcast) -> list[Reply]:
    await sending.cancel(turn.session, draft, turn.now)
    return [text_reply(t("broadcast.cancelled", turn.language))]


async def press(turn: Turn, payload: str) -> list[Reply]:
    """The buttons of the /broadcast conversation: ``bc:ID:skip|aud:KEY|send|cancel``."""
    parts = payload.split(":")
    draft = await open_draft(turn)
    if draft is None or len(parts) < 3 or parts[1] != str(draft.id):
        if not may_broadcast(turn.person):
            raise AccessDenied("broadcast.refused")
        raise NotFound("broadcast.stale_button")
    choice = parts[2]
    if choice == "cancel":
        return await _cancel(turn, draft)
    if choice == "skip" and draft.step is BroadcastStep.FRENCH:
        return await answer(turn, draft, "skip")
    if choice == "aud" and len(parts) == 4 and parts[3] in PRESETS and draft.step is BroadcastStep.AUDIENCE:
        await _set_audience(turn, draft, PRESETS[parts[3]])
        return await _prompt(turn, draft)
    if choice == "send" and draft.step is BroadcastStep.PREVIEW:
        return await _send(turn, draft)
    return [text_reply(t("checkin.stale_button", turn.language)), *await _prompt(turn, draft)]


async def notices(turn: Turn, args: str) -> list[Reply]:
    """Turn the secretariat's notices (webinars, new products) off or on: /notices off."""
    person = require_person(turn, "stranger.notices")
    wanted = args.strip().lower()
    if wanted in {"off", "non", "no", "stop", "arret", "arrêt"}:
        person.notices = False
    elif wanted in {"on", "oui", "yes", "start"}:
        person.notices = True
    elif wanted:
        raise BadInput("notices.usage")
    return [text_reply(t("notices.on" if person.notices else "notices.off", turn.language))]


async def follow(turn: Turn, args: str) -> list[Reply]:
    """Get notices about a topic: /follow psea (with no topic: what you follow)."""
    person = require_person(turn, "stranger.follow")
    language = turn.language
    if not args.strip():
        followed = await _followed(turn, person)
        names = ", ".join(f"{slug} ({topic_name(slug, language)})" for slug in followed)
        return [text_reply(t("follow.list", language, topics=names or "—"))]
    slug = resolve_topic(turn.context, args)
    if slug is None:
        raise NotFound("topic.unknown", name=args.strip()[:80])
    await stored.follow(turn.session, person.id, slug, turn.now)
    return [text_reply(t("follow.done", language, topic=topic_name(slug, language)))]


async def unfollow(turn: Turn, args: str) -> list[Reply]:
    """Stop notices about a topic: /unfollow psea (or /unfollow all)."""
    person = require_person(turn, "stranger.follow")
    language = turn.language
    wanted = args.strip().lower()
    if wanted in {"all", "tout", "tous"}:
        await stored.unfollow(turn.session, person.id)
        return [text_reply(t("follow.none", language))]
    slug = resolve_topic(turn.context, args) if wanted else None
    if slug is None:
        raise NotFound("topic.unknown", name=args.strip()[:80])
    await stored.unfollow(turn.session, person.id, slug)
    return [text_reply(t("follow.stopped", language, topic=topic_name(slug, language)))]


async def _followed(turn: Turn, person: Person) -> list[str]:
    return sorted(topic for topic in await stored.followed_topics(turn.session, person.id) if topic in TOPICS)
